"""Expected values follow @docusaurus/plugin-content-docs v3 (numberPrefix.ts, docs.ts, slug.ts)."""

from pathlib import PurePosixPath

import pytest

from book.frontmatter import FrontMatter
from book.routes import doc_slug, is_category_index, page_url, strip_number_prefix


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("01-intro", "intro"),
        ("1_intro", "intro"),
        ("01.intro", "intro"),
        ("01 - My Doc", "My Doc"),  # numberPrefixPattern allows spaces around separators
        ("0-zero", "zero"),
        ("2021-01-31-post", "2021-01-31-post"),  # ignoredPrefixPattern: date-like
        ("8.0-release", "8.0-release"),  # ignoredPrefixPattern: version-like
        ("01-", "01-"),  # no suffix left, not a prefix
        ("module-01", "module-01"),
        ("intro", "intro"),
    ],
)
def test_number_prefix_parser(name, expected):
    assert strip_number_prefix(name) == expected


def test_category_index_names():
    # isCategoryIndex: index, readme (any case) or the folder's own name, before prefix stripping
    assert is_category_index("index", "guides")
    assert is_category_index("README", "guides")
    assert is_category_index("Guides", "guides")
    assert not is_category_index("guides", "01-guides")
    assert not is_category_index("intro", "guides")


def slug(path: str, **front) -> str:
    return doc_slug(PurePosixPath(path), FrontMatter(**front))


@pytest.mark.parametrize(
    ("path", "front", "expected"),
    [
        ("intro.md", {}, "/intro"),
        ("01-basics/02-nodes.md", {}, "/basics/nodes"),  # prefixes stripped from dirs and file
        ("00-introduction/INTRODUCTION.md", {}, "/introduction/INTRODUCTION"),  # case kept
        ("index.md", {}, "/"),
        ("01-basics/index.md", {}, "/basics/"),  # category index: folder path, trailing slash
        ("basics/Readme.mdx", {}, "/basics/"),
        ("robots/arms/arms.md", {}, "/robots/arms/"),  # <folder>/<folder>.md
        ("01-arms/01-arms.md", {}, "/arms/"),  # raw names match
        ("01-arms/arms.md", {}, "/arms/arms"),  # raw names differ: not an index
        ("guides/setup.md", {"id": "install"}, "/guides/install"),  # id replaces the file name
        ("guides/index.md", {"id": "install"}, "/guides/"),  # index wins over id
        ("guides/setup.md", {"slug": "/start"}, "/start"),  # absolute slug: route base only
        ("guides/setup.md", {"slug": "/"}, "/"),
        ("guides/setup.md", {"slug": "start"}, "/guides/start"),  # relative to the folder
        ("guides/index.md", {"slug": "overview"}, "/guides/overview"),
        ("a/b/doc.md", {"slug": "./here"}, "/a/b/here"),
        ("a/b/doc.md", {"slug": "../up"}, "/a/up"),
        ("a/b/doc.md", {"slug": "../../../../top"}, "/top"),
        ("a/b/doc.md", {"slug": "folder/"}, "/a/b/folder/"),
        ("a/b/doc.md", {"slug": ""}, "/a/b/doc"),  # `frontMatter.slug || baseID`
        ("01-a/02-doc.md", {"parse_number_prefixes": False}, "/01-a/02-doc"),
    ],
)
def test_doc_slug(path, front, expected):
    assert slug(path, **front) == expected


@pytest.mark.parametrize(
    ("slug_", "base_url", "route_base", "expected"),
    [
        ("/intro", "", "/docs", "/docs/intro"),
        ("/", "https://x.github.io/book/", "/docs", "https://x.github.io/book/docs/"),
        ("/basics/", "https://x.github.io/book", "docs", "https://x.github.io/book/docs/basics/"),
        ("/intro", "", "/", "/intro"),  # routeBasePath "/" serves docs at the site root
        ("/", "", "/", "/"),
        ("/intro", "https://x.org", "", "https://x.org/intro"),
    ],
)
def test_page_url(slug_, base_url, route_base, expected):
    assert page_url(slug_, base_url=base_url, route_base=route_base) == expected
