"""What the author sees: plain lines with a mark per outcome, a live line for the waits, and no
secret value ever, whatever a library puts in a message.

Every printed line and every log record goes through `Redactor`, which knows the values of the
secrets being deployed (and the Hub token) and replaces them with `***`. The messages we write
never contain values to begin with; this is the net under them.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "info": "·"}
_MIN_SECRET = 4  # shorter strings would redact ordinary words


class Redactor:
    """Replaces known secret values (and, for URLs with a password, the password) by ***."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._values: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        for value in secrets:
            if value and len(value) >= _MIN_SECRET and value not in self._values:
                self._values.append(value)
        self._values.sort(key=len, reverse=True)  # a secret containing another goes first

    def __call__(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, "***")
        return text


class RedactingFilter(logging.Filter):
    """Renders each record's message once, redacted, so no handler can print the raw one."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = self.redact(message), None
        return True


def route_logs(redact: Redactor, stream: TextIO, level: int) -> None:
    """All logging (ours and the libraries') to `stream` through the redactor."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(redact))
    handler.setFormatter(logging.Formatter("  log %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # huggingface_hub installs its own stream handler at import; send its records to ours.
    hub = logging.getLogger("huggingface_hub")
    hub.handlers.clear()
    hub.setLevel(level)
    hub.propagate = True


class Display:
    """Progress lines on `stream`; a live status line when it is a terminal."""

    def __init__(self, stream: TextIO | None = None, redact: Redactor | None = None) -> None:
        self.stream = stream or sys.stdout
        self.redact = redact or Redactor()
        self.live = self.stream.isatty()
        self._status = ""

    def line(self, text: str = "") -> None:
        self._clear_status()
        self.stream.write(self.redact(text) + "\n")
        self.stream.flush()

    def mark(self, kind: str, text: str) -> None:
        self.line(f"  {MARKS[kind]} {text}")

    def heading(self, text: str) -> None:
        self.line()
        self.line(text)

    def status(self, text: str, key: str | None = None) -> None:
        """A changing status during a wait: rewritten in place on a terminal; elsewhere printed
        once per change of `key` (e.g. the stage, not its elapsed time)."""
        text = self.redact(text)
        key = text if key is None else key
        if self.live:
            self.stream.write("\r\033[K  … " + text)
        elif key != self._status:
            self.stream.write("  … " + text + "\n")
        self.stream.flush()
        self._status = key

    def _clear_status(self) -> None:
        if self.live and self._status:
            self.stream.write("\r\033[K")
        self._status = ""

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """`title … done in 1.2 s`, or the failure mark when the block raises."""
        start = time.monotonic()
        if self.live:
            self.status(title)
        try:
            yield
        except BaseException:
            self.mark("fail", title)
            raise
        self.mark("ok", f"{title} ({time.monotonic() - start:.1f} s)")
