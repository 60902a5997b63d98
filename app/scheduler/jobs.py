"""The scheduled jobs: what each does (by calling its owner's service), when, and its period."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.audit.services import Actor

ACTOR = Actor("scheduler")


def _nightly_rank(now: datetime) -> str:
    from app.ranking.services import run_ranking

    run = run_ranking(now.date(), "nightly", actor=ACTOR)
    return f"{run.ranked_count} persons ranked"


def _order_expiry_alerts(now: datetime) -> str:
    from app.orders.expiry import raise_expiry_alerts

    return f"{len(raise_expiry_alerts(now.date(), actor=ACTOR))} order-expiry alert(s)"


def _overdue_task_alerts(now: datetime) -> str:
    from app.tasking.tasks.requests import raise_overdue_task_alerts

    return f"{raise_overdue_task_alerts(now, actor=ACTOR)} overdue-task alert(s)"


def _record_review_reminders(now: datetime) -> str:
    from app.offenders.retention.services import raise_review_alerts

    return f"{raise_review_alerts(now.date(), actor=ACTOR)} record-review alert(s)"


def _prune_login_attempts(now: datetime) -> str:
    from app.auth.services import prune_login_attempts

    return f"{prune_login_attempts(now, actor=ACTOR)} old sign-in attempt(s) removed"


def _clare_overdue_alerts(now: datetime) -> str:
    from app.referrals.clares_law.services import raise_clare_overdue_alerts

    return f"{raise_clare_overdue_alerts(now.date(), actor=ACTOR)} Clare's Law overdue alert(s)"


def _idva_first_contact_alerts(now: datetime) -> str:
    from app.base import local_date
    from app.victims.idva.services import raise_first_contact_alerts

    return f"{raise_first_contact_alerts(local_date(now), actor=ACTOR)} IDVA first-contact alert(s)"


def _victim_contact_before_order_ends(now: datetime) -> str:
    from app.base import local_date
    from app.victims.protection import raise_contact_tasks

    return f"{raise_contact_tasks(local_date(now), actor=ACTOR)} victim-contact task(s) raised"


def _network_findings(now: datetime) -> str:
    from app.network.findings import compute_findings

    run = compute_findings(trigger="nightly", actor=ACTOR)
    return (
        f"{run.networks} linked networks, {run.serial} serial perpetrators, {run.repeat_victims} repeat victims, "
        f"{run.candidates} Right-to-Know candidates in {run.seconds:.1f} s"
    )


def _pre_release_tasks(now: datetime) -> str:
    from app.base import local_date
    from app.ranking.releases import raise_pre_release_tasks

    return f"{raise_pre_release_tasks(local_date(now), actor=ACTOR)} pre-release task(s)"


@dataclass(frozen=True)
class JobSpec:
    func: Callable[[datetime], str]
    trigger: dict  # CronTrigger arguments, in UTC
    period_format: str  # strftime of the run time: one run per distinct value
    description: str
    # Run once as soon as a scheduler leads (for its current period), so what is already due is
    # raised at once rather than at the next scheduled time (the quick start starts mid-day).
    on_start: bool = False


JOBS: dict[str, JobSpec] = {
    "nightly_rank": JobSpec(_nightly_rank, {"hour": 1, "minute": 30}, "%Y-%m-%d", "full re-rank of every person"),
    "order_expiry_alerts": JobSpec(
        _order_expiry_alerts, {"hour": 5, "minute": 0}, "%Y-%m-%d", "alerts for orders ending within 7 days", True
    ),
    "overdue_task_alerts": JobSpec(
        _overdue_task_alerts, {"minute": 10}, "%Y-%m-%dT%H", "alerts for tasks past their due time (hourly)", True
    ),
    "record_review_reminders": JobSpec(
        _record_review_reminders, {"hour": 3, "minute": 0}, "%Y-%m-%d", "retention-review reminders (MoPI)", True
    ),
    "prune_login_attempts": JobSpec(
        _prune_login_attempts, {"hour": 3, "minute": 30}, "%Y-%m-%d", "remove sign-in attempts older than 90 days"
    ),
    "clare_overdue_alerts": JobSpec(
        _clare_overdue_alerts, {"hour": 6, "minute": 0}, "%Y-%m-%d", "alerts for Clare's Law cases past 28 days", True
    ),
    "idva_first_contact_alerts": JobSpec(
        _idva_first_contact_alerts,
        {"hour": 7, "minute": 0},
        "%Y-%m-%d",
        "alerts for high-risk IDVA referrals with no first contact in 2 working days",
        True,
    ),
    "victim_contact_before_order_ends": JobSpec(
        _victim_contact_before_order_ends,
        {"hour": 5, "minute": 15},
        "%Y-%m-%d",
        "tasks to contact each victim 7 days before an order protecting them ends",
    ),
    "network_findings": JobSpec(
        _network_findings, {"hour": 2, "minute": 0}, "%Y-%m-%d", "network findings of the whole register"
    ),
    "pre_release_tasks": JobSpec(
        _pre_release_tasks,
        {"hour": 5, "minute": 30},
        "%Y-%m-%d",
        "pre-release tasks 14 days before an expected release from custody",
    ),
}
