"""The invented vocabulary of the demo dataset: districts, streets, syllable-built names, and the
mix of offences, orders, conditions and levers, with the weights the generator draws them by."""

import itertools

DISTRICTS = ("Northgate", "Eastmarsh", "Southvale", "Westbury Fields", "Harbour", "Central")


STREETS = (
    "Eastmarsh Road",
    "Northgate High Street",
    "Southvale Close",
    "Harbour Parade",
    "Westbury Fields Lane",
    "Central Avenue",
    "Mill Pond Lane",
    "Quarry Hill",
)


_SURNAME_STARTS = (
    "Varn", "Ostr", "Brax", "Quen", "Drav", "Thorv", "Yarl", "Zenn", "Kesk", "Morv",
    "Glav", "Grend", "Orsk", "Lisk", "Tarv", "Wrask", "Fesk", "Olv", "Skarr", "Brund",
    "Crev", "Dorm", "Ilv", "Jesk", "Nolv", "Kelm", "Trebb", "Umb", "Vosk", "Yorv",
)  # fmt: skip


_SURNAME_ENDS = (
    "ell", "ick", "amby", "oth", "erby", "imore", "ule", "orrow", "enholt", "aven",
    "ithe", "ome", "urst", "andle", "iston", "oway", "ant", "ett", "edge", "ock",
)  # fmt: skip


SURNAMES = tuple(start + end for start, end in itertools.product(_SURNAME_STARTS, _SURNAME_ENDS))


FORENAMES = {
    "male": (
        "Aaron", "Adam", "Alan", "Andrew", "Ben", "Callum", "Carl", "Connor", "Craig", "Daniel",
        "Darren", "Dean", "Gary", "George", "Jack", "Jake", "James", "Jamie", "Jason", "Joe",
        "Jordan", "Kevin", "Kieran", "Lee", "Liam", "Luke", "Mark", "Matthew", "Michael", "Nathan",
        "Neil", "Paul", "Reece", "Ryan", "Scott", "Sean", "Shaun", "Steven", "Tom", "Wayne",
    ),
    "female": (
        "Abbie", "Amy", "Becky", "Bethany", "Chantelle", "Charlotte", "Chloe", "Claire", "Danielle", "Donna",
        "Emma", "Gemma", "Hannah", "Hayley", "Holly", "Jade", "Jodie", "Karen", "Kayleigh", "Kelly",
        "Kirsty", "Laura", "Leanne", "Lisa", "Louise", "Lucy", "Megan", "Michelle", "Natalie", "Nicola",
        "Rachel", "Rebecca", "Sarah", "Shannon", "Sophie", "Stacey", "Tracey", "Vicky", "Zoe", "Amber",
    ),
    "other": ("Alex", "Charlie", "Frankie", "Jo", "Kit", "Robin", "Sam", "Jay"),
}  # fmt: skip


OFFENCE_MIX = (
    # code,                      one-off, repeat, power
    ("non_crime_incident", 34, 30, 8),
    ("criminal_damage", 10, 9, 5),
    ("malicious_communications", 11, 12, 6),
    ("harassment", 11, 12, 6),
    ("stalking", 2, 3, 4),
    ("common_assault", 24, 24, 10),
    ("coercive_control", 1.2, 1.5, 10),
    ("sexual_assault", 0.2, 0.2, 4),
    ("arson", 0.05, 0.05, 1),
    ("threats_to_kill", 0.5, 0.5, 7),
    ("abh", 0.8, 0.8, 12),
    ("strangulation", 0.25, 0.3, 9),
    ("stalking_fear_of_violence", 0.2, 0.25, 4),
    ("false_imprisonment", 0.03, 0.03, 3),
    ("gbh", 0.1, 0.05, 8),
    ("rape", 0.1, 0.05, 16),
)


SEVERITY = {code: rank for rank, (code, *_) in enumerate(OFFENCE_MIX)}


SERIOUS = {code for code, *_ in OFFENCE_MIX if SEVERITY[code] >= SEVERITY["coercive_control"]}


# Crimes often recorded alongside a serious one against the same victim on the same day.
SAME_DAY_EXTRAS = ("criminal_damage", "threats_to_kill", "common_assault", "malicious_communications")


CRIMINAL_BREACH_ORDER_TYPES = frozenset(
    {"non_molestation", "restraining_conviction", "restraining_acquittal", "stalking_protection", "dapo",
     "criminal_behaviour"}
)  # fmt: skip


