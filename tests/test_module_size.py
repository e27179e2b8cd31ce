"""The project's rule of small modules: no tracked Python file (git ls-files '*.py') over 250
lines. Split a module that grows past it into modules of one job (../shared/STYLE.md)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import PROJECT

MAX_LINES = 250


def oversized(root: Path, limit: int = MAX_LINES) -> list[str]:
    """'path: N lines' for each tracked .py file under root with more than limit lines."""
    listed = subprocess.run(["git", "ls-files", "-z", "*.py"], cwd=root, capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0, f"git ls-files failed in {root}: {listed.stderr.strip()}"
    out = []
    for name in sorted(filter(None, listed.stdout.split("\0"))):
        path = root / name
        if not path.is_file():  # tracked but deleted in the work tree
            continue
        lines = len(path.read_text(encoding="utf-8", errors="replace").splitlines())
        if lines > limit:
            out.append(f"{name}: {lines} lines")
    return out


def test_no_tracked_python_file_is_over_250_lines():
    too_long = oversized(PROJECT)
    assert too_long == [], f"over {MAX_LINES} lines (split them): " + "; ".join(too_long)


def test_the_check_names_each_file_over_the_limit_and_its_count(tmp_path):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True, timeout=60)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * 251)
    (tmp_path / "ok.py").write_text("x = 1\n" * 250)
    (tmp_path / "untracked.py").write_text("x = 1\n" * 300)
    (tmp_path / "notes.txt").write_text("x\n" * 300)
    subprocess.run([*git, "add", "pkg/long.py", "ok.py", "notes.txt"], cwd=tmp_path, check=True,
                   timeout=60)
    assert oversized(tmp_path) == ["pkg/long.py: 251 lines"]
