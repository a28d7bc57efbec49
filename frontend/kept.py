"""Rendered parts of pages kept in this process by everything they show (frontend/templatetags): a part
that changed has another key, so nothing kept is ever out of date and nothing has to be forgotten on change;
the least recently read part goes first once `size` are kept."""

import threading
from collections import OrderedDict
from collections.abc import Callable


class KeptParts:
    def __init__(self, size: int):
        self.size = size
        self._parts: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, render: Callable[[], str]) -> str:
        """The part kept under `key`, or `render()`'s, kept from now on."""
        with self._lock:
            part = self._parts.get(key)
            if part is not None:
                self._parts.move_to_end(key)
                return part
        part = render()
        with self._lock:
            self._parts[key] = part
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)
        return part

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()
