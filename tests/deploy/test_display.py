"""No secret value reaches the screen or a log line, whatever a library puts in a message."""

from __future__ import annotations

import io
import logging

from deploy.display import Display, Redactor, route_logs

KEY = "co-DISPLAY-SECRET-1234"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_known_secrets_are_replaced_longest_first():
    redact = Redactor([KEY, None, "abc", "postgresql://u:pw-DISPLAY@h/db", "pw-DISPLAY"])
    assert redact(f"key={KEY} url=postgresql://u:pw-DISPLAY@h/db pw=pw-DISPLAY") == (
        "key=*** url=*** pw=***"
    )
    assert redact("abc stays: too short to be a secret") == "abc stays: too short to be a secret"


def test_every_printed_line_is_redacted():
    out = io.StringIO()
    display = Display(out, Redactor([KEY]))
    display.line(f"echo {KEY}")
    display.mark("fail", f"bad {KEY}")
    display.status(f"waiting {KEY}")
    assert KEY not in out.getvalue() and out.getvalue().count("***") == 3


def test_status_lines_print_once_per_change_off_a_terminal_and_in_place_on_one():
    out = io.StringIO()
    display = Display(out)
    for elapsed in range(3):
        display.status(f"Space BUILDING (0:0{elapsed})", key="BUILDING")
    display.status("Space RUNNING (0:03)", key="RUNNING")
    assert out.getvalue() == "  … Space BUILDING (0:00)\n  … Space RUNNING (0:03)\n"
    tty = _Tty()
    live = Display(tty)
    live.status("a", key="x")
    live.status("b", key="x")
    live.line("done")
    assert tty.getvalue() == "\r\033[K  … a\r\033[K  … b\r\033[Kdone\n"


def test_library_logs_go_through_the_redactor_with_their_tracebacks():
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        route_logs(Redactor([KEY]), out, logging.DEBUG)
        logging.getLogger("huggingface_hub.test").warning("sent %s", KEY)
        try:
            raise ValueError(f"refused {KEY}")
        except ValueError:
            logging.getLogger("httpx").debug("failed", exc_info=True)
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
        logging.getLogger("huggingface_hub").setLevel(logging.WARNING)
    text = out.getvalue()
    assert "sent ***" in text and "ValueError: refused ***" in text and KEY not in text
