"""How easy a new password is to guess (ASVS 5.0 6.2.4 and 6.2.11): zxcvbn's estimate, with the
words a password here is most often built from (the app's and organisation's names, the
person's name and address, common Norwegian words the English lists lack) as a dictionary.

A password needs at least 10^8 guesses by zxcvbn's count (its score 3). That turns away the
common passwords (its list of 30,000, with their l33t and capitalised variants), keyboard rows,
repeats, dates and a name or word with a number, without rules on character classes (ASVS 6.2.5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

from feedback.models import User

#: zxcvbn's score a new password needs (3: at least 10^8 guesses).
MIN_SCORE = 3
#: zxcvbn looks at this many characters (its limit); a longer password is judged by its start.
CHECKED_LENGTH = 72
#: Words Norwegian staff build passwords from that zxcvbn's English lists do not know.
LOCAL_WORDS = (
    "brukerstemmen",
    "passord",
    "hemmelig",
    "velkommen",
    "kommune",
    "kommunen",
    "fylkeskommune",
    "bruker",
    "admin",
    "norge",
    "sommer",
    "vinter",
    "høst",
    "våren",
    "januar",
    "desember",
    "oslo",
    "bergen",
    "trondheim",
    "stavanger",
    "tromsø",
    "kristiansand",
    "fotball",
    "elsker",
    "jobb",
    "kontor",
)


def personal_words(*texts: str | None) -> list[str]:
    """The words of names and addresses (an e-mail address gives its local part and domain
    parts), lowercased, two letters or more."""
    words: list[str] = []
    for text in texts:
        if not text:
            continue
        lowered = text.strip().lower()
        words.append(lowered)
        words.extend(w for w in lowered.split("@") if len(w) >= 2)
        words.extend(w for w in re.split(r"[\s@._+\-]+", lowered) if len(w) >= 2)
    return words


def too_easy(password: str, personal: Iterable[str] = ()) -> bool:
    """True when the password can be guessed in fewer than 10^8 tries (by zxcvbn's estimate)
    with the person's words and the local ones as a dictionary."""
    inputs = [*personal, *LOCAL_WORDS]
    result = zxcvbn(password[:CHECKED_LENGTH], user_inputs=inputs, max_length=CHECKED_LENGTH)
    return int(result["score"]) < MIN_SCORE


def words_of(user: User) -> list[str]:
    """The account's own words: its address, its name, its organisations' names."""
    return [user.email, user.name, *(m.organisation.name for m in user.memberships)]
