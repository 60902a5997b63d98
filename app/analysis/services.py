"""The perpetrator problem profile as a page and as CSV: the figures (app.analysis.figures), the
check of the chosen day, and the audit of every view and export."""

import csv
import io
from datetime import date

from app.analysis import figures
from app.analysis.figures import REPORT_BANDS, ProblemProfile
from app.audit import services as audit
from app.audit.services import Actor
from app.base import ValidationFailed, local_today
from app.extensions import db
from app.web import csv_cell

READERS = ("analyst",)


def check_as_of(day: date | None) -> date:
    """The day the figures are as of: today when not given; never in the future, nor before 1900."""
    if day is None:
        return local_today()
    if day > local_today():
        raise ValidationFailed({"as_of": "The day cannot be in the future."})
    if day.year < 1900:
        raise ValidationFailed({"as_of": "The day must be after 1900."})
    return day


def problem_profile(as_of: date, *, actor: Actor, printed: bool = False) -> ProblemProfile:
    """Every figure as of the day; the consultation is audited (figures only, no person named)."""
    audit.record(
        "view",
        f"viewed the perpetrator problem profile{' (print view)' if printed else ''}",
        object_type="problem_profile",
        data={"as_of": as_of},
        actor=actor,
    )
    db.session.commit()
    return figures.problem_profile(db.session, as_of)


def _pct(share: float) -> float:
    return round(100 * share, 1)


def csv_rows(p: ProblemProfile) -> list[list]:
    """One row per figure: (figure, group, measure, value); counts and shares only."""
    rows: list[list] = [
        ["data", "all", "first event", p.data.first.isoformat() if p.data.first else ""],
        ["data", "all", "latest event", p.data.last.isoformat() if p.data.last else ""],
        ["data", "all", "events", p.data.events],
        ["data", "all", "events after the as-of day (not counted)", p.data.after_as_of],
    ]

    def concentration(group: str, c: figures.Concentration) -> None:
        rows.append(["harm concentration", group, "perpetrators", c.perpetrators])
        rows.append(["harm concentration", group, "harm days", c.harm])
        for percent, (count, share) in c.top.items():
            rows.append(
                ["harm concentration", group, f"harm share of the top {percent}% ({count} perpetrators)", _pct(share)]
            )
        rows.append(["harm concentration", group, "share of perpetrators causing half the harm", _pct(c.half or 0)])

    concentration("all districts", p.concentration)
    for district, c in p.by_district.items():
        concentration(district, c)
    for n in p.new_high_harm:
        rows.append(["highest-harm perpetrators new this year", f"top {n.percent}%", "perpetrators", n.perpetrators])
        rows.append(
            [
                "highest-harm perpetrators new this year",
                f"top {n.percent}%",
                "with no earlier report",
                n.no_earlier_report,
            ]
        )
        rows.append(
            [
                "highest-harm perpetrators new this year",
                f"top {n.percent}%",
                "share with no earlier report",
                _pct(n.share),
            ]
        )
    for band in p.repeat.bands:
        rows.append(["victims by reports in 12 months", f"{band.label} reports", "victims", band.victims])
        rows.append(["victims by reports in 12 months", f"{band.label} reports", "reports", band.reports])
    for district, counts in p.repeat.by_district.items():
        for (label, _low, _high), n in zip(REPORT_BANDS, counts, strict=True):
            rows.append(["victims by reports in 12 months", f"{district}: {label} reports", "victims", n])
    for o in p.offences:
        rows.append(["offences by harm", o.label, "events", o.events])
        rows.append(["offences by harm", o.label, "harm days", o.harm])
        rows.append(["offences by harm", o.label, "share of harm", _pct(o.harm_share)])
    for s in p.serial:
        for measure, value in (
            ("serial perpetrators", s.perpetrators),
            ("their victims", s.victims),
            ("their events", s.events),
            ("their harm days", s.harm),
        ):
            rows.append(["serial perpetrators by district", s.district, measure, value])
    for q in p.trends:
        for measure, value in (
            ("reports", q.reports),
            ("perpetrators", q.perpetrators),
            ("victims", q.victims),
            ("harm days", q.harm),
        ):
            rows.append(["trend by quarter", q.label, measure, value])
    return rows


def export_csv(as_of: date, *, actor: Actor) -> str:
    """The profile as CSV; the export is audited."""
    profile = figures.problem_profile(db.session, as_of)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["figure", "group", "measure", "value", "as_of"])
    rows = csv_rows(profile)
    for row in rows:
        writer.writerow([csv_cell(v) for v in (*row, as_of.isoformat())])
    audit.record(
        "export",
        "exported the perpetrator problem profile (CSV)",
        object_type="problem_profile",
        data={"as_of": as_of, "rows": len(rows)},
        actor=actor,
    )
    db.session.commit()
    return out.getvalue()
