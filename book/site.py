"""The docs' route base (`routeBasePath`) read from a site's `docusaurus.config.{js,ts,...}`.

The config is JavaScript, and Node may not be where we ingest, so it is read, not run: the
options object of the docs (the classic preset's `docs: {...}`, or the options of a
`'@docusaurus/plugin-content-docs'` entry without an `id` or with `id: 'default'`) and its
top-level `routeBasePath` string. None there means Docusaurus' default, `/docs`. A value we
cannot read (a variable, a template with `${}`) or several default docs instances fail with a
message that says to pass the route base instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from book.jsx import expression_end, literal_value, string_end, template_end

DEFAULT_ROUTE_BASE = "/docs"
CONFIG_NAMES = tuple(f"docusaurus.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts"))
_DOCS_OPTIONS = re.compile(
    r"""(?:\bdocs\s*:\s*|['"]@docusaurus/plugin-content-docs['"]\s*,\s*)\{"""
)
_KEY = re.compile(r"""([A-Za-z_$][\w$]*|'[^'\n]*'|"[^"\n]*")\s*:\s*""")


class SiteConfigError(ValueError):
    """The config's docs route base could not be read; the message says what to do."""


def find_config(site_dir: Path) -> Path | None:
    """The site's docusaurus.config file, if the folder has one."""
    return next((site_dir / n for n in CONFIG_NAMES if (site_dir / n).is_file()), None)


def route_base_for(docs_dir: Path, site_dir: Path | None = None) -> str:
    """The route base of the docs in docs_dir: from site_dir's config when given, else from a
    config next to docs_dir (the usual `site/docs/` layout), else Docusaurus' default."""
    if site_dir is not None:
        return docs_route_base(site_dir)
    parent = Path(docs_dir).resolve().parent
    return docs_route_base(parent) if find_config(parent) else DEFAULT_ROUTE_BASE


def docs_route_base(site_dir: Path) -> str:
    """`/`, `/docs`, `/guide`... for the site in site_dir (which must hold a config)."""
    config = find_config(Path(site_dir))
    if config is None:
        raise SiteConfigError(f"no docusaurus.config.js in {site_dir}")
    return route_base_from_source(config.read_text(encoding="utf-8"), config.name)


def route_base_from_source(source: str, name: str = "docusaurus.config.js") -> str:
    """The docs' route base in a config's source text."""
    code = _without_comments(source)
    found: list[str] = []
    for match in _DOCS_OPTIONS.finditer(code):
        end = expression_end(code, match.end())
        if end is None:
            continue
        options = _top_level_values(code[match.end() : end - 1])
        if options.get("id", "'default'").strip("'\"`") != "default":
            continue  # a second docs instance, not the one DOCS_DIR is about
        raw = options.get("routeBasePath")
        if raw is None:
            found.append(DEFAULT_ROUTE_BASE)
            continue
        value = literal_value(raw)
        if value is None:
            raise SiteConfigError(
                f"{name}: routeBasePath is not a plain string ({raw.strip()[:40]}); "
                "pass the route base (--route-base or DOCS_ROUTE_BASE)"
            )
        found.append("/" + value.strip().strip("/"))
    if len(set(found)) > 1:
        raise SiteConfigError(
            f"{name}: several docs route bases ({', '.join(sorted(set(found)))}); "
            "pass the route base (--route-base or DOCS_ROUTE_BASE)"
        )
    return found[0] if found else DEFAULT_ROUTE_BASE


def _top_level_values(body: str) -> dict[str, str]:
    """`key: value` pairs of an object literal's body, values as source text."""
    values: dict[str, str] = {}
    i, n = 0, len(body)
    while i < n:
        key = _KEY.match(body, i)
        if key is None:
            i += 1
            continue
        start = key.end()
        end = _value_end(body, start)
        values[key.group(1).strip("'\"")] = body[start:end]
        i = end + 1
    return values


def _value_end(body: str, i: int) -> int:
    """Index of the comma (or end) that ends the value starting at i."""
    n = len(body)
    while i < n:
        ch = body[i]
        if ch in "'\"`":
            end = template_end(body, i) if ch == "`" else string_end(body, i)
            i = n if end is None else end
        elif ch in "{[(":
            i = _close(body, i)
        elif ch == ",":
            return i
        else:
            i += 1
    return n


def _close(body: str, i: int) -> int:
    """Index after the bracket that closes the one at i."""
    depth = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch in "'\"`":
            end = template_end(body, i) if ch == "`" else string_end(body, i)
            i = n if end is None else end
            continue
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def _without_comments(code: str) -> str:
    """The source with `//` and `/* */` comments blanked (strings left alone)."""
    out: list[str] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch in "'\"`":
            end = template_end(code, i) if ch == "`" else string_end(code, i)
            end = n if end is None else end
            out.append(code[i:end])
            i = end
        elif code.startswith("//", i):
            found = code.find("\n", i)
            i = n if found < 0 else found
        elif code.startswith("/*", i):
            found = code.find("*/", i + 2)
            i = n if found < 0 else found + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out)
