"""Attempt counters for logins and secret codes, kept in the Flask-Limiter storage.

Keys are account names, device cookies or code prefixes, hashed so the storage (memory or
Redis) never holds an e-mail address. Client addresses are never used: we do not read them.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many

from feedback.extensions import limiter
from feedback.models.survey import TYPABLE

#: A code's first characters name the counter its wrong attempts count in (receipt and access
#: codes): 31 * 31 = 961 counters. See docs/security-limits.md for the numbers.
CODE_PREFIX_LENGTH = 2
#: The counter of codes that cannot be anyone's (wrong length or letters): no valid code is
#: ever refused when it is used up.
IMPOSSIBLE_CODES = "impossible"


def _key(scope: str, identity: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, identity.encode(), hashlib.sha256).hexdigest()[:32]
    # The prefix keeps deployments that share one Redis apart.
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}/{scope}:{digest}"


def code_group(code: str, length: int) -> str:
    """The counter for a normalised code's failures: its first characters when it could be a
    valid code of this length, else the one counter of impossible codes."""
    if len(code) != length or any(char not in TYPABLE for char in code):
        return IMPOSSIBLE_CODES
    return code[:CODE_PREFIX_LENGTH]


def _items(limit: str) -> list[RateLimitItem]:
    """One limit or several ("5 per hour; 20 per day"): an attempt must fit in each."""
    return list(parse_many(limit))


def take(scope: str, identity: str, limit: str) -> bool:
    """Count one attempt before it is checked, in one atomic step per limit: True while the
    attempts, this one included, are within every limit. (Testing first and counting after
    would let requests that run at the same time, in several workers, all pass the test.)"""
    key = _key(scope, identity)
    # Every limit counts the attempt, also after one has refused it (no short cut).
    within = [limiter.limiter.hit(item, key) for item in _items(limit)]
    return all(within)


def give_back(scope: str, identity: str, limit: str) -> None:
    """Uncount an attempt that turned out right (a valid code, a right password)."""
    key = _key(scope, identity)
    for item in _items(limit):
        limiter.limiter.hit(item, key, cost=-1)


def is_blocked(scope: str, identity: str, limit: str) -> bool:
    """True when the attempts so far have used up a limit."""
    key = _key(scope, identity)
    return not all(limiter.limiter.test(item, key) for item in _items(limit))


def register_failure(scope: str, identity: str, limit: str) -> None:
    key = _key(scope, identity)
    for item in _items(limit):
        limiter.limiter.hit(item, key)


def clear(scope: str, identity: str, limit: str) -> None:
    key = _key(scope, identity)
    for item in _items(limit):
        limiter.limiter.clear(item, key)


def seconds_until_reset(scope: str, identity: str, limit: str) -> int:
    """How long until every used-up limit has room again."""
    key = _key(scope, identity)
    waits = [
        limiter.limiter.get_window_stats(item, key).reset_time - time.time()
        for item in _items(limit)
        if not limiter.limiter.test(item, key)
    ]
    return max(1, math.ceil(max(waits, default=0)))


def minutes_until_reset(scope: str, identity: str, limit: str) -> int:
    return max(1, math.ceil(seconds_until_reset(scope, identity, limit) / 60))
