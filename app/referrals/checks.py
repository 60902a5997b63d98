"""Checks the three kinds of referral share: text cleaned, dates and lengths, each with a message."""

from datetime import date

from app.base import local_today

MAX_TEXT = 5000


def clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def check_date(errors: dict, name: str, value: date | None, what: str, *, required: bool = True) -> None:
    if value is None:
        if required:
            errors[name] = f"Enter {what}."
        return
    if value > local_today():
        errors[name] = f"{what[0].upper()}{what[1:]} cannot be in the future."


def check_length(errors: dict, name: str, value: str | None, limit: int, what: str) -> None:
    if value and len(value) > limit:
        errors[name] = f"{what[0].upper()}{what[1:]} must be {limit} characters or fewer."
