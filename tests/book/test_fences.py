from book.fences import Fence, closes, drop_fences, open_fence, segments


def test_backtick_and_tilde_fences_open_with_info():
    assert open_fence('```python title="a.py"') == Fence("```", 'python title="a.py"')
    assert open_fence("~~~") == Fence("~~~", "")
    assert open_fence("     ```bash").lang == "bash"  # nested in a list item


def test_not_a_fence():
    assert open_fence("``not code``") is None  # backtick info may not hold a backtick
    assert open_fence("`` two") is None
    assert open_fence("text ```") is None


def test_closing_fence_needs_same_char_and_length():
    fence = Fence("````", "")
    assert not closes("```", fence)
    assert not closes("~~~~", fence)
    assert closes("`````", fence)
    assert not closes("```` x", fence)


def test_segments_keep_code_whole():
    text = "intro\n```\n# not a heading\n```\nafter\n~~~\nopen to the end"
    parts = list(segments(text))
    assert [fence is not None for fence, _ in parts] == [False, True, False, True]
    assert parts[1][1] == "```\n# not a heading\n```"
    assert parts[3][1] == "~~~\nopen to the end"


def test_drop_fences_by_language():
    text = "a\n```mermaid\ngraph TD;\n```\nb\n```python\nx = 1\n```"
    assert drop_fences(text, frozenset({"mermaid"})) == "a\nb\n```python\nx = 1\n```"
