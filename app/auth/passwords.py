"""What makes a password acceptable (OWASP ASVS 2.1): long enough, not the user's own name, and not
common or easy to guess.

Guessability is zxcvbn's estimate: it ships frequency lists of passwords seen in breaches, common
words and names, and spots repeats, sequences, keyboard patterns and dates, all offline (police
networks are closed, so no call to a breach service).
"""

import re
import secrets

from zxcvbn import zxcvbn

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 500
# zxcvbn's score, 0-4: 3 is "safely unguessable: moderate protection from offline slow-hash attacks".
MIN_SCORE = 3
# zxcvbn's matching grows quickly with length; a long passphrase is judged on its start.
ZXCVBN_MAX_LENGTH = 100
NAME_PART = re.compile(r"[a-z0-9]{3,}")


def name_parts(*names: str | None) -> set[str]:
    """The pieces of a username or display name worth refusing inside a password (3+ letters)."""
    return {part for name in names if name for part in NAME_PART.findall(name.lower())}


def password_problems(password: str, *, username: str | None = None, display_name: str | None = None) -> list[str]:
    """Why the password may not be used ([] when it may)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"The password must be at least {MIN_PASSWORD_LENGTH} characters long."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"The password must be at most {MAX_PASSWORD_LENGTH} characters long."]
    squashed = re.sub(r"[^a-z0-9]", "", password.lower())
    parts = name_parts(username, display_name)
    if any(part in squashed for part in parts):
        return ["The password must not contain the user's name or username."]
    result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=sorted(parts))
    if result["score"] < MIN_SCORE:
        warning = result["feedback"].get("warning") or "It is a common password or follows a pattern."
        return [f"The password is too easy to guess: {warning.rstrip('.')}. Use a few unrelated words."]
    return []


def random_password(*, username: str | None = None, display_name: str | None = None, nbytes: int = 18) -> str:
    """A random password this policy accepts for the user.

    A random string can, rarely, spell a piece of the user's name ("Sol" in PC Sol Quarrie's):
    draw again until it does not, rather than let an account creation fail one time in a hundred.
    """
    while True:
        password = secrets.token_urlsafe(nbytes)
        if not password_problems(password, username=username, display_name=display_name):
            return password
