"""Named retrieval configs: how the book is cut, what is embedded, how results are reordered.

A config is a preset name (`ours`, `baseline`, `s500-o100`, `ours+rrf`...) or `key=value` pairs
applied over `ours`, e.g. `size=500,overlap=0,embed=text,rerank=rrf`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

from book import DEFAULT_CHUNK_OVERLAP, DEFAULT_CHUNK_SIZE

Splitter = Literal["loader", "naive"]
Embed = Literal["path", "trail", "text"]
Rerank = Literal["none", "rrf", "rrf-local", "hybrid", "bm25"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "splitter": ("loader", "naive"),
    "embed": ("path", "trail", "text"),
    "rerank": ("none", "rrf", "rrf-local", "hybrid", "bm25"),
}
_ALIASES = {"size": "chunk_size", "overlap": "chunk_overlap"}


@dataclass(frozen=True)
class Config:
    """One way of turning a docs folder into ranked chunks.

    splitter: `loader` is book.load_book; `naive` is a 1,000-character
    RecursiveCharacterTextSplitter over the raw file (front matter, imports and JSX included),
    each chunk cited at the nearest heading at or before its start.
    embed: `path` = breadcrumbs > page title > section headings, then the text (the loader's
    page_content); `trail` = page title > section headings, then the text; `text` = text only.
    rerank: `rrf` reorders the dense top-30 by reciprocal rank fusion with BM25 (IDF from the
    whole book); `rrf-local` the same with BM25 fitted on the 30 candidates alone (what a
    retriever can do per query with no index of its own); `hybrid` fuses the dense and BM25
    rankings of the whole book; `bm25` is lexical only (a floor to compare with).
    """

    name: str
    splitter: Splitter = "loader"
    chunk_size: int = DEFAULT_CHUNK_SIZE
    chunk_overlap: int = DEFAULT_CHUNK_OVERLAP
    embed: Embed = "path"
    mermaid: bool = True
    rerank: Rerank = "none"

    def chunking_key(self) -> tuple[object, ...]:
        """Configs with the same key produce the same chunks (only ranking differs)."""
        return (self.splitter, self.chunk_size, self.chunk_overlap, self.embed, self.mermaid)


OURS = Config("ours")
BASELINE = Config("baseline", splitter="naive", chunk_size=1000, chunk_overlap=200, embed="text")


def _presets() -> dict[str, Config]:
    presets = {c.name: c for c in (OURS, BASELINE)}
    for size in (500, 800, 1200):
        for overlap in (0, 100, 200):
            name = f"s{size}-o{overlap}"
            presets[name] = replace(OURS, name=name, chunk_size=size, chunk_overlap=overlap)
    presets["ours+trail"] = replace(OURS, name="ours+trail", embed="trail")
    presets["ours+text"] = replace(OURS, name="ours+text", embed="text")
    presets["ours-mermaid"] = replace(OURS, name="ours-mermaid", mermaid=False)
    for rerank in ("rrf", "rrf-local", "hybrid", "bm25"):
        presets[f"ours+{rerank}"] = replace(OURS, name=f"ours+{rerank}", rerank=rerank)
    presets["baseline+rrf"] = replace(BASELINE, name="baseline+rrf", rerank="rrf")
    for size in (400, 500, 600):  # the size axis at the current overlap
        name = f"s{size}-o{DEFAULT_CHUNK_OVERLAP}"
        presets[name] = replace(OURS, name=name, chunk_size=size)
    for rerank in ("rrf", "rrf-local", "hybrid"):
        name = f"s500-o{DEFAULT_CHUNK_OVERLAP}+{rerank}"
        presets[name] = replace(presets[f"s500-o{DEFAULT_CHUNK_OVERLAP}"], name=name, rerank=rerank)
    return presets


PRESETS = _presets()

# What one command compares: baseline vs ours, then one axis at a time around ours.
GROUPS: dict[str, tuple[str, ...]] = {
    "main": ("baseline", "ours"),
    "size": tuple(f"s{s}-o{o}" for s in (500, 800, 1200) for o in (0, 100, 200)),
    "embed": ("ours", "ours+trail", "ours+text"),
    "mermaid": ("ours", "ours-mermaid"),
    "rerank": (
        "ours", "ours+rrf", "ours+rrf-local", "ours+hybrid", "ours+bm25", "baseline", "baseline+rrf"
    ),
    "candidate": tuple(
        f"s{size}-o{DEFAULT_CHUNK_OVERLAP}{rerank}"
        for size, rerank in (
            (400, ""), (500, ""), (600, ""), (500, "+rrf"), (500, "+rrf-local"), (500, "+hybrid")
        )
    ),
}
GROUPS["all"] = tuple(dict.fromkeys(name for group in GROUPS.values() for name in group))


def parse_config(spec: str) -> list[Config]:
    """A preset, a group of presets, or `key=value,...` over `ours`; ValueError otherwise."""
    if spec in GROUPS:
        return [PRESETS[name] for name in GROUPS[spec]]
    if spec in PRESETS:
        return [PRESETS[spec]]
    if "=" not in spec:
        known = ", ".join([*GROUPS, *PRESETS])
        raise ValueError(f"unknown config {spec!r}; use one of {known} or key=value pairs")
    changes: dict[str, object] = {}
    names = {f.name for f in fields(Config)} - {"name"}
    for pair in spec.split(","):
        key, _, value = pair.partition("=")
        key = _ALIASES.get(key.strip(), key.strip())
        if key not in names:
            raise ValueError(f"unknown config key {key!r} in {spec!r}")
        changes[key] = _value(key, value.strip())
    return [replace(OURS, name=spec, **changes)]


def _value(key: str, value: str) -> object:
    if key in ("chunk_size", "chunk_overlap"):
        return int(value)
    if key == "mermaid":
        if value not in ("keep", "drop", "true", "false"):
            raise ValueError(f"mermaid must be keep or drop, got {value!r}")
        return value in ("keep", "true")
    if value not in _CHOICES[key]:
        raise ValueError(f"{key} must be one of {', '.join(_CHOICES[key])}, got {value!r}")
    return value
