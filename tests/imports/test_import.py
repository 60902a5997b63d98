"""The import contract: whole-file checks, full error report, all or nothing, idempotent on references."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.audit.services import Actor
from app.extensions import db
from app.imports import services
from app.offenders.models import DAEvent, Lever, Person, PersonCategory
from app.orders.models import Order, OrderCondition
from tests.factories import count

TODAY = date.today()
D = (TODAY - timedelta(days=40)).isoformat()

GOOD = {
    "persons.csv": (
        "person_ref,surname,forenames,date_of_birth,gender,pnc_id,district\n"
        "P1,Varnell,Jo,1985-02-03,male,2004/0012345K,Northgate\n"
        "P2,Ostrick,Sam,1990-11-30,female,,Northgate\n"
        "P3,Quillan,Robin,,,,\n"
    ),
    "events.csv": (
        "event_ref,occurred_on,offence,suspect_ref,victim_ref,relationship,dash_risk,district,outcome\n"
        f"E1,{D},common_assault,P1,P2,partner,high,Northgate,arrest\n"
        f"E2,{D},harassment,P1,P3,ex_partner,,,\n"
    ),
    "orders.csv": (
        "order_ref,order_type,subject_ref,protected_ref,starts_on,ends_on,conditions\n"
        f"O1,non_molestation,P1,P2,{D},,Not to contact the protected person; Not to enter Eastmarsh Road\n"
    ),
    "levers.csv": (
        "person_ref,lever,active,noted_on,detail\n"
        f"P1,firearms_certificate,true,{D},Shotgun certificate held\n"
        f"P1,outstanding_warrant,FALSE,{D},\n"
    ),
}


def write(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode() if isinstance(text, str) else text)
    return tmp_path


def import_cli(runner, directory):
    return runner.invoke(args=["import-data", str(directory)])


def snapshot():
    """Everything an import can touch, for "nothing changed" comparisons."""
    tables = [Person, DAEvent, Order, OrderCondition, Lever, PersonCategory]
    return {
        model.__tablename__: sorted(
            tuple(str(v) for v in row) for row in db.session.execute(sa.select(*model.__table__.columns)).all()
        )
        for model in tables
    }


def test_good_files_are_imported_with_a_summary(runner, tmp_path):
    result = import_cli(runner, write(tmp_path, GOOD))
    assert result.exit_code == 0, result.output
    assert "persons.csv: 3 rows; 3 created, 0 updated, 0 unchanged" in result.output
    assert "events.csv: 2 rows; 2 created" in result.output
    assert "orders.csv: 1 row; 1 created" in result.output
    assert "levers.csv: 2 rows; 2 created" in result.output
    p1 = db.session.scalars(sa.select(Person).where(Person.ref == "P1")).one()
    assert (p1.surname, p1.date_of_birth, p1.pnc_id, p1.gender) == (
        "Varnell",
        date(1985, 2, 3),
        "2004/0012345K",
        "male",
    )
    assert p1.category_codes == {"suspect"}
    event = db.session.scalars(sa.select(DAEvent).where(DAEvent.ref == "E1")).one()
    assert (event.suspect.ref, event.victim.ref, event.dash_risk, event.outcome, event.source) == (
        "P1",
        "P2",
        "high",
        "arrest",
        "import",
    )
    order = db.session.scalars(sa.select(Order)).one()
    assert order.ends_on is None and [p.ref for p in order.protected_persons] == ["P2"]
    assert [(c.number, c.text) for c in order.conditions] == [
        (1, "Not to contact the protected person"),
        (2, "Not to enter Eastmarsh Road"),
    ]
    levers = {lv.lever: lv.active for lv in db.session.scalars(sa.select(Lever))}
    assert levers == {"firearms_certificate": True, "outstanding_warrant": False}


def test_importing_the_same_files_twice_changes_nothing(runner, tmp_path):
    directory = write(tmp_path, GOOD)
    assert import_cli(runner, directory).exit_code == 0
    before = snapshot()
    second = import_cli(runner, directory)
    assert second.exit_code == 0
    assert "persons.csv: 3 rows; 0 created, 0 updated, 3 unchanged" in second.output
    assert "events.csv: 2 rows; 0 created, 0 updated, 2 unchanged" in second.output
    assert "orders.csv: 1 row; 0 created, 0 updated, 1 unchanged" in second.output
    assert "levers.csv: 2 rows; 0 created, 0 updated, 2 unchanged" in second.output
    assert snapshot() == before


def test_a_changed_row_updates_the_record_and_audits_before_and_after(runner, tmp_path):
    assert import_cli(runner, write(tmp_path, GOOD)).exit_code == 0
    changed = dict(GOOD)
    changed["persons.csv"] = GOOD["persons.csv"].replace("Ostrick,Sam", "Ostrick-Lane,Sam")
    changed["orders.csv"] = GOOD["orders.csv"].replace("Eastmarsh Road", "Eastmarsh Road or Harbour Street")
    result = import_cli(runner, write(tmp_path, changed))
    assert result.exit_code == 0
    assert "persons.csv: 3 rows; 0 created, 1 updated, 2 unchanged" in result.output
    assert "orders.csv: 1 row; 0 created, 1 updated, 0 unchanged" in result.output
    p2 = db.session.scalars(sa.select(Person).where(Person.ref == "P2")).one()
    assert p2.surname == "Ostrick-Lane" and p2.version_id == 2
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.data["changes"]["persons.csv"]["P2"] == {"surname": {"before": "Ostrick", "after": "Ostrick-Lane"}}
    assert "conditions" in entry.data["changes"]["orders.csv"]["O1"]
    assert (
        entry.data["files"]["persons.csv"]["updated"] == 1 and len(entry.data["files"]["persons.csv"]["sha256"]) == 64
    )


def test_import_is_audited_with_the_operator(runner, tmp_path):
    assert import_cli(runner, write(tmp_path, GOOD)).exit_code == 0
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert entry.username.startswith("cli:")
    assert "persons.csv: 3 rows" in entry.summary


def test_a_subset_of_files_may_be_imported_and_refers_to_persons_already_held(runner, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert import_cli(runner, write(tmp_path / "a", {"persons.csv": GOOD["persons.csv"]})).exit_code == 0
    result = import_cli(runner, write(tmp_path / "b", {"events.csv": GOOD["events.csv"]}))
    assert result.exit_code == 0, result.output
    assert count(DAEvent) == 2


# Each kind of bad row: (file, bad text, expected line, column, reason fragment)
BAD_ROWS = [
    ("persons.csv", "P9,,Jo,,,,\n", 5, "surname", "is required"),
    ("persons.csv", "P9,Varn,Jo,03/02/1985,,,\n", 5, "date_of_birth", "is not a date in the form YYYY-MM-DD"),
    (
        "persons.csv",
        f"P9,Varn,Jo,{(TODAY + timedelta(days=1)).isoformat()},,,\n",
        5,
        "date_of_birth",
        "is in the future",
    ),
    ("persons.csv", "P9,Varn,Jo,,robot,,\n", 5, "gender", "'robot' is not one of"),
    ("persons.csv", "P9,Varn,Jo,,,12345,\n", 5, "pnc_id", "is not a PNC ID"),
    ("persons.csv", "P9,Varn,Jo,,,2004/0012345K,\n", 5, "pnc_id", "appears again (first on line 2)"),
    ("persons.csv", "P1,Varn,Jo,,,,\n", 5, "person_ref", "person_ref P1 appears again (first on line 2)"),
    ("persons.csv", "P 9,Varn,Jo,,,,\n", 5, "person_ref", "is not a valid reference"),
    ("persons.csv", "P9,Varn\n", 5, "", "has 2 fields; the header has 7"),
    ("events.csv", f"E9,{D},punching,P1,P2,partner,,,\n", 4, "offence", "'punching' is not one of"),
    (
        "events.csv",
        f"E9,{D},harassment,P1,NOBODY,partner,,,\n",
        4,
        "victim_ref",
        "who is neither in persons.csv nor already held",
    ),
    ("events.csv", f"E9,{D},harassment,P1,P1,partner,,,\n", 4, "victim_ref", "is the same person as suspect_ref"),
    ("events.csv", f"E9,{D},harassment,P1,P2,neighbour,,,\n", 4, "relationship", "'neighbour' is not one of"),
    ("events.csv", f"E9,{D},harassment,P1,P2,,,,\n", 4, "relationship", "is required"),
    ("events.csv", f"E9,{D},harassment,P1,P2,partner,extreme,,\n", 4, "dash_risk", "'extreme' is not one of"),
    ("events.csv", f"E9,{D},harassment,P1,P2,partner,,,convicted\n", 4, "outcome", "'convicted' is not one of"),
    (
        "events.csv",
        f"E9,{(TODAY + timedelta(days=3)).isoformat()},harassment,P1,P2,partner,,,\n",
        4,
        "occurred_on",
        "is in the future",
    ),
    ("events.csv", f"E1,{D},harassment,P1,P2,partner,,,\n", 4, "event_ref", "appears again (first on line 2)"),
    ("orders.csv", f"O9,superinjunction,P1,P2,{D},,x\n", 3, "order_type", "'superinjunction' is not one of"),
    ("orders.csv", f"O9,dvpo,P1,P2,{D},2001-01-01,x\n", 3, "ends_on", "is before starts_on"),
    ("orders.csv", f"O9,dvpo,P1,P1,{D},,x\n", 3, "protected_ref", "is the same person as subject_ref"),
    ("orders.csv", "O9,dvpo,P1,P2,,,x\n", 3, "starts_on", "is required"),
    (
        "levers.csv",
        f"P1,breach_unactioned,true,{D},\n",
        4,
        "lever",
        "is worked out from breaches and cannot be imported",
    ),
    ("levers.csv", f"P1,horoscope,true,{D},\n", 4, "lever", "'horoscope' is not one of"),
    ("levers.csv", f"P1,benefits,yes,{D},\n", 4, "active", "'yes' must be true or false"),
    ("levers.csv", "P1,benefits,true,,\n", 4, "noted_on", "is required"),
    ("levers.csv", f"P1,firearms_certificate,false,{D},\n", 4, "noted_on", "appears again (first on line 2)"),
]


@pytest.mark.parametrize(
    ("file", "bad", "line", "column", "reason"), BAD_ROWS, ids=[f"{b[0]}:{b[3] or 'row'}:{b[4][:24]}" for b in BAD_ROWS]
)
def test_each_bad_row_is_reported_and_nothing_is_written(runner, tmp_path, file, bad, line, column, reason):
    files = dict(GOOD)
    files[file] = GOOD[file] + bad
    result = import_cli(runner, write(tmp_path, files))
    assert result.exit_code == 1
    assert "Nothing was imported: 1 problem(s) found." in result.output
    expected = f"{file}, line {line}" + (f", column {column}" if column else "")
    assert any(expected in out and reason in out for out in result.output.splitlines()), result.output
    assert snapshot() == {t: [] for t in snapshot()}  # all or nothing: the good rows were not written either
    assert count(AuditEntry) == 0


def test_every_error_in_every_file_is_reported_in_one_run(runner, tmp_path):
    files = {
        "persons.csv": GOOD["persons.csv"] + "P8,,,,,,\nP9,Varn,Jo,1999-13-01,,,\n",
        "events.csv": GOOD["events.csv"] + f"E9,{D},harassment,P1,GHOST,partner,,,\n",
    }
    result = import_cli(runner, write(tmp_path, files))
    assert result.exit_code == 1
    assert "4 problem(s) found" in result.output
    lines = [x.strip() for x in result.output.splitlines() if ", line " in x]
    assert lines == [
        "persons.csv, line 5, column forenames: is required",
        "persons.csv, line 5, column surname: is required",
        "persons.csv, line 6, column date_of_birth: '1999-13-01' is not a date in the form YYYY-MM-DD",
        "events.csv, line 4, column victim_ref: names person 'GHOST', who is neither in persons.csv nor already held",
    ]


@pytest.mark.parametrize(
    ("content", "column", "reason"),
    [
        (
            "person_ref,surname,forenames,date_of_birth,gender,pnc_id\n",
            "district",
            "column missing from the header row",
        ),
        (
            "person_ref,surname,forenames,date_of_birth,gender,pnc_id,district,shoe_size\n",
            "shoe_size",
            "not in the import contract",
        ),
        (
            "person_ref,surname,surname,forenames,date_of_birth,gender,pnc_id,district\n",
            "surname",
            "appears more than once",
        ),
        ("", "", "is empty: the header row is missing"),
        (b"person_ref,surname\n\xff\xfe,x\n", "", "is not valid UTF-8 text"),
    ],
)
def test_a_bad_file_is_reported_on_its_header_line(runner, tmp_path, content, column, reason):
    result = import_cli(runner, write(tmp_path, {"persons.csv": content}))
    assert result.exit_code == 1
    assert reason in result.output and (f"column {column}" in result.output if column else True)
    assert count(Person) == 0


def test_a_directory_without_import_files_fails(runner, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = import_cli(runner, tmp_path)
    assert result.exit_code == 1 and "no import file found" in result.output
    result = import_cli(runner, tmp_path / "missing")
    assert result.exit_code == 1 and "is not a directory" in result.output


def test_unknown_csv_files_are_ignored_with_a_warning(runner, tmp_path):
    result = import_cli(runner, write(tmp_path, {"persons.csv": GOOD["persons.csv"], "people.csv": "x\n"}))
    assert result.exit_code == 0
    assert "people.csv is not part of the import contract and was ignored" in result.output


def test_an_order_condition_with_a_breach_cannot_be_removed_by_import(app, runner, tmp_path):
    from app.base import utcnow
    from app.orders.models import Breach, breach_conditions

    assert import_cli(runner, write(tmp_path, GOOD)).exit_code == 0
    order = db.session.scalars(sa.select(Order)).one()
    event = db.session.scalars(sa.select(DAEvent)).first()
    breach = Breach(
        ref="ACH-B-1", order_id=order.id, event_id=event.id, occurred_at=utcnow(), narrative="x", version_id=1
    )
    db.session.add(breach)
    db.session.flush()
    db.session.execute(breach_conditions.insert().values(breach_id=breach.id, condition_id=order.conditions[1].id))
    db.session.commit()
    shorter = {"orders.csv": GOOD["orders.csv"].replace("; Not to enter Eastmarsh Road", "")}
    result = import_cli(runner, write(tmp_path, shorter))
    assert result.exit_code == 1 and "a breach is logged against condition 2" in result.output
    assert len(db.session.get(Order, order.id).conditions) == 2


def test_service_can_be_called_with_an_explicit_date(app):
    files = {"events.csv": GOOD["events.csv"].encode(), "persons.csv": GOOD["persons.csv"].encode()}
    result = services.import_files(files, actor=Actor("test"), today=date.fromisoformat(D) - timedelta(days=1))
    assert not result.ok and all(e.reason.endswith("is in the future") for e in result.errors)


# ---- the web import -------------------------------------------------------------------------------


def test_analyst_imports_through_the_web_page(client, make_user, login):
    login(make_user("uma", "analyst"))
    page = client.get("/import/")
    assert page.status_code == 200 and "persons.csv" in page.get_data(as_text=True)
    from io import BytesIO

    response = client.post(
        "/import/",
        data={
            "files": [
                (BytesIO(GOOD["persons.csv"].encode()), "persons.csv"),
                (BytesIO(GOOD["events.csv"].encode()), "events.csv"),
            ]
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "persons.csv: 3 rows; 3 created" in response.get_data(as_text=True)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert entry.username == "uma"


def test_web_import_shows_every_problem_and_writes_nothing(client, make_user, login):
    from io import BytesIO

    login(make_user("vic", "analyst"))
    bad = GOOD["persons.csv"] + "P9,,Jo,,,,\n"
    response = client.post(
        "/import/", data={"files": [(BytesIO(bad.encode()), "persons.csv")]}, content_type="multipart/form-data"
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported: 1 problem found" in text and "surname" in text and "is required" in text
    assert count(Person) == 0


def test_web_import_without_files_asks_for_them(client, make_user, login):
    login(make_user("wren", "analyst"))
    response = client.post("/import/", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose one or more CSV files to import." in response.get_data(as_text=True)
