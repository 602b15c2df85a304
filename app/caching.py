"""Caches of rendered markup and computed diffs, one set per worker process.

Every cache here is keyed by everything its value depends on, so nothing is ever invalidated: a change
makes another key, and the least recently used entries go once a cache holds more than its entry count
or its weight (characters or bytes of what it keeps). Each app keeps its own caches in app.extensions.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

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
