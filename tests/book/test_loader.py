"""load_book/load_page on a small Docusaurus docs folder written for these tests."""

import json
import shutil
from pathlib import Path

import pytest

from book import DEFAULT_CHUNK_SIZE, chunk_id, load_book, load_page

DOCS = Path(__file__).parent / "fixtures" / "docs"
BASE = "https://x.github.io/book"


@pytest.fixture(scope="module")
def chunks():
    return load_book(DOCS, base_url=BASE)


def by_path(chunks, path):
    return [c for c in chunks if c.metadata["path"] == path]


def test_drafts_are_left_out(chunks):
    assert "drafts/wip.md" not in {c.metadata["path"] for c in chunks}  # draft: true


def test_metadata_is_complete_and_json_ready(chunks):
    keys = {
        "path",
        "page_url",
        "url",
        "anchor",
        "title",
        "section",
        "heading_path",
        "breadcrumbs",
        "chunk_index",
        "description",
        "tags",
        "id",
    }
    for chunk in chunks:
        assert set(chunk.metadata) == keys
        assert json.loads(json.dumps(chunk.metadata)) == chunk.metadata
        assert chunk.id == chunk.metadata["id"]


def test_page_urls_and_section_anchors(chunks):
    install = by_path(chunks, "01-getting-started/01-install.md")
    assert [c.metadata["url"] for c in install] == [
        f"{BASE}/docs/getting-started/install",
        f"{BASE}/docs/getting-started/install#requirements",
        f"{BASE}/docs/getting-started/install#requirements-1",
    ]
    assert [c.metadata["chunk_index"] for c in install] == [0, 1, 2]
    urls = {c.metadata["path"]: c.metadata["page_url"] for c in chunks}
    assert urls["intro.md"] == f"{BASE}/docs/"  # slug: /
    assert urls["02-robots/index.md"] == f"{BASE}/docs/robots/"
    assert urls["02-robots/arms/arms.md"] == f"{BASE}/docs/robots/arms/"
    assert urls["02-robots/arms/03-grippers.md"] == f"{BASE}/docs/robots/arms/hands"  # id


def test_titles_sections_and_breadcrumbs(chunks):
    first = {c.metadata["path"]: c.metadata for c in chunks if c.metadata["chunk_index"] == 0}
    assert first["intro.md"]["title"] == "Welcome to the Robot Book"  # front matter beats H1
    assert first["01-getting-started/01-install.md"]["title"] == "Installing the Toolkit"  # H1
    assert first["01-getting-started/02-configure.mdx"]["title"] == "Configure"  # file name
    assert first["02-robots/arms/03-grippers.md"]["title"] == "Hands"  # front matter id
    assert first["intro.md"]["section"] == "Welcome to the Robot Book"
    assert first["intro.md"]["anchor"] == ""
    grippers = by_path(chunks, "02-robots/arms/03-grippers.md")[1].metadata
    assert grippers["breadcrumbs"] == ["Robots", "Arms"]  # labelled by its index doc arms.md
    assert grippers["heading_path"] == ["Robots", "Arms", "Hands", "Two-finger grippers"]
    assert grippers["section"] == "Two-finger grippers"


def test_description_and_tags(chunks):
    intro = by_path(chunks, "intro.md")[0].metadata
    assert intro["description"] == "A tiny book for the loader tests."
    assert intro["tags"] == ["intro", "robots"]
    assert by_path(chunks, "01-getting-started/02-configure.mdx")[0].metadata["tags"] == ["Setup"]
    assert by_path(chunks, "02-robots/index.md")[0].metadata["tags"] == []


def test_page_content_is_breadcrumbs_then_clean_text(chunks):
    language = by_path(chunks, "01-getting-started/02-configure.mdx")[1]
    assert language.metadata["url"].endswith("/configure#language")  # explicit {#language}
    assert language.page_content.startswith("Getting Started > Configure > Pick a language\n\n")
    assert "Python" in language.page_content and "robot.wave()" in language.page_content
    assert "Tip: Fast path\nUse the defaults." in language.page_content
    for bad in ("import ", "<Tab", ":::", "{#"):
        assert bad not in language.page_content


def test_page_without_prose_is_found_by_its_description(chunks):
    [arms] = by_path(chunks, "02-robots/arms/arms.md")
    # the folder's index page: its category label is its title, said once
    assert arms.page_content == "Robots > Arms\n\nArms move things."
    assert arms.metadata["heading_path"] == ["Robots", "Arms"]
    assert arms.metadata["breadcrumbs"] == ["Robots", "Arms"]


def test_mermaid_is_a_flag():
    path = DOCS / "01-getting-started" / "02-configure.mdx"
    assert "```mermaid" in load_page(path, DOCS)[-1].page_content
    assert all("mermaid" not in c.page_content for c in load_page(path, DOCS, keep_mermaid=False))


def test_chunk_size_bounds_the_whole_page_content(tmp_path: Path):
    (tmp_path / "long.md").write_text("# Long\n\n" + "A sentence with several words. " * 200)
    for size in (300, DEFAULT_CHUNK_SIZE):
        chunks = load_page(tmp_path / "long.md", tmp_path, chunk_size=size, chunk_overlap=60)
        assert len(chunks) > 1 and all(len(c.page_content) <= size for c in chunks)


def test_bad_chunk_settings_and_missing_folder_are_refused(tmp_path: Path):
    with pytest.raises(ValueError):
        load_page(DOCS / "intro.md", DOCS, chunk_size=100, chunk_overlap=60)
    with pytest.raises(FileNotFoundError):
        load_book(tmp_path / "nope")


def test_ids_are_stable_and_survive_edits_elsewhere(tmp_path: Path):
    shutil.copytree(DOCS, tmp_path / "docs")
    before = {c.id: c.metadata["url"] for c in load_book(tmp_path / "docs")}
    assert len(before) == len(load_book(DOCS))  # unique
    assert set(before) == {c.id for c in load_book(DOCS)}  # same path+anchor+part, same id
    page = tmp_path / "docs" / "01-getting-started" / "01-install.md"
    page.write_text(
        page.read_text().replace("# Installing the Toolkit\n", "# Installing\n\nNew.\n")
    )
    after = {c.id: c.metadata["url"] for c in load_book(tmp_path / "docs")}
    assert after == before  # an edited section keeps its ids; other sections are untouched


def test_repeated_explicit_ids_still_give_unique_chunk_ids(tmp_path: Path):
    (tmp_path / "a.md").write_text("## One {#same}\n\nA.\n\n## Two {#same}\n\nB.")
    chunks = load_page(tmp_path / "a.md", tmp_path)
    assert [c.metadata["anchor"] for c in chunks] == ["same", "same"]
    assert chunks[0].id == chunk_id("a.md", "same", 0) != chunks[1].id


def test_a_heading_with_no_body_is_still_a_chunk(tmp_path):
    (tmp_path / "page.md").write_text(
        "# Page\n\nIntro.\n\n## Requirements\n\n### Hardware\n\n### Software\n\nPython 3.\n"
    )
    chunks = load_book(tmp_path, route_base="/")
    assert [(c.metadata["url"], c.page_content.split("\n\n", 1)[1]) for c in chunks] == [
        ("/page", "Intro."),
        ("/page#requirements", "Requirements"),
        ("/page#hardware", "Hardware"),
        ("/page#software", "Python 3."),
    ]
