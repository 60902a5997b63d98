"""How the network answers a merge of two persons: the stored findings of both records' linked
networks are recomputed in the merge's transaction (the register's events and relationships have
already moved when `persons_merged` is sent). Network rows are derived, so nothing is moved and
nothing is handed back. The undo announces `network_changed` itself, after it has moved the
register's rows back (its receivers run before that move). See app.signals."""

from app import signals


def _on_persons_merged(merge, *, from_id: int, into_id: int, **_) -> dict:
    signals.network_changed.send([into_id, from_id], reason="persons merged")
    return {}


def connect_signals() -> None:
    signals.persons_merged.connect(_on_persons_merged)
