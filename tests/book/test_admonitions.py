"""Syntax follows Docusaurus' admonitions (remark-directive containers)."""

from book.admonitions import convert_admonitions


def test_v2_title_after_space():
    assert convert_admonitions(":::tip Performance Tip\nUse the GPU.\n:::") == (
        "Tip: Performance Tip\nUse the GPU."
    )


def test_v3_bracket_title_and_no_title():
    text = ":::note[Read this first]\nA.\n:::\n\n:::warning\nB.\n:::"
    assert convert_admonitions(text) == "Note: Read this first\nA.\n\nWarning:\nB."


def test_nested_with_longer_outer_fence():
    text = "::::info Outer\nout\n:::danger Inner\nin\n:::\nafter\n::::"
    assert convert_admonitions(text) == "Info: Outer\nout\nDanger: Inner\nin\nafter"


def test_indented_admonition_keeps_its_indent():
    assert convert_admonitions("- item\n  :::caution\n  careful\n  :::") == (
        "- item\n  Caution:\n  careful"
    )


def test_code_fences_are_left_alone():
    text = "```text\n:::tip Not here\n:::\n```"
    assert convert_admonitions(text) == text
