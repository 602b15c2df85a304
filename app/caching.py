"""Caches of rendered markup and computed diffs: per process, and shared by the workers of one server.

Every cache here is keyed by everything its value depends on, so nothing is ever invalidated: a change
makes another key, and the least recently used entries go once a cache holds more than its entry count
or its weight (characters or bytes of what it keeps). Each app keeps its own caches in app.extensions.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict

import redis
from flask import current_app


class LRUCache:
    """A thread-safe least-recently-used map, bounded by entries and, when given max_weight, by the total
    weight of what it holds."""

    def __init__(self, capacity: int, max_weight: int | None = None):
        self.capacity = capacity
        self.max_weight = max_weight
        self.weight = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, weight: int = 0) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._items[key] = (value, weight)
            self.weight += weight
            while self._items and (len(self._items) > self.capacity or (
                    self.max_weight is not None and self.weight > self.max_weight)):
                _key, (_value, dropped) = self._items.popitem(last=False)
                self.weight -= dropped

    def __len__(self) -> int:
        return len(self._items)


def process_cache(name: str) -> LRUCache:
    """The app's cache called `name`, made on first use, bounded by the settings <NAME>_CACHE_SIZE (entries)
    and <NAME>_CACHE_CHARS (weight, None for none), declared in config.py."""
    cache = current_app.extensions.get(f"accord_cache_{name}")
    if cache is None:
        config = current_app.config
        prefix = name.upper()
        cache = current_app.extensions[f"accord_cache_{name}"] = LRUCache(
            config[f"{prefix}_CACHE_SIZE"], config[f"{prefix}_CACHE_CHARS"])
    return cache


class SharedCache:
    """Values kept in Redis (SHARED_CACHE_URL) for every worker of one server start, each under its name and
    the hash of its key; they expire after SHARED_CACHE_SECONDS. An unreachable or failing Redis costs at most
    one short timeout: the cache then answers "not kept" for RETRY_SECONDS and says so in the log, and each
    worker renders for itself, as without one."""

    RETRY_SECONDS = 30.0
    TIMEOUT_SECONDS = 0.25

    def __init__(self, url: str, generation: str, seconds: int, logger):
        self.client = redis.Redis.from_url(url, socket_timeout=self.TIMEOUT_SECONDS,
                                           socket_connect_timeout=self.TIMEOUT_SECONDS)
        self.prefix = f"accord:{generation}:"
        self.seconds = seconds
        self.logger = logger
        self._resting_until = 0.0

    def _key(self, name: str, key) -> str:
        return f"{self.prefix}{name}:{hashlib.sha256(repr(key).encode()).hexdigest()}"

    def get_many(self, name: str, keys: list) -> list[bytes | None]:
        if keys and time.monotonic() >= self._resting_until:
            try:
                values = self.client.mget([self._key(name, key) for key in keys])
            except redis.RedisError as exc:
                self._rest(exc)
            else:
                return [value if isinstance(value, bytes) else None for value in values]
        return [None] * len(keys)

    def put_many(self, items: list[tuple[str, object, bytes]]) -> None:
        """Keeps each (name, key, value), in one round trip."""
        if items and time.monotonic() >= self._resting_until:
            try:
                with self.client.pipeline(transaction=False) as pipe:
                    for name, key, value in items:
                        pipe.set(self._key(name, key), value, ex=self.seconds)
                    pipe.execute()
            except redis.RedisError as exc:
                self._rest(exc)

    def _rest(self, exc: Exception) -> None:
        self._resting_until = time.monotonic() + self.RETRY_SECONDS
        self.logger.warning("The shared cache failed (%s: %s); each worker renders for itself for %d s.",
                            type(exc).__name__, exc, self.RETRY_SECONDS)


def check_shared_cache_settings(config) -> None:
    """Refuses to start with a SHARED_CACHE_URL Redis cannot read or a lifetime under one second, instead of
    failing on every document page."""
    url = config["SHARED_CACHE_URL"]
    if not url:
        return
    try:
        redis.connection.parse_url(url)
    except ValueError as exc:
        raise SystemExit(f"SHARED_CACHE_URL is not a Redis address ({exc}); for example "
                         "redis://127.0.0.1:6379/1, or leave it unset.") from None
    seconds = config["SHARED_CACHE_SECONDS"]
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise SystemExit(f"SHARED_CACHE_SECONDS must be a whole number of seconds, at least 1 (not {seconds!r}).")


def shared_cache() -> SharedCache | None:
    """The app's SharedCache, or None when SHARED_CACHE_URL is not set."""
    extensions = current_app.extensions
    if "accord_shared_cache" not in extensions:
        config = current_app.config
        url = config["SHARED_CACHE_URL"]
        generation = config["SHARED_CACHE_GENERATION"]
        if url and not generation:
            generation = secrets.token_hex(8)
            current_app.logger.info("No server start named (ACCORD_CACHE_GENERATION, set by gunicorn.conf.py): "
                                    "this process shares its cache with no other.")
        extensions["accord_shared_cache"] = SharedCache(url, generation, config["SHARED_CACHE_SECONDS"],
                                                        current_app.logger) if url else None
    return extensions["accord_shared_cache"]
