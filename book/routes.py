"""The URL Docusaurus v3 gives a doc, computed the way `@docusaurus/plugin-content-docs` does.

Sources followed (Docusaurus v3):
- `src/numberPrefix.ts`: `DefaultNumberPrefixParser` strips `01-`, `1_`, `01.` and `01 - `
  prefixes from file and folder names, but not date- or version-like names (`2021-01-foo`,
  `8.0-foo`); `stripPathNumberPrefixes` applies it to every folder of a path.
- `src/docs.ts`: the doc's base id is front matter `id`, else the unprefixed file name
  (front matter `parse_number_prefixes: false` keeps prefixes in file and folder names);
  `isCategoryIndex` makes `index`, `readme` (any case) and a file named like its folder
  (`foo/foo.md`, compared before prefixes are stripped) the folder's page.
- `src/slug.ts` (`getSlug`): an absolute front matter `slug` is used as is (relative to the
  route base); a category index without `slug` gets its folder's path with a trailing slash;
  otherwise `slug ?? baseID` is resolved against the unprefixed folder path like a relative URL
  (`resolve-pathname`, so `./x` and `../x` work).
- The permalink is `normalizeUrl([baseUrl, routeBasePath, slug])`.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from book.frontmatter import FrontMatter

_IGNORED_PREFIX = re.compile(r"^[0-9]+[-_.][0-9]+")
_NUMBER_PREFIX = re.compile(r"^(?P<number>[0-9]+)\s*[-_.]+\s*(?P<suffix>[^-_.\s].*)$")


def strip_number_prefix(name: str) -> str:
    """`01-intro` -> `intro`; names like dates or versions are left alone."""
    if _IGNORED_PREFIX.match(name):
        return name
    match = _NUMBER_PREFIX.match(name)
    return match.group("suffix") if match else name


def strip_path_number_prefixes(dir_path: str) -> str:
    """Strip the number prefix of every segment of a POSIX folder path."""
    return "/".join(strip_number_prefix(part) for part in dir_path.split("/"))


def is_category_index(file_stem: str, dir_name: str) -> bool:
    """`index.md`, `README.md` or `<folder>/<folder>.md` stand for their folder."""
    return file_stem.lower() in {"index", "readme", dir_name.lower()}


def base_id(rel_path: PurePosixPath, front_matter: FrontMatter) -> str:
    """Front matter `id`, else the file name without extension (and number prefix)."""
    if front_matter.id:
        return front_matter.id
    stem = rel_path.stem
    return strip_number_prefix(stem) if front_matter.parse_number_prefixes else stem


def doc_slug(rel_path: PurePosixPath, front_matter: FrontMatter) -> str:
    """The doc's route below the route base, e.g. `/module-1/intro` or `/module-1/`."""
    slug = front_matter.slug or None  # an empty slug counts as none (`frontMatter.slug || id`)
    if slug is not None and slug.startswith("/"):
        return slug
    source_dir = str(rel_path.parent)
    if source_dir == ".":
        dir_slug = "/"
    elif front_matter.parse_number_prefixes:
        dir_slug = f"/{strip_path_number_prefixes(source_dir)}/"
    else:
        dir_slug = f"/{source_dir}/"
    folder = "" if source_dir == "." else rel_path.parent.name
    if slug is None and is_category_index(rel_path.stem, folder):
        return dir_slug
    return _resolve(slug or base_id(rel_path, front_matter), dir_slug)


def _resolve(relative: str, base_dir: str) -> str:
    """`resolve-pathname(relative, base_dir)` for a base that is an absolute folder path."""
    if not relative:
        return base_dir
    parts = [p for p in base_dir.split("/") if p] + relative.split("/")
    trailing = parts[-1] in {"", ".", ".."}
    resolved: list[str] = []
    for part in parts:
        if part == "..":
            if resolved:
                resolved.pop()
        elif part not in {"", "."}:
            resolved.append(part)
    path = "/" + "/".join(resolved)
    return path + "/" if trailing and path != "/" else path


def page_url(slug: str, *, base_url: str = "", route_base: str = "/docs") -> str:
    """Join site URL, route base and slug, deduping slashes and keeping a trailing one."""
    parts = [p for p in (route_base.strip("/"), slug.strip("/")) if p]
    path = "/" + "/".join(parts)
    if slug.endswith("/") and path != "/":
        path += "/"
    path = re.sub(r"/{2,}", "/", path)
    return base_url.rstrip("/") + path
