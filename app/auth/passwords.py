"""Password rules: long enough, not common, not a trivial pattern.

The list of common passwords is a small file in the package (``data/common_passwords.txt``);
nothing is downloaded. A password is refused when, in lower case and without spaces, it is on
the list, or is a listed word followed by digits and symbols (``Password2024!``), or is one
short unit repeated (``abcabcabca``), a run along the alphabet, the digits or a keyboard row
(``1234567890``, ``qwertyuiop``, ``9876543210``), or contains the username.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
_LIST = Path(__file__).parent / "data" / "common_passwords.txt"
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm",
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1q2w3e4r5t6y7u8i9o0p", "qazwsxedcrfvtgbyhnujmikolp")
_TRAILING = re.compile(r"[\d\W_]+$")
_LEADING = re.compile(r"^[\d\W_]+")


@cache
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _repeated_unit(text: str) -> bool:
    return any(text == (text[:size] * (len(text) // size + 1))[:len(text)]
               for size in range(1, min(4, len(text) // 2) + 1))


def _run(text: str) -> bool:
    """Along one of the runs (either direction), possibly wrapping or repeating."""
    for run in _RUNS:
        for line in (run, run[::-1]):
            cycle = line * (len(text) // len(line) + 2)
            if text in cycle:
                return True
    return False


def problem(password: str, username: str = "") -> str | None:
    """Why a password cannot be used, for the user; None when it can."""
    if len(password) < MIN_LENGTH:
        return _("The password must have at least %(count)s characters.", count=MIN_LENGTH)
    folded = "".join(password.lower().split())
    stem = _LEADING.sub("", _TRAILING.sub("", folded))
    if folded in common_passwords() or (stem and stem in common_passwords()):
        return _("This password is too common: choose another one.")
    if _repeated_unit(folded) or _run(folded) or (len(stem) >= 4 and (_run(stem) or _repeated_unit(stem))):
        return _("This password is a simple pattern (repeated characters or a sequence): choose another one.")
    if username and len(username) >= 3 and username.lower() in folded:
        return _("The password may not contain the username.")
    return None
