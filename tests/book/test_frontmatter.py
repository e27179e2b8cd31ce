import pytest

from book.frontmatter import FrontMatter, parse_front_matter, split_front_matter


def test_all_fields():
    text = (
        "---\ntitle: Nodes\nid: nodes-doc\nslug: /nodes\nsidebar_label: N\nsidebar_position: 3\n"
        "description: About nodes\ntags: [ros, nodes]\n---\n# Body\n"
    )
    front, body = parse_front_matter(text, "a.md")
    assert front == FrontMatter(
        title="Nodes",
        id="nodes-doc",
        slug="/nodes",
        sidebar_label="N",
        sidebar_position=3.0,
        description="About nodes",
        tags=("ros", "nodes"),
    )
    assert body == "# Body\n"


def test_tag_objects_and_numbers_become_strings():
    text = "---\ntitle: 2024\ntags:\n  - label: Setup\n    permalink: /s\n  - plain\n---\n"
    front, _ = parse_front_matter(text, "a.md")
    assert front.title == "2024"
    assert front.tags == ("Setup", "plain")


def test_no_front_matter_and_later_rules_are_body():
    text = "# Title\n\n---\n\ntitle: not front matter\n---\n"
    front, body = parse_front_matter(text, "a.md")
    assert front == FrontMatter()
    assert body == text


def test_unclosed_front_matter_is_body():
    assert split_front_matter("---\ntitle: x\n") == (None, "---\ntitle: x\n")


def test_byte_order_mark_and_draft():
    front, body = parse_front_matter("\ufeff---\ndraft: true\n---\nHi", "a.md")
    assert front.draft and body == "Hi"


def test_invalid_yaml_names_the_file():
    with pytest.raises(ValueError, match="guide/a.md"):
        parse_front_matter("---\ntitle: [unclosed\n---\n", "guide/a.md")
