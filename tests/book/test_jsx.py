from book.jsx import expression_end, is_balanced, literal_value, parse_tag


def test_expression_end_steps_over_strings_templates_and_comments():
    text = "{ a: '}', b: \"}\", c: `x ${ {d: 1}.d } }`, /* } */ e: [1, {f: 2}] } tail"
    end = expression_end(text, 1)
    assert text[end:] == " tail"


def test_unclosed_expression_is_none():
    assert expression_end("{ never closed", 1) is None
    assert expression_end("{ 'string\nbroken' }", 1) is None


def test_literal_values():
    assert literal_value(" 'a\\'b' ") == "a'b"
    assert literal_value("`line 1\nline \\`2\\``") == "line 1\nline `2`"
    assert literal_value("`with ${x}`") is None
    assert literal_value("'a' + 'b'") is None
    assert literal_value("props.title") is None


def test_is_balanced():
    assert is_balanced("import {\n  A,\n  B,\n} from 'x';")
    assert not is_balanced("export const x = {\n  a: 1,")


def test_tag_with_multiline_props():
    text = '<Step n={1}\n  title="Go"\n  data={{ cmd: `echo "<x>" }` }}\n  open\n/> after'
    tag = parse_tag(text, 0)
    assert tag is not None and tag.self_closing and tag.name == "Step"
    assert tag.attrs == {"title": "Go", "open": ""}
    assert text[tag.end :] == " after"


def test_opening_closing_and_fragment_tags():
    assert parse_tag('<TabItem value="py" label={"Python"}>', 0).attrs["label"] == "Python"
    closing = parse_tag("</TabItem >", 0)
    assert closing.closing and closing.name == "TabItem"
    assert parse_tag("<>", 0).name == ""


def test_text_that_only_looks_like_a_tag():
    assert parse_tag("<https://example.org>", 0) is None
    assert parse_tag("<user@example.org>", 0) is None
    assert parse_tag("< b", 0) is None
    assert parse_tag("<3 robots", 0) is None
    assert parse_tag("<Tag unclosed", 0) is None
