"""How ranking answers a merge of two persons, or its undo: everyone is ranked again at once, in
the merge's transaction, so the target list never shows the merged-away record nor misses the
merged one (score rows are history and never move). See app.signals."""

import sqlalchemy as sa

from app import signals
from app.base import local_today, utcnow
from app.extensions import db
from app.ranking.models import ScoreRun
from app.ranking.services import compute_ranking, current_model, record_run


def _on_rerank_wanted(why: str, *, actor, **_) -> ScoreRun | None:
    if db.session.scalar(sa.select(ScoreRun.id).limit(1)) is None:
        return None  # nothing ranked yet: no current ranking to keep true
    started_at, model = utcnow(), current_model()
    scores = compute_ranking(local_today(), model)
    return record_run(
        scores,
        as_of=local_today(),
        model=model,
        trigger="manual",
        actor=actor,
        started_at=started_at,
        commit=False,
    )


def connect_signals() -> None:
    signals.rerank_wanted.connect(_on_rerank_wanted)
