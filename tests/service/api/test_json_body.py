"""The edge's rules for a JSON body, as pure functions (service/api/json_body.py)."""

from __future__ import annotations

import pytest

from service.api.json_body import (
    MAX_DEPTH,
    BodyError,
    is_json_media_type,
    parse_body,
    parse_text,
    too_deep,
)


@pytest.mark.parametrize(("content_type", "ok"), [
    ("application/json", True),
    ("Application/JSON; charset=UTF-8", True),
    ('application/json; charset="utf-8"', True),
    ("application/merge-patch+json", True),
    ("application/vnd.bookchat.v1+json; charset=utf8", True),
    ("text/plain", False),
    ("text/plain; charset=utf-8", False),
    ("application/x-www-form-urlencoded", False),
    ("multipart/form-data; boundary=x", False),
    ("application/json; charset=latin-1", False),
    ("application/jsonx", False),
    ("", False),
])
def test_only_json_in_utf8_is_a_json_media_type(content_type, ok):
    assert is_json_media_type(content_type) is ok


def test_depth_is_counted_without_recursion_and_strings_do_not_count():
    assert not too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert too_deep("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert too_deep("[" * 1_000_000)  # no RecursionError, however deep
    assert not too_deep('["' + "[" * 500 + '", "\\"{{{{"]')
    assert too_deep('{"a": ' * 70 + "1" + "}" * 70)


@pytest.mark.parametrize(("body", "status", "words"), [
    (b"\xff\xfe{}", 400, "not valid UTF-8"),
    (b'{"q": "\xed\xa0\x80"}', 400, "not valid UTF-8"),  # an encoded surrogate is not UTF-8
    (b"[" * 15_000 + b"]" * 15_000, 400, "nested too deeply"),
    (b'{"a": NaN}', 400, "not valid JSON"),
    (b'{"a": Infinity}', 400, "not valid JSON"),
    (b'{"a": 1,}', 400, "not valid JSON"),
    (b'{"a": "\x00"}', 400, "not valid JSON"),  # a raw control character in a string
    (b'{"input": "\\udfff"}', 422, "lone UTF-16 surrogate"),
    (b'{"\\ud800": 1}', 422, "lone UTF-16 surrogate"),
])
def test_refused_bodies_say_why(body, status, words):
    with pytest.raises(BodyError) as refused:
        parse_body(body)
    assert refused.value.status == status and words in refused.value.message


def test_nul_and_non_characters_are_removed_from_every_string_and_key():
    value = parse_text(
        '{"question": "IMU\\u0000?", "selected_text": "a\\ufffeb\\uffff\\ufdd0c",'
        ' "k\\u0000": ["\\ud83d\\ude00\\udbff\\udfff", 1, null, true]}'
    )
    assert value == {"question": "IMU?", "selected_text": "abc", "k": ["😀", 1, None, True]}


def test_subject_names_what_was_refused():
    with pytest.raises(BodyError, match="^a message is not valid JSON"):
        parse_text("{", subject="a message")
