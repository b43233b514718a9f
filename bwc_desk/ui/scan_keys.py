"""Telling a barcode scanner from a person by the timing of the keys.

A USB scanner is a keyboard that types a whole code within a few milliseconds and presses
Enter; a person types a note at a few keys a second. Text that arrives at scanner speed and
ends in Enter is a scan, wherever the keyboard focus is in the counter view. Plain Python
(no Qt), so the rule has its own tests; the clock is injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MAX_GAP = 0.08  # seconds between two keys of one scan (scanners: 1-20 ms; people: 100+)
MIN_LENGTH = 4  # shorter bursts are people pressing keys together, not codes
# Enter may trail the code a little (some scanners pause before their suffix, and a busy
# station reads its keyboard in batches): the code itself is what must come at speed.
ENTER_WITHIN = 1.0


class ScanBurst:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.real_clock = clock
        self.clock = clock
        self.text = ""
        self._last: float | None = None

    def key(self, char: str) -> bool:
        """A printable key arrived. True if it starts a new burst (the moment to remember
        what the focused field held before it)."""
        now = self.clock()
        fresh = self._last is None or now - self._last > MAX_GAP
        if fresh:
            self.text = ""
        self.text += char
        self._last = now
        return fresh

    def enter(self) -> str | None:
        """Enter arrived: the code, if the keys since the burst began were a scan."""
        now = self.clock()
        fast = self._last is not None and now - self._last <= ENTER_WITHIN
        code = self.text if fast and len(self.text.strip()) >= MIN_LENGTH else None
        self.reset()
        return code

    def reset(self) -> None:
        self.text = ""
        self._last = None
