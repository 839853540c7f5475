"""The password policy: pure, no Flask or database (unit-tested in tests/unit)."""

import re

PASSWORD_MIN = 12
PASSWORD_MAX = 256
# zxcvbn's scores run 0-4; 3 is "safely unguessable" (more than 10^8 guesses).
PASSWORD_MIN_SCORE = 3
# zxcvbn refuses longer input; the first 72 characters are judged.
_ESTIMATED_LENGTH = 72
# Name and address pieces shorter than this are too common inside words to refuse.
_PIECE_MIN = 3


def personal_pieces(email: str | None, name: str | None) -> list[str]:
    """The parts of a person's email address and name a password must not contain."""
    local = (email or "").lower().rpartition("@")[0]
    words = [local, *re.split(r"[^a-z0-9]+", local)]
    name_words = re.split(r"[\W_]+", (name or "").lower())
    words += [*name_words, "".join(name_words)]
    return sorted({w for w in words if len(w) >= _PIECE_MIN}, key=len, reverse=True)


def password_problem(password: str, *, email: str | None = None, name: str | None = None):
    """Return what is wrong with a password as a sentence, or None when it is acceptable."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        return f"Password must be at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Password must be at most {PASSWORD_MAX} characters."
    lowered = password.lower()
    for piece in personal_pieces(email, name):
        if piece in lowered:
            return f"Password must not contain the account's name or email address ({piece!r})."
    # imported here: its word lists add about 12 MB to every worker, and only setting a
    # password needs them
    from zxcvbn import zxcvbn

    estimate = zxcvbn(password[:_ESTIMATED_LENGTH])
    if estimate["score"] < PASSWORD_MIN_SCORE:
        warning = estimate["feedback"]["warning"] or "It is close to commonly used passwords."
        return (
            f"Password is too easy to guess. {warning} "
            "Use a few uncommon words, or a phrase only you would think of."
        )
    return None
