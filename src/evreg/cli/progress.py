"""Progress display shared by ``evreg build`` and ``evreg serve``."""

from __future__ import annotations

import sys
import time


class Progress:
    """One-line progress on a terminal (stderr); silent in CI or when not a TTY."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.step = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        self.step += 1
        elapsed = time.monotonic() - self.start
        sys.stderr.write(f"\r\033[K[{elapsed:5.1f}s] {message}")
        sys.stderr.flush()

    def note(self, line: str) -> None:
        """A line on stderr that stays (the progress line is cleared first)."""
        if self.enabled:
            sys.stderr.write("\r\033[K")
        print(line, file=sys.stderr)

    def done(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
        print(message)
