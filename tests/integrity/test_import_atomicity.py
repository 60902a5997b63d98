"""The import writes all of its files or nothing, even when the database itself refuses a row
(README "Importing data", DESIGN.md: "nothing half-written"); it never overwrites an event recorded
in Achilles (decisions #7 and #17); and every record it changes, levers included, is audited with
its before and after values.

The refusal comes from the database, not from the import's own checks: for the length of a test,
a trigger (SQLite) or a CHECK constraint (PostgreSQL) refuses any lever whose detail is REFUSE_ME,
something the import's validation cannot know about.
"""

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.base import local_today
from app.extensions import db
from app.offenders.models import DAEvent
from app.orders.breaches.services import BreachReport, log_breach
from app.orders.services import get_order
from tests.factories import make_event, make_lever, make_order, make_person

REFUSE_ME = "REFUSE_ME"
TODAY = local_today()
D = (TODAY - timedelta(days=30)).isoformat()
EARLIER = (TODAY - timedelta(days=200)).isoformat()
# Every table an import writes to, and the audit log.
WRITTEN_TABLES = [
    "persons",
    "person_categories",
    "da_events",
    "orders",
    "order_conditions",
    "order_protected_persons",
    "levers",
    "audit_entries",
]


@pytest.fixture
def database_refuses_marked_levers(app):
    """Make the database refuse INSERT or UPDATE of a lever whose detail is REFUSE_ME."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(
                sa.text(
                    "ALTER TABLE levers ADD CONSTRAINT test_refuse_marked "
                    f"CHECK (detail IS DISTINCT FROM '{REFUSE_ME}')"
                )
            )
        else:
            for when in ("INSERT", "UPDATE"):
                conn.execute(
                    sa.text(
                        f"CREATE TRIGGER test_refuse_marked_{when.lower()} BEFORE {when} ON levers "
                        f"WHEN NEW.detail = '{REFUSE_ME}' BEGIN SELECT RAISE(ABORT, 'lever refused'); END"
                    )
                )
    yield
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("ALTER TABLE levers DROP CONSTRAINT test_refuse_marked"))
        else:
            conn.execute(sa.text("DROP TRIGGER test_refuse_marked_insert"))
            conn.execute(sa.text("DROP TRIGGER test_refuse_marked_update"))


@pytest.fixture
def held(app):
    """Records already held, which the import below would change."""
    p1 = make_person("IM-P1", surname="Ashdown", forenames="Corin", district="North")
    p2 = make_person("IM-P2", surname="Brightwell", forenames="Dana", district="North")
    make_event(p1, p2, TODAY - timedelta(days=200), "common_assault", ref="IM-E1", outcome="ongoing")
    make_order(p1, p2, ref="IM-O1", starts_on=TODAY - timedelta(days=100), ends_on=TODAY + timedelta(days=100))
    make_lever(p1, "firearms_certificate", TODAY - timedelta(days=200), detail="Shotgun certificate")
    return p1, p2


def csv_text(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def import_files(lever_rows: list[str]) -> dict[str, bytes]:
    """Four files, each creating and changing records; the levers file last, as the import writes it."""
    return {
        "persons.csv": csv_text(
            "person_ref,surname,forenames,date_of_birth,gender,pnc_id,district",
            "IM-P1,Ashdown-Vale,Corin,1980-02-03,male,,North",  # changed
            "IM-P3,Castellane,Ellis,1990-04-05,male,,South",  # new
        ),
        "events.csv": csv_text(
            "event_ref,occurred_on,offence,suspect_ref,victim_ref,relationship,dash_risk,district,outcome",
            f"IM-E1,{EARLIER},common_assault,IM-P1,IM-P2,partner,,,charge",  # changed outcome
            f"IM-E2,{D},abh,IM-P3,IM-P2,ex_partner,high,South,arrest",  # new
        ),
        "orders.csv": csv_text(
            "order_ref,order_type,subject_ref,protected_ref,starts_on,ends_on,conditions",
            f"IM-O1,non_molestation,IM-P1,IM-P2,{(TODAY - timedelta(days=100)).isoformat()},,Not to contact IM-P2",
            f"IM-O2,restraining_conviction,IM-P3,IM-P2,{D},,Not to contact;Not to enter Larch Close",
        ),
        "levers.csv": csv_text("person_ref,lever,active,noted_on,detail", *lever_rows),
    }


REFUSED_NEW_ROW = [
    f"IM-P1,firearms_certificate,false,{EARLIER},Certificate revoked",  # changes the held lever
    f"IM-P3,drugs_intelligence,true,{D},Dealing from the flats",
    f"IM-P3,outstanding_warrant,true,{D},{REFUSE_ME}",  # refused by the database, mid-file
    f"IM-P1,bail_conditions,true,{D},Curfew 7pm to 7am",
]
REFUSED_CHANGED_ROW = [
    f"IM-P3,drugs_intelligence,true,{D},Dealing from the flats",
    f"IM-P1,firearms_certificate,true,{EARLIER},{REFUSE_ME}",  # a change to the held lever, refused
    f"IM-P1,bail_conditions,true,{D},Curfew 7pm to 7am",
]


def everything_written() -> dict[str, list[tuple]]:
    db.session.expire_all()
    out = {}
    with db.engine.connect() as conn:
        for name in WRITTEN_TABLES:
            table = db.metadata.tables[name]
            out[name] = sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(table)))
    return out


@pytest.fixture
def analyst(app, login, make_user):
    """A signed-in analyst (signing in is audited, so it happens before anything is compared)."""
    return login(make_user("im.analyst", "analyst"), app.test_client())


def run_import(how: str, files: dict[str, bytes], *, runner, tmp_path, analyst) -> tuple[bool, str]:
    """(succeeded, what the user is told), from the command line or the web page."""
    if how == "cli":
        for name, content in files.items():
            (tmp_path / name).write_bytes(content)
        result = runner.invoke(args=["import-data", str(tmp_path)])
        return result.exit_code == 0, result.output
    response = analyst.post(
        "/import/",
        data={"files": [(io.BytesIO(content), name) for name, content in files.items()]},
        content_type="multipart/form-data",
    )
    return response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["cli", "web"])
@pytest.mark.parametrize("levers", [REFUSED_NEW_ROW, REFUSED_CHANGED_ROW], ids=["new-row", "changed-row"])
def test_a_row_the_database_refuses_in_the_last_file_leaves_every_file_unwritten(
    runner, tmp_path, analyst, held, database_refuses_marked_levers, how, levers
):
    before = everything_written()
    ok, told = run_import(how, import_files(levers), runner=runner, tmp_path=tmp_path, analyst=analyst)
    assert not ok
    assert "the database refused the import, nothing was written" in told
    # Persons, events, orders and levers as they were, and no audit entry claiming an import.
    assert everything_written() == before


def test_the_same_files_import_whole_without_the_refused_row(runner, tmp_path, held, database_refuses_marked_levers):
    # The control: the files are good, and only the refused row stopped them.
    levers = [row for row in REFUSED_NEW_ROW if REFUSE_ME not in row]
    for name, content in import_files(levers).items():
        (tmp_path / name).write_bytes(content)
    result = runner.invoke(args=["import-data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "levers.csv: 3 rows; 2 created, 1 updated, 0 unchanged" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DAEvent)) == 2


# ---- events recorded in Achilles ------------------------------------------------------------------


@pytest.fixture
def achilles_events(app, held, make_user):
    """A breach logged in Achilles (its event is ACH-E-…) and an event recorded by hand under a
    force reference: neither may be changed by an import."""
    p1, p2 = held
    report = BreachReport(
        occurred_at=datetime.now(UTC) - timedelta(hours=5), conditions=[1], narrative="Rang her", arrested=False
    )
    logged = log_breach(get_order("IM-O1"), report, user=make_user("im.officer", "officer"))
    manual = make_event(p1, p2, TODAY - timedelta(days=10), "harassment", ref="CRIME/2026/0042", source="manual")
    return logged.breach.event.ref, manual.ref


def event_row(ref: str, offence: str = "rape", outcome: str = "nfa") -> str:
    return f"{ref},{EARLIER},{offence},IM-P2,IM-P1,other,high,South,{outcome}"


@pytest.mark.parametrize("which", ["logged breach", "recorded by hand", "ACH reference not yet used"])
def test_an_import_never_writes_an_event_reference_made_in_achilles(app, runner, tmp_path, achilles_events, which):
    breach_event, manual_event = achilles_events
    refs = {
        "logged breach": breach_event,
        "recorded by hand": manual_event,
        "ACH reference not yet used": "ACH-E-999999",
    }
    ref = refs[which]
    assert breach_event.startswith("ACH-E-")
    before = everything_written()
    (tmp_path / "events.csv").write_bytes(
        csv_text(
            "event_ref,occurred_on,offence,suspect_ref,victim_ref,relationship,dash_risk,district,outcome",
            event_row("IM-E9", "common_assault"),
            event_row(ref),
        )
    )
    result = runner.invoke(args=["import-data", str(tmp_path)])
    assert result.exit_code != 0
    assert "events.csv, line 3, column event_ref" in result.output
    assert everything_written() == before


# ---- what an import changes is audited, before and after ----------------------------------------


def test_an_import_audits_every_change_it_makes_levers_included(app, runner, tmp_path, held):
    files = import_files([f"IM-P1,firearms_certificate,false,{EARLIER},Certificate revoked"])
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = runner.invoke(args=["import-data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (entry,) = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import")).all()
    changes = entry.data["changes"]
    assert changes["levers.csv"] == {
        f"IM-P1/firearms_certificate/{EARLIER}": {
            "active": {"before": True, "after": False},
            "detail": {"before": "Shotgun certificate", "after": "Certificate revoked"},
        }
    }
    assert changes["persons.csv"]["IM-P1"]["surname"] == {"before": "Ashdown", "after": "Ashdown-Vale"}
    assert changes["events.csv"]["IM-E1"]["outcome"] == {"before": "ongoing", "after": "charge"}
    assert changes["orders.csv"]["IM-O1"]["ends_on"] == {
        "before": (TODAY + timedelta(days=100)).isoformat(),
        "after": None,
    }
    assert set(entry.data["files"]) == {"persons.csv", "events.csv", "orders.csv", "levers.csv"}
    assert all(len(f["sha256"]) == 64 for f in entry.data["files"].values())
