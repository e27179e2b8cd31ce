"""The upload list is the image's build context: Docker's .dockerignore rules, tracked files only."""

from __future__ import annotations

import subprocess

import pytest

from deploy.dockerignore import excluded, parse, select
from tests.conftest import PROJECT


@pytest.mark.parametrize(
    ("pattern", "path", "out"),
    [
        ("data", "data/qdrant/x.bin", True),  # a folder pattern takes what is inside
        ("data", "sample_book/data/x.md", False),  # anchored at the root, unlike .gitignore
        ("/data", "data/x", True),  # a leading slash changes nothing
        ("**/__pycache__", "a/b/__pycache__/m.pyc", True),
        ("**/__pycache__", "__pycache__/m.pyc", True),  # ** spans zero folders too
        ("**/*.py[cod]", "pkg/m.pyc", True),
        ("**/*.py[cod]", "pkg/m.py", False),
        ("*.egg-info", "bookchat.egg-info/PKG-INFO", True),
        ("*.egg-info", "sub/x.egg-info/PKG-INFO", False),  # * never crosses a /
        ("bench/out", "bench/out/run.json", True),
        ("bench/out", "bench/outline.py", False),
        ("*.env", "prod.env", True),
        (".env.*", ".env.local", True),
        ("fil?.txt", "file.txt", True),
        ("fil?.txt", "fil/.txt", False),
        ("a.b", "axb", False),  # a dot is a dot, not any character
        ("docs/**", "docs/deep/er/x.md", True),
    ],
)
def test_docker_pattern_semantics(pattern, path, out):
    assert excluded(path, parse(pattern)) is out


def test_the_last_matching_line_wins_and_exceptions_reinclude():
    rules = parse("# comment\n\n*.md\n!README.md\ndocs\n!docs/keep.md\n")
    assert excluded("notes.md", rules)
    assert not excluded("README.md", rules)
    assert excluded("docs/other.md", rules)
    assert not excluded("docs/keep.md", rules)
    assert not excluded("server.py", rules)


def test_the_projects_upload_is_its_build_context_plus_the_build_files():
    chosen = select(PROJECT)
    files = set(chosen.files)
    for needed in ["Dockerfile", ".dockerignore", "README.md", "pyproject.toml", "server.py",
                   "requirements.lock", "requirements-model.lock",
                   "prompts/answer_system.md", "sample_book", "deploy/entrypoint.py",
                   "clients/embedded_model.py", "config/settings.py"]:
        assert needed in files or any(f.startswith(needed + "/") for f in files), needed
    for left_out in ["tests/", ".venv/", "data/", ".git/", "scripts/container/", ".ci/",
                     "artifacts/", "bench/out/", "__pycache__/", ".egg-info/", ".gitignore",
                     "requirements-dev.lock"]:
        assert not [f for f in files if left_out in "/" + f or f.startswith(left_out)], left_out
    tracked = set(subprocess.run(["git", "-C", str(PROJECT), "ls-files"], capture_output=True,
                                 text=True, check=True).stdout.split())
    assert files <= tracked


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                        "HOME": str(root)})


def test_files_git_does_not_track_are_never_uploaded(tmp_path):
    (tmp_path / ".dockerignore").write_text("tests\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "init")
    (tmp_path / "my-notes.txt").write_text("a key pasted here\n")
    chosen = select(tmp_path)
    assert chosen.files == [".dockerignore", "Dockerfile", "app.py"]
    assert chosen.untracked == ["my-notes.txt"]


def test_outside_git_the_whole_build_context_goes(tmp_path):
    (tmp_path / ".dockerignore").write_text("secret.txt\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "secret.txt").write_text("x")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    assert select(tmp_path).files == [".dockerignore", "Dockerfile", "pkg/m.py"]
