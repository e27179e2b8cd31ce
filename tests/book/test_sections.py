"""Heading rules: CommonMark ATX/setext as MDX reads them; ids from the Docusaurus headings
plugin (one slugger per page, the content title H1 included)."""

from book.sections import parse_sections


def shape(markdown: str) -> list[tuple[int, str, str, tuple[str, ...], str]]:
    page = parse_sections(markdown)
    return [(s.level, s.heading, s.anchor, s.trail, s.body.strip()) for s in page.sections]


def test_intro_then_sections_with_trails():
    md = "# Page\n\nIntro.\n\n## A\n\na\n\n### A1\n\na1\n\n#### A1x\n\nx\n\n## B\n\nb"
    page = parse_sections(md)
    assert page.content_title == "Page"
    assert shape(md) == [
        (0, "", "", (), "Intro."),
        (2, "A", "a", ("A",), "a"),
        (3, "A1", "a1", ("A", "A1"), "a1"),
        (4, "A1x", "a1x", ("A", "A1", "A1x"), "x"),
        (2, "B", "b", ("B",), "b"),
    ]
    assert page.heading_ids == ["a", "a1", "a1x", "b"]  # the theme renders h1 with no id


def test_skipped_levels_and_later_h1():
    md = "## A\n\n#### Deep\n\n# Second top\n\n## Under"
    assert [(s.heading, s.anchor, s.trail) for s in parse_sections(md).sections[1:]] == [
        ("A", "a", ("A",)),
        ("Deep", "deep", ("A", "Deep")),
        ("Second top", "", ("Second top",)),  # the theme gives h1 no id: link the page
        ("Under", "under", ("Second top", "Under")),
    ]


def test_a_later_h1_takes_its_slug_though_it_renders_no_id():
    md = "# Title\n\n# Setup\n\n## Setup"
    assert [s.anchor for s in parse_sections(md).sections] == ["", "", "setup-1"]


def test_content_title_only_when_first_heading_is_h1():
    assert parse_sections("## First\n\n# Not the title").content_title is None
    assert parse_sections("No headings at all.").content_title is None


def test_text_before_the_title_joins_the_intro():
    sections = parse_sections("Lead.\n\n# Title\n\nMore.").sections
    assert len(sections) == 1 and sections[0].body.split() == ["Lead.", "More."]


def test_title_takes_its_slug_so_a_same_named_section_is_numbered():  # though h1 has no id
    assert parse_sections("# Setup\n\n## Setup\n\nx").sections[1].anchor == "setup-1"


def test_duplicates_are_numbered_across_levels():
    md = "## Usage\n\n### Usage\n\n## Usage"
    assert [s.anchor for s in parse_sections(md).sections[1:]] == ["usage", "usage-1", "usage-2"]


def test_headings_inside_code_fences_are_code():
    md = "## Real\n\n```bash\n# comment\n## also comment\n```\n\n~~~\n# tilde\n~~~"
    page = parse_sections(md)
    assert page.heading_ids == ["real"]
    assert "# comment" in page.sections[1].body


def test_atx_details():
    md = "## Closed ##\n\n#NoSpace is text\n\n####### seven is text\n\n   ### Indented"
    page = parse_sections(md)
    assert [s.heading for s in page.sections[1:]] == ["Closed", "Indented"]
    assert "#NoSpace is text" in page.sections[1].body


def test_explicit_ids_and_inline_markdown():
    md = "## Pick a `language` {#lang}\n\n## **Bold** [link](x)"
    assert [(s.heading, s.anchor) for s in parse_sections(md).sections[1:]] == [
        ("Pick a language", "lang"),
        ("Bold link", "bold-link"),
    ]


def test_setext_headings():
    md = "Title line\n===\n\nSub heading\nover two lines\n---\n\ntext\n\n---\n\n- item\n---"
    page = parse_sections(md)
    assert page.content_title == "Title line"
    assert [(s.level, s.heading) for s in page.sections[1:]] == [(2, "Sub heading over two lines")]
    assert "- item" in page.sections[1].body  # a list item is not underlined into a heading


def test_a_setext_heading_keeps_its_line_break_in_the_id():
    # Docusaurus slugs "Sub heading\nover two lines": github-slugger drops the line break
    section = parse_sections("Sub heading\nover two lines\n---\n\ntext").sections[1]
    assert (section.heading, section.anchor) == ("Sub heading over two lines", "sub-headingover-two-lines")


def test_a_thematic_break_is_not_part_of_a_setext_heading():
    md = "Intro.\n\n---\nAfter a rule\n---\n\n***\nBelow stars\n---\n\nx"
    assert [(s.heading, s.anchor) for s in parse_sections(md).sections[1:]] == [
        ("After a rule", "after-a-rule"),
        ("Below stars", "below-stars"),
    ]


def test_headings_in_blockquotes_and_list_items_start_sections():
    md = "Intro.\n\n> ## Quoted\n>\n> In the quote.\n\n- ## Listed\n\n  In the item.\n\n1. ### Numbered\n"
    page = parse_sections(md)
    assert [(s.level, s.heading, s.anchor) for s in page.sections[1:]] == [
        (2, "Quoted", "quoted"),
        (2, "Listed", "listed"),
        (3, "Numbered", "numbered"),
    ]
    assert "In the quote." in page.sections[1].body
    assert "In the item." in page.sections[2].body