ORDER_TYPE_MIX = (
    ("dvpn", 10),
    ("dvpo", 10),
    ("dapn", 3),
    ("dapo", 4),
    ("non_molestation", 18),
    ("occupation", 3),
    ("restraining_conviction", 14),
    ("restraining_acquittal", 3),
    ("stalking_protection", 4),
    ("bail_conditions", 20),
    ("licence_conditions", 7),
    ("criminal_behaviour", 3),
)


ORDER_DELAY = {
    "dvpn": (0, 1),
    "dapn": (0, 1),
    "bail_conditions": (0, 1),
    "non_molestation": (3, 45),
    "occupation": (7, 60),
    "dapo": (2, 40),
    "restraining_conviction": (30, 240),
    "restraining_acquittal": (60, 300),
    "stalking_protection": (30, 180),
    "licence_conditions": (90, 540),
    "criminal_behaviour": (60, 300),
}


CONDITIONS = {
    "common": (
        "Not to contact the protected person directly or indirectly",
        "Not to use or threaten violence towards the protected person",
        "Not to intimidate, harass or pester the protected person",
        "Not to go within 100 metres of the protected person's home",
        "Not to post anything about the protected person on social media",
        "Not to attend the protected person's place of work",
        "Not to enter {street}",
    ),
    "notice": (
        "Not to enter the shared home or come within 50 metres of it",
        "Not to molest the protected person",
    ),
    "occupation": (
        "To leave the shared home and not return",
        "Not to obstruct the protected person's occupation of the home",
    ),
    "bail_conditions": (
        "To live and sleep each night at the bail address",
        "To report to {district} police station every Monday",
    ),
    "licence_conditions": (
        "To reside at an address approved by the probation officer",
        "To tell the probation officer of any new intimate relationship",
        "To comply with a curfew between 19:00 and 07:00",
    ),
    "dapo": (
        "To attend a domestic abuse perpetrator programme",
        "To wear an electronic monitoring tag",
    ),
    "stalking_protection": (
        "Not to follow the protected person",
        "Not to monitor the protected person's phone, email or social media",
    ),
    "criminal_behaviour": ("Not to be drunk in a public place in {district}",),
}


CONDITION_GROUP = {"dvpn": "notice", "dvpo": "notice", "dapn": "notice"}


LEVER_MIX = (
    ("outstanding_warrant", 8),
    ("wanted_circulated", 5),
    ("licence_recall_possible", 5),
    ("firearms_certificate", 4),
    ("bail_conditions", 7),
    ("proceeds_of_crime", 4),
    ("drugs_intelligence", 12),
    ("driving_offences", 10),
    ("housing_tenancy", 8),
    ("immigration", 3),
    ("benefits", 4),
)


LEVER_DETAILS = {
    "outstanding_warrant": (
        "Warrant not backed for bail: failed to appear at magistrates' court",
        "Warrant issued for failing to surrender to bail",
    ),
    "wanted_circulated": (
        "Circulated as wanted for a burglary in {district}",
        "Wanted for an assault outside the home",
    ),
    "licence_recall_possible": (
        "On licence to the end of sentence; probation told of the latest incident",
        "Licence condition not to contact the victim; probation asked to consider recall",
    ),
    "firearms_certificate": ("Holds a shotgun certificate; review requested", "Holds a firearm certificate"),
    "bail_conditions": (
        "On bail for an unrelated assault, not to enter {district}",
        "On bail with conditions in a drugs investigation",
    ),
    "proceeds_of_crime": (
        "Cash seized, forfeiture pending",
        "Lifestyle beyond declared income; financial investigator engaged",
    ),
    "drugs_intelligence": (
        "Intelligence of cannabis supply from the home address",
        "Graded intelligence of class A supply in {district}",
    ),
    "driving_offences": ("Disqualified driver seen driving", "Drives a vehicle with no insurance"),
    "housing_tenancy": (
        "Social housing tenant; landlord told of the abuse",
        "Tenancy breached by antisocial behaviour",
    ),
    "immigration": ("Overstayed visa; referral made to the Home Office",),
    "benefits": ("Claims as a single person while living with the victim",),
}


LEVER_CLOSED = {
    "outstanding_warrant": "Warrant executed",
    "wanted_circulated": "Arrested; no longer wanted",
    "licence_recall_possible": "Licence expired",
    "firearms_certificate": "Certificate revoked",
    "bail_conditions": "Released from bail",
    "proceeds_of_crime": "Financial investigation closed",
    "drugs_intelligence": "No further intelligence",
    "driving_offences": "Disqualification ended",
    "housing_tenancy": "Moved out of social housing",
    "immigration": "Status resolved",
    "benefits": "Investigation closed",
}
FORENAMES["unknown"] = FORENAMES["other"]
