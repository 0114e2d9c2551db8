"""A small thread-safe cache that forgets the least recently used entries beyond its size."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class LruCache:
    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._size = size

    def get(self, key) -> Any:
        """The value, or None when the key is not cached."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def discard(self, predicate) -> int:
        """Forget every entry whose key satisfies ``predicate``; returns how many."""
        with self._lock:
            doomed = [key for key in self._items if predicate(key)]
            for key in doomed:
                del self._items[key]
        return len(doomed)
