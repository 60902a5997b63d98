"""Form pieces the victims' forms share: yes/no questions and converting their answers."""

from wtforms import RadioField

YES_NO = {"yes": "Yes", "no": "No"}


def yes_no(label: str) -> RadioField:
    """A yes/no question. The service says what is missing, so an empty or odd answer is None."""
    return RadioField(label, choices=YES_NO, validate_choice=False)


def answer(field) -> bool | None:
    return {"yes": True, "no": False}.get(field.data)


def as_yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def task_id(raw) -> int | None:
    text = (raw or "").strip() if isinstance(raw, str) else raw
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 10 else None
