from pathlib import Path

import pytest

from book.pages import doc_files, humanise, read_doc

DOCS = Path(__file__).parent / "fixtures" / "docs"


def test_only_published_docs_are_files():
    # docs plugin defaults: **/*.{md,mdx} without _-prefixed files/folders or hidden ones
    assert [p.relative_to(DOCS).as_posix() for p in doc_files(DOCS)] == [
        "01-getting-started/01-install.md",
        "01-getting-started/02-configure.mdx",
        "02-robots/arms/03-grippers.md",
        "02-robots/arms/arms.md",
        "02-robots/index.md",
        "drafts/wip.md",
        "intro.md",
    ]


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("intro.md", "Welcome to the Robot Book"),  # front matter title beats the H1
        ("01-getting-started/01-install.md", "Installing the Toolkit"),  # first heading, an H1
        ("01-getting-started/02-configure.mdx", "Configure"),  # doc id, humanised
        ("02-robots/arms/03-grippers.md", "Hands"),  # front matter id
    ],
)
def test_title(path, title):
    assert read_doc(DOCS / path, DOCS).title == title


def test_read_doc_resolves_mdx_before_sections():
    doc = read_doc(DOCS / "01-getting-started" / "02-configure.mdx", DOCS)
    assert doc.rel.as_posix() == "01-getting-started/02-configure.mdx"
    assert [s.anchor for s in doc.page.sections] == ["", "language", "diagram"]
    assert "import" not in doc.page.sections[0].body


def test_windows_line_ends(tmp_path: Path):
    (tmp_path / "a.md").write_bytes(b"---\r\ntitle: T\r\n---\r\n## A\r\n\r\ntext\r\n")
    doc = read_doc(tmp_path / "a.md", tmp_path)
    assert doc.title == "T" and doc.page.sections[1].body.strip() == "text"


def test_humanise():
    assert humanise("week-3_ros--basics") == "Week 3 ros basics"
