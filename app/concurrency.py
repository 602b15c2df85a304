"""Costly requests (previews, comparisons, exports, verification): rate-limited per account and per
address, and limited in how many one account (or, signed out, one address) may have running at once.

Rate limits count requests over minutes; they do not stop one account from sending eight slow requests at
the same moment and taking every worker of the server. This gate counts the costly requests (previews,
comparisons, exports, verification) in flight per account, in the same place the rate limits are counted:
Redis when the server's workers share one (RATELIMIT_STORAGE_URI), else this process's memory (the
embedded default is one process). Past COSTLY_AT_ONCE the request is refused at once with 429.
"""
from __future__ import annotations

import functools
import threading

import redis
from flask import current_app
from werkzeug.exceptions import TooManyRequests

from app.extensions import account_or_address, client_address, limiter

# A slot is given back when its request ends; should a worker die in between, Redis forgets it after this.
_SLOT_SECONDS = 300
_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def _redis() -> redis.Redis | None:
    url = current_app.config["RATELIMIT_STORAGE_URI"] or ""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return client


class _Slot:
    def __init__(self, key: str, limit: int):
        self.key = f"accord:at-once:{key}"
        self.limit = limit
        self.client = _redis()
        self.taken = False

    def take(self) -> bool:
        if self.client is not None:
            try:
                with self.client.pipeline() as pipe:
                    count, _ = pipe.incr(self.key).expire(self.key, _SLOT_SECONDS).execute()
            except redis.RedisError:
                current_app.logger.warning("The costly-request gate cannot reach Redis: counted in this process")
                self.client = None
            else:
                self.taken = True
                if count > self.limit:
                    self.give_back()
                    return False
                return True
        with _local_lock:
            if _local_counts.get(self.key, 0) >= self.limit:
                return False
            _local_counts[self.key] = _local_counts.get(self.key, 0) + 1
        self.taken = True
        return True

    def give_back(self) -> None:
        if not self.taken:
            return
        self.taken = False
        if self.client is not None:
            try:
                self.client.decr(self.key)
            except redis.RedisError:
                pass
            return
        with _local_lock:
            left = _local_counts.get(self.key, 1) - 1
            if left > 0:
                _local_counts[self.key] = left
            else:
                _local_counts.pop(self.key, None)


class TooManyAtOnce(TooManyRequests):
    """429 with its own code: the person is told what to wait for, not that they sent too many."""

    accord_code = "too_many_at_once"


def one_at_a_time(view):
    """Refuses a costly request while the same account (or address) already has COSTLY_AT_ONCE running."""
    @functools.wraps(view)
    def gated(*args, **kwargs):
        limit = int(current_app.config["COSTLY_AT_ONCE"])
        slot = _Slot(account_or_address(), limit)
        if not slot.take():
            raise TooManyAtOnce(f"You already have {limit} costly requests (previews, comparisons, exports or "
                                  "checks) running. Wait for them to finish, then try again.")
        try:
            return view(*args, **kwargs)
        finally:
            slot.give_back()
    return gated


def costly(setting: str):
    """A costly endpoint: the setting's rate limits per account and the setting + "_ADDRESS" limits (more
    generous: an office shares one address) per address, so neither a second account nor a second
    address gets around them; and at most COSTLY_AT_ONCE of them running at once per account."""

    def decorate(view):
        view = one_at_a_time(view)
        view = limiter.limit(lambda: current_app.config[f"{setting}_ADDRESS"], key_func=client_address,
                             scope=f"{setting}:address")(view)
        return limiter.limit(lambda: current_app.config[setting], key_func=account_or_address,
                             scope=f"{setting}:account")(view)
    return decorate
