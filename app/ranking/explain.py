"""A score in plain English: the bands of a model version described, and why a person scored what they did."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from app.base import uk_date
from app.ranking import scoring
from app.ranking.model_versions.services import BAND_TABLES, BandTable


def _n(value: int, unit: str) -> str:
    singular = unit[:-1] if unit.endswith("s") else unit
    return f"{value:,} {singular if value == 1 else unit}"


def band_labels(table: BandTable, bands: list[dict]) -> list[str]:
    """Each band in words, e.g. "over 3, up to 6 months", "3-4 events", "180-364 days", "2,000 days or more"."""
    out = []
    key, unit = table.key, table.unit
    for i, band in enumerate(bands):
        value = band[key]
        if table.section == "recency":
            lower = bands[i - 1][key] if i else None
            out.append(f"up to {_n(value, unit)}" if lower is None else f"over {lower:,}, up to {_n(value, unit)}")
        elif table.section == "gravity":
            lower = bands[i - 1][key] if i else None
            if value is None:
                out.append(f"{_n(lower or 0, unit)} or more")
            elif lower is None:
                out.append(f"under {_n(value, unit)}")
            elif value - 1 == lower:
                out.append(_n(lower, unit))
            else:
                out.append(f"{lower:,}–{_n(value - 1, unit)}")
        else:
            upper = bands[i + 1][key] - 1 if i + 1 < len(bands) else None
            if upper is None:
                out.append(f"{_n(value, unit)} or more")
            elif upper == value:
                out.append(_n(value, unit))
            else:
                out.append(f"{value:,}–{_n(upper, unit)}")
    return out


def matched_band(table: BandTable, bands: list[dict], value: float) -> int | None:
    """The index of the band that scores `value`, by the same rules as app.ranking.scoring."""
    if table.section == "recency":
        return next((i for i, band in enumerate(bands) if value <= band[table.key]), None)
    if table.section == "gravity":
        return next(
            (i for i, band in enumerate(bands) if band[table.key] is None or value < band[table.key]),
            None,
        )
    matched = [i for i, band in enumerate(bands) if value >= band[table.key]]
    return max(matched, key=lambda i: bands[i][table.key]) if matched else None


def described_tables(params: dict) -> list[tuple[BandTable, list[tuple[str, int]]]]:
    """Each band table of a model as [(band in words, points)], for reading the model."""
    return [
        (
            table,
            list(
                zip(
                    band_labels(table, params[table.section]), [b["points"] for b in params[table.section]], strict=True
                )
            ),
        )
        for table in BAND_TABLES
    ]


def day_text(day: date) -> str:
    return uk_date(day)  # the one way dates are shown


@dataclass(frozen=True)
class Part:
    code: str
    title: str
    points: int
    finding: str
    band: str


@dataclass
class Explanation:
    """Why a person is where they are: each part of the score, from the stored row and its model."""

    parts: list[Part]
    harm: int
    levers: list[tuple[str, int, str]] = field(default_factory=list)  # label, weight, note
    lever_total: int = 0
    cap: int = 0
    opportunity: int = 0
    priority: int = 0
    flags: list[tuple[str, str]] = field(default_factory=list)  # label, rule


def _band_words(table: BandTable, params: dict, value: float) -> str:
    bands = params[table.section]
    i = matched_band(table, bands, value)
    return band_labels(table, bands)[i] if i is not None else "no band"


def _recency(row, params: dict, as_of: date, rules: int) -> tuple[str, float]:
    per_month = params["days_per_month"]
    calendar = (as_of - row.latest_event_on).days / per_month
    if rules != 2 or row.recency_days is None:
        return (
            f"latest event on {day_text(row.latest_event_on)}, {calendar:.1f} months before {day_text(as_of)}",
            calendar,
        )
    street = row.recency_days / per_month
    inside = (as_of - row.latest_event_on).days - row.recency_days
    finding = (
        f"latest event on {day_text(row.latest_event_on)}, {street:.1f} months on the street before {day_text(as_of)}"
    )
    if inside:
        finding += f" ({calendar:.1f} months less {_n(inside, 'days')} in custody, which do not count)"
    return finding, street


def _parts(row, params: dict, as_of: date, rules: int) -> list[Part]:
    window = params["window_months"]
    recency, frequency, gravity, victims = BAND_TABLES
    found, months = _recency(row, params, as_of, rules)
    incidents = row.incidents_in_window if rules == 2 and row.incidents_in_window is not None else None
    if incidents is not None:
        counted = f"{_n(incidents, 'incidents')} (one victim, one day; {_n(row.events_in_window, 'events')})"
    else:
        counted = _n(row.events_in_window, "events")
    aged = " aged 16 or over (or of unknown age)" if rules == 2 else ""
    return [
        Part("R", "Recency", row.r, found, _band_words(recency, params, months)),
        Part(
            "F",
            "Frequency",
            row.f,
            f"{counted} in the {window} months to {day_text(as_of)}",
            _band_words(frequency, params, incidents if incidents is not None else row.events_in_window),
        ),
        Part(
            "G",
            "Gravity",
            row.g,
            f"{_n(row.harm_days, 'harm days')} in total over those events (the harm days of each offence are "
            "in the scoring model)",
            _band_words(gravity, params, row.harm_days),
        ),
        Part(
            "V",
            "Victims",
            row.v,
            f"{_n(row.victims_in_window, 'distinct victims')}{aged} in the {window} months",
            _band_words(victims, params, row.victims_in_window),
        ),
    ]


def explain(
    row, params: dict, as_of: date, lever_labels: Mapping[str, str], flag_labels: Mapping[str, str], rules: int = 1
):
    """The "why here" panel: R, F, G, V, each lever with its weight and the cap, the flags' rules.
    Under rule set 2 months are street months (time in custody does not count), F counts incidents
    and V victims aged 16 or over."""
    window = params["window_months"]
    levers = []
    for code, weight in row.levers.items():
        note = ""
        if code == scoring.BREACH_UNACTIONED:
            note = (
                f"worked out, not recorded: a breach in the {params['breach_unactioned_days']} days to "
                f"{day_text(as_of)} with no arrest or charge"
            )
        levers.append((lever_labels.get(code, code), weight, note))
    escalating = params["escalating"]
    what = "incidents" if rules == 2 else "events"
    rules_text = {
        "serial": f"{params['serial_min_victims']} or more distinct victims in the {window} months "
        f"(here {row.victims_in_window})",
        "escalating": f"{escalating['min_events']} or more {what} in the {escalating['max_months']} months "
        f"to {day_text(as_of)}",
        "high_risk": f"an event in the {window} months graded high risk on the DASH form",
        "active_order": f"the subject of an order in force on {day_text(as_of)}",
        "recent_breach": f"a breach of an order in the {params['recent_breach_days']} days to {day_text(as_of)}",
        "in_custody": f"in custody on {day_text(as_of)}: hidden from the target list unless asked for",
        "release_due": f"in custody and expected out within {params.get('release_due_days', 28)} days of "
        f"{day_text(as_of)}",
    }
    return Explanation(
        parts=_parts(row, params, as_of, rules),
        harm=row.harm,
        levers=levers,
        lever_total=sum(row.levers.values()),
        cap=params["opportunity_cap"],
        opportunity=row.opportunity,
        priority=row.priority,
        flags=[(flag_labels.get(flag, flag), rules_text.get(flag, "")) for flag in row.flags],
    )
