"""Finding persons who may be recorded twice: plain Python over one pass of the register.

Pairs are found by blocking keys, never by comparing everyone with everyone:
- the same PNC ID written two ways (`19/1234A` and `2019/0001234A`);
- the same date of birth and surname, with forenames that are the same or common variants of one
  name (Bob and Robert, Jon and John) or one an initial of the other;
- one record's alias is the other's name (the dates of birth agreeing, or one missing);
- the same full name where one or both dates of birth are missing (weakest).
Surnames are compared without case, spaces, hyphens and apostrophes ("O'Neil" and "ONEIL").
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

# Common English given-name variants; each group is one name. Extend with the force's own list.
NAME_VARIANTS = [
    "robert bob bobby rob robbie bert",
    "william will bill billy liam",
    "richard rick ricky dick rich",
    "james jim jimmy jamie",
    "john jon jonny johnny jack",
    "jonathan jon jonny",
    "michael mike mick micky",
    "thomas tom tommy",
    "christopher chris kit",
    "anthony tony ant",
    "daniel dan danny",
    "david dave davy",
    "edward ed eddie ted ned",
    "stephen steven steve stevie",
    "joseph joe joey",
    "matthew matt matty",
    "nicholas nick nicky",
    "samuel sam sammy",
    "benjamin ben benny",
    "alexander alex alec sandy",
    "andrew andy drew",
    "patrick pat paddy",
    "peter pete",
    "charles charlie chas chuck",
    "frederick fred freddie",
    "henry harry hal",
    "lawrence laurence larry",
    "kenneth ken kenny",
    "terence terry",
    "gregory greg",
    "leonard len lenny leo",
    "elizabeth liz lizzie beth betty eliza",
    "margaret maggie meg peggy",
    "catherine katherine kathryn kate katie cathy kathy kat",
    "jennifer jenny jen",
    "rebecca becky becca",
    "victoria vicky vicki tori",
    "samantha sam sammy",
    "alexandra alex lexi sandra",
    "susan sue susie",
    "deborah debbie deb",
    "patricia pat patty trish",
    "jacqueline jackie",
    "christine chris chrissie",
    "nicola nicky nikki",
    "jessica jess jessie",
    "abigail abby abi",
    "charlotte charlie lottie",
    "kimberley kimberly kim",
]
# A name may belong to several groups (Jon: John or Jonathan).
_GROUPS: dict[str, set[int]] = {}
for _number, _group in enumerate(NAME_VARIANTS):
    for _name in _group.split():
        _GROUPS.setdefault(_name, set()).add(_number)

MAX_NAME_BLOCK = 50
STRENGTH = {"pnc": 3, "name_dob": 3, "alias": 2, "name_no_dob": 1}
WHY = {
    "pnc": "the same PNC ID, written differently",
    "name_dob": "the same date of birth and name (allowing for variants such as Bob and Robert)",
    "alias": "one record's alias is the other's name",
    "name_no_dob": "the same name, a date of birth missing",
}


@dataclass(frozen=True)
class PersonFacts:
    id: int
    ref: str
    surname: str
    forenames: str
    date_of_birth: date | None
    pnc_id: str | None
    aliases: tuple[tuple[str, str], ...] = ()


@dataclass
class Candidate:
    a: PersonFacts
    b: PersonFacts
    reasons: set[str] = field(default_factory=set)

    @property
    def strength(self) -> int:
        return max(STRENGTH[r] for r in self.reasons)

    @property
    def why(self) -> list[str]:
        return [WHY[r] for r in sorted(self.reasons, key=lambda r: -STRENGTH[r])]


def surname_key(surname: str) -> str:
    return re.sub(r"[^a-z]", "", surname.lower())


def first_name(forenames: str) -> str:
    words = re.findall(r"[a-z]+", forenames.lower())
    return words[0] if words else ""


def name_key(forenames: str) -> str:
    """The first name, or its first variant group: a blocking key (Bob and Robert share one)."""
    first = first_name(forenames)
    groups = _GROUPS.get(first)
    return f"#{min(groups)}" if groups else first


def forenames_agree(x: str, y: str) -> bool:
    """The same first name, variants of one name, or one an initial of the other."""
    a, b = first_name(x), first_name(y)
    if not a or not b:
        return False
    if a == b or _GROUPS.get(a, set()) & _GROUPS.get(b, set()):
        return True
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def pnc_key(pnc: str | None, *, today_year: int) -> str | None:
    """A PNC ID with a four-digit year and no leading zeros in its number (19/1234A = 2019/0001234A)."""
    match = re.match(r"^(\d{2}|\d{4})/(\d{1,7})([A-Z])$", (pnc or "").strip().upper())
    if not match:
        return None
    year, number, letter = match.groups()
    if len(year) == 2:
        year = ("20" if int(year) <= today_year % 100 else "19") + year
    return f"{year}/{int(number)}{letter}"


def find_candidates(people: list[PersonFacts], *, today_year: int, excluded: set[tuple[int, int]] = frozenset()):
    """Candidate pairs, strongest first. `excluded` holds (smaller id, larger id) pairs to leave out."""
    found: dict[tuple[int, int], Candidate] = {}

    def pair(x: PersonFacts, y: PersonFacts, reason: str) -> None:
        if x.id == y.id:
            return
        a, b = (x, y) if x.id < y.id else (y, x)
        if (a.id, b.id) in excluded:
            return
        found.setdefault((a.id, b.id), Candidate(a, b)).reasons.add(reason)

    blocks: dict[tuple, list[PersonFacts]] = defaultdict(list)
    for p in people:
        if key := pnc_key(p.pnc_id, today_year=today_year):
            blocks[("pnc", key)].append(p)
        surname = surname_key(p.surname)
        if p.date_of_birth is not None:
            blocks[("dob", surname, p.date_of_birth)].append(p)
        blocks[("name", surname, name_key(p.forenames))].append(p)
    alias_names: dict[tuple, list[PersonFacts]] = defaultdict(list)
    for p in people:
        for forenames, surname in p.aliases:
            alias_names[(surname_key(surname), name_key(forenames))].append(p)

    for key, members in blocks.items():
        if key[0] == "name" and len(members) > MAX_NAME_BLOCK:
            continue  # a name this common, without dates of birth, says nothing
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                if key[0] == "pnc" and x.pnc_id != y.pnc_id:
                    pair(x, y, "pnc")
                elif key[0] == "dob" and forenames_agree(x.forenames, y.forenames):
                    pair(x, y, "name_dob")
                elif key[0] == "name" and (x.date_of_birth is None or y.date_of_birth is None):
                    pair(x, y, "name_no_dob")
    for p in people:
        for holder in alias_names.get((surname_key(p.surname), name_key(p.forenames)), ()):
            dobs_agree = None in (p.date_of_birth, holder.date_of_birth) or p.date_of_birth == holder.date_of_birth
            if dobs_agree:
                pair(p, holder, "alias")
    return sorted(found.values(), key=lambda c: (-c.strength, c.a.surname.lower(), c.a.ref, c.b.ref))
