"""Which files the Space receives: the image's build context, read from `.dockerignore`.

The list lives in one place, `.dockerignore`; this module applies it with Docker's own rules
(moby/patternmatcher: `*` and `?` stop at `/`, `**` spans folders, a pattern that matches a
folder excludes what is inside, `!` re-includes, the last matching line wins). The Space builds
the image from what we upload, so it also gets the `Dockerfile` and `.dockerignore` themselves,
which the file keeps out of the image but the build needs.

In a git checkout only tracked files are uploaded: an untracked file (a local note, a key pasted
into a scratch file) must never be published to a public Space just because it sits in the clone.
"""

from __future__ import annotations

import os
import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

BUILD_FILES = ("Dockerfile", ".dockerignore")
_SPECIAL = set(".+()|{}$^")


@dataclass(frozen=True)
class Pattern:
    """One line of `.dockerignore`, compiled."""

    text: str
    exclusion: bool
    regex: re.Pattern[str]

    def matches(self, path: str) -> bool:
        """The path or one of its parent folders matches (Docker's MatchesOrParentMatches)."""
        if self.regex.match(path):
            return True
        parts = path.split("/")[:-1]
        return any(self.regex.match("/".join(parts[: i + 1])) for i in range(len(parts)))


def _compile(pattern: str) -> re.Pattern[str]:
    """Docker's translation of a pattern to a regular expression."""
    out, i = "^", 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
            out += ".*" if i == len(pattern) else "(.*/)?"
            continue
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch in _SPECIAL:
            out += "\\" + ch
        else:
            out += ch  # letters, digits, / and [character classes] as they are
        i += 1
    return re.compile(out + "$")


def parse(text: str) -> list[Pattern]:
    """The patterns of a `.dockerignore` file: blank lines and `#` comments skipped."""
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
        line = posixpath.normpath(line).lstrip("/")
        if line in {"", "."}:
            continue
        patterns.append(Pattern(raw.strip(), exclusion, _compile(line)))
    return patterns


def excluded(path: str, patterns: list[Pattern]) -> bool:
    """Whether Docker leaves `path` (relative, with `/`) out of the build context."""
    matched = False
    for pattern in patterns:
        # Like Docker: an exception only matters once excluded, an exclusion only before.
        if pattern.exclusion != matched:
            continue
        if pattern.matches(path):
            matched = not pattern.exclusion
    return matched


def _tracked(root: Path) -> set[str] | None:
    """Files git tracks under root, or None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--full-name", "."],
            capture_output=True, check=True, timeout=60,
        ).stdout
        prefix = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-prefix"],
            capture_output=True, check=True, text=True, timeout=60,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    names = (p.decode() for p in out.split(b"\0") if p)
    return {name[len(prefix):] for name in names if name.startswith(prefix)}


def _walk(root: Path, patterns: list[Pattern]) -> list[str]:
    """Every file under root, skipping .git and, like Docker, folders that are excluded whole
    (only when no `!` line could bring something inside them back)."""
    prune = not any(p.exclusion for p in patterns)
    found = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        rel = "" if rel == "." else rel + "/"
        dirs[:] = [
            d for d in dirs
            if d != ".git" and not (prune and excluded(rel + d, patterns))
        ]
        found += [rel + f for f in files if f != ".git"]
    return found


@dataclass(frozen=True)
class Selection:
    """The files to upload and the ones left out because git does not track them."""

    files: list[str]
    untracked: list[str]


def select(root: Path) -> Selection:
    """The build context under root (plus the build files), tracked files only in a checkout."""
    ignore = root / ".dockerignore"
    patterns = parse(ignore.read_text(encoding="utf-8")) if ignore.is_file() else []
    wanted = sorted(
        path for path in _walk(root, patterns)
        if path in BUILD_FILES or not excluded(path, patterns)
    )
    tracked = _tracked(root)
    if tracked is None:
        return Selection(wanted, [])
    return Selection(
        [p for p in wanted if p in tracked], [p for p in wanted if p not in tracked]
    )
