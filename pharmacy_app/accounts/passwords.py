"""The password policy, after NIST SP 800-63B (section 3.1.1.2, memorized secrets): a minimum
and a maximum length, no password on a block list of common and breached passwords or easy to
guess, none equal to or containing the username or the user's name (NIST's "context-specific
words"), and no composition rules (no demands for
digits, capitals or symbols, which make passwords harder to remember and no harder to guess).

The block list is zxcvbn's list of the 30,000 most common passwords from public breaches,
shipped inside the zxcvbn package (nothing is fetched); zxcvbn's estimate also refuses what
is only a small change from a listed password, a dictionary word with digits, a keyboard
row, a sequence or a repeat, and the user's own name."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from .errors import AccountError

MIN_PASSWORD_LENGTH = 10
# NIST asks for at least 64; longer ones are allowed up to a bound that keeps hashing cheap.
MAX_PASSWORD_LENGTH = 128
# zxcvbn scores 0-4; 0 and 1 are guessable in under a million tries ("too guessable",
# "very guessable").
MIN_ZXCVBN_SCORE = 2
# Shorter usernames are refused only as the whole password: "al" or "sam" inside a
# passphrase is no clue to it.
MIN_USERNAME_IN_PASSWORD = 3
# The same for the full name: a name word this long is refused wherever it is in the password,
# a shorter one ("Li", "Ana") only as part of the whole name run together ("analopez").
MIN_NAME_IN_PASSWORD = 4


def check_password_rules(password: str, *, username: str, full_name: str = "") -> None:
    """Raise AccountError saying why `password` cannot be the password of the user with this
    username (and full name, which counts as a guess too); the one policy for every place a
    password is set: the account page, the admin's new user and reset, the CLI and the demo."""
    if "\x00" in password:
        raise AccountError("A password may not contain NUL characters.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    folded, name = password.casefold(), username.strip().casefold()
    if name and (folded == name or (len(name) >= MIN_USERNAME_IN_PASSWORD and name in folded)):
        raise AccountError("The password may not be or contain the username.")
    name_clue = _name_in_password(password, full_name)
    if name_clue:
        raise AccountError(
            f"The password may not contain the user’s name or a part of it: “{name_clue}”."
        )
    if folded in _block_list():
        raise AccountError(
            "This password is on a list of common and breached passwords: choose another."
        )
    estimate = zxcvbn(
        password, user_inputs=[name, *full_name.split()], max_length=MAX_PASSWORD_LENGTH
    )
    if estimate["score"] < MIN_ZXCVBN_SCORE:
        feedback = estimate["feedback"]
        advice = " ".join(filter(None, [feedback["warning"], *feedback["suggestions"][:1]]))
        raise AccountError(f"This password is too easy to guess. {advice}".strip())


def _name_in_password(password: str, full_name: str) -> str | None:
    """The part of the full name found in the password, if one is: the whole name run
    together (either way round), or one of its words of MIN_NAME_IN_PASSWORD letters or more,
    compared in lower case without spaces, punctuation or accents ("Quinn Tester" is in
    "QUINN-TESTER1", "Li Wu" in "wu li quokka")."""
    words = _words(full_name)
    clues = [word for word in words if len(word) >= MIN_NAME_IN_PASSWORD]
    # The whole name run together, in its order and reversed ("Li Wu" is in "wu li ...").
    for whole in dict.fromkeys(("".join(words), "".join(reversed(words)))):
        if len(whole) >= MIN_NAME_IN_PASSWORD:
            clues.insert(0, whole)
    letters = "".join(_words(password))
    return next((clue for clue in clues if clue in letters), None)


def _words(text: str) -> list[str]:
    """The runs of letters and digits, in lower case and without accents: "José O'Neil" ->
    ["jose", "o", "neil"]."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )
    return re.findall(r"[^\W_]+", plain)


@cache
def _block_list() -> frozenset[str]:
    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])
