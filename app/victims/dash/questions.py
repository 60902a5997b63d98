"""The police (ACPO) DASH risk identification checklist: its 27 questions, in our own plain words.

Source and its limits. The DASH (2009) model was created by Laura Richards for ACPO with CAADA (now
SafeLives); the police use the 27-question ACPO DASH, partner agencies the 24-question SafeLives
DASH RIC (reference/domain.md §2). We read the order and subject of questions 1 to 11 in a public
copy of the ACPO/CAADA DASH 2009 form (paperzz.com/doc/7134875/dash-risk-form). Questions 12 to 27
are the remaining subjects of the checklist in the order we believe the police form uses (that of
the SafeLives checklist for the questions the two share): that order was NOT confirmed against a
source. Nor is any wording copied: each question below is written in our own plain words, and a
force loading Achilles should check numbers and wording against the form its officers use.

The grading bands are the suggested local ones from domain.md §2 (1-9 yes standard, 10-13 medium,
14+ high; none is standard too); professional judgement may raise a grade, never lower it.
"""

# number -> (short name used in code, the question as an officer asks it)
DASH_QUESTIONS: dict[int, tuple[str, str]] = {
    1: ("injury", "Did this incident leave you injured? (What, and is it the first injury?)"),
    2: ("very_frightened", "Are you very frightened?"),
    3: ("afraid_of", "Are you afraid of what they might do next: more injury, violence, or being killed?"),
    4: ("isolated", "Do they try to cut you off from family, friends, your doctor or others?"),
    5: ("depressed", "Are you feeling depressed, or having thoughts of suicide?"),
    6: ("separation", "Have you separated, or tried to separate, from them in the past year?"),
    7: ("child_contact", "Is there conflict over contact with the children?"),
    8: ("stalking", "Do they keep texting, calling, contacting, following, stalking or harassing you?"),
    9: ("pregnant", "Are you pregnant, or have you had a baby in the last 18 months?"),
    10: ("other_children", "Are there children who are not theirs, or other dependants, living in the household?"),
    11: ("hurt_children", "Have they ever hurt the children or other dependants?"),
    12: ("threatened_children", "Have they ever threatened to hurt or kill the children or other dependants?"),
    13: ("more_often", "Is the abuse happening more often?"),
    14: ("getting_worse", "Is the abuse getting worse?"),
    15: ("controlling", "Do they try to control everything you do, or are they excessively jealous?"),
    16: ("weapons", "Have they ever used a weapon or an object to hurt you?"),
    17: ("threat_to_kill", "Have they ever threatened to kill you or someone else, and you believed them?"),
    18: ("strangulation", "Have they ever tried to strangle, choke, suffocate or drown you?"),
    19: ("sexual", "Do they do or say sexual things that make you feel bad, or that hurt you or someone else?"),
    20: ("other_threat", "Is there anyone else who has threatened you, or whom you are afraid of?"),
    21: ("hurt_others", "Do you know if they have hurt anyone else (children, family, a stranger, an ex-partner)?"),
    22: ("animals", "Have they ever mistreated an animal or the family pet?"),
    23: ("money", "Are there money worries, for example do you depend on them, or have they lost their job?"),
    24: ("substances", "In the past year, have drink, drugs or mental health stopped them leading a normal life?"),
    25: ("suicide_threat", "Have they ever threatened or attempted suicide?"),
    26: ("broke_orders", "Have they ever broken bail, an injunction or an agreement about seeing you or the children?"),
    27: (
        "criminal_history",
        "Do you know if they have ever been in trouble with the police, or have a criminal record?",
    ),
}

QUESTION_COUNT = len(DASH_QUESTIONS)

DASH_ANSWERS = {"yes": "Yes", "no": "No", "not_known": "Not known"}

# The questions about escalation: a yes to either is a reason to consider "potential escalation".
ESCALATION_QUESTIONS = (13, 14)

# Suggested local bands (domain.md §2): the fewest yes answers for each grade.
MEDIUM_FROM = 10
HIGH_FROM = 14
GRADE_ORDER = ("standard", "medium", "high")


def band_for(yes_count: int) -> str:
    """The grade the number of yes answers gives: 0-9 standard, 10-13 medium, 14+ high."""
    if yes_count >= HIGH_FROM:
        return "high"
    if yes_count >= MEDIUM_FROM:
        return "medium"
    return "standard"


def raised_by_judgement(band: str, grade: str) -> bool:
    return GRADE_ORDER.index(grade) > GRADE_ORDER.index(band)


def lowered(band: str, grade: str) -> bool:
    return GRADE_ORDER.index(grade) < GRADE_ORDER.index(band)
