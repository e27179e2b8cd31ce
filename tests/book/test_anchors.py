"""Expected ids follow github-slugger (used by @docusaurus/utils createSlugger) and the
@docusaurus/mdx-loader headings plugin."""

import pytest

from book.anchors import (
    Slugger,
    heading_text_and_id,
    plain_text,
    slugify,
    split_heading_id,
)


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Hello World", "hello-world"),
        ("Q&A (2 min)", "qa-2-min"),  # punctuation dropped
        ("C++ & ROS 2", "c--ros-2"),  # each space becomes a dash, even doubled
        ("🎯 Course Overview", "-course-overview"),  # emoji dropped, its space stays
        ("Physical AI — A Guide", "physical-ai--a-guide"),  # em dash is not `-`
        ("snake_case and kebab-case", "snake_case-and-kebab-case"),  # `_` and `-` kept
        ("Über Café", "über-café"),  # unicode letters kept, lowercased
        ("日本語 見出し", "日本語-見出し"),
        ("x² ≥ 1.5", "x--15"),  # superscripts and symbols are not letters or digits
        ("Ⅻ and Ⓐ", "ⅻ-and-ⓐ"),  # letter numbers and alphabetic symbols are kept
        ("⚠️ Warning", "\ufe0f-warning"),  # the emoji goes, its variation selector (a mark) stays
    ],
)
def test_slugify(heading, expected):
    assert slugify(heading) == expected


def test_repeated_slugs_are_numbered_across_the_page():
    slugger = Slugger()
    ids = [slugger.slug(h) for h in ["Setup", "Setup", "setup", "Setup 1", "Setup"]]
    # github-slugger: "Setup 1" -> "setup-1" is taken, so it becomes "setup-1-1"
    assert ids == ["setup", "setup-1", "setup-2", "setup-1-1", "setup-3"]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (
            "Step 1: Create the Publisher (in `__init__`)",
            "Step 1: Create the Publisher (in __init__)",
        ),
        ("**Bold** and *em* and _under_ ~~gone~~", "Bold and em and under gone"),
        ("[Link text](https://x.org) and ![alt text](a.png)", "Link text and alt text"),
        ("Install <Badge>new</Badge>", "Install new"),
        ("Q &amp; A", "Q & A"),
        (r"\*not emphasis\*", "*not emphasis*"),
        ("snake_case_name", "snake_case_name"),
        ("`` code with ` tick ``", "code with ` tick"),
    ],
)
def test_plain_text_of_inline_markdown(raw, text):
    assert plain_text(raw) == text


def test_inline_markdown_is_reduced_before_slugging():
    text, anchor = heading_text_and_id("Step 1: Create the Publisher (in `__init__`)", Slugger())
    assert anchor == "step-1-create-the-publisher-in-__init__"


def test_explicit_id_wins_is_removed_and_not_counted():
    assert split_heading_id("Pick a language {#language}") == ("Pick a language", "language")
    slugger = Slugger()
    assert heading_text_and_id("Title **bold** {#custom-id}", slugger) == (
        "Title bold",
        "custom-id",
    )
    # the explicit id never reaches the slugger, so a later "Custom id" is not numbered
    assert heading_text_and_id("Custom id", slugger) == ("Custom id", "custom-id")


@pytest.mark.parametrize(
    ("raw", "text", "anchor"),
    [
        # the values Docusaurus 3.10 gives these headings (tests/docusaurus, the oracle test)
        ("Quick start {/* #install */}", "Quick start", "install"),
        ("Shown {/* a note */} words", "Shown words", "shown--a-note--words"),
        ("Hidden words <!-- an html comment -->", "Hidden words", "hidden-words-"),
        ("Footnotes in headings[^1]", "Footnotes in headings", "footnotes-in-headings"),
        ("Line one\nline two", "Line one line two", "line-oneline-two"),
        ("Not an id {/* note */}", "Not an id", "not-an-id--note-"),
        (r"A \<node\> \&amp; b", "A <node> &amp; b", "a-node-amp-b"),
    ],
)
def test_heading_ids_as_the_real_build_gives_them(raw, text, anchor):
    assert heading_text_and_id(raw, Slugger()) == (text, anchor)


def test_an_id_comment_is_not_counted_by_the_slugger():
    slugger = Slugger()
    heading_text_and_id("Install {/* #install */}", slugger)
    assert heading_text_and_id("Install", slugger) == ("Install", "install")


def test_brace_in_text_is_not_an_id():
    assert split_heading_id("Sets {a, b}") == ("Sets {a, b}", None)
