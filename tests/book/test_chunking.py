import re

import pytest

from book.chunking import split_text
from book.fences import closes, open_fence


def sentences(n: int, words: int = 8) -> str:
    return " ".join(f"Sentence {i} " + "word " * words + "ends." for i in range(n))


def test_small_text_is_one_chunk_and_empty_is_none():
    assert split_text("Just this.", size=100, overlap=10) == ["Just this."]
    assert split_text("\n\n  \n", size=100, overlap=10) == []


def test_paragraphs_are_packed_whole_within_size():
    paragraphs = [f"Paragraph {i} " + "x" * 40 for i in range(6)]
    chunks = split_text("\n\n".join(paragraphs), size=120, overlap=0)
    assert all(len(c) <= 120 for c in chunks)
    assert "\n\n".join(chunks) == "\n\n".join(paragraphs)


def test_long_paragraph_splits_on_sentences_with_overlap():
    chunks = split_text(sentences(12), size=200, overlap=60)
    assert len(chunks) > 2 and all(len(c) <= 200 for c in chunks)
    for previous, chunk in zip(chunks, chunks[1:], strict=False):
        first_sentence = re.match(r"Sentence \d+ [^.]*\.", chunk).group()
        assert first_sentence in previous  # the new chunk repeats the last sentence
        assert chunk.startswith("Sentence")  # never starts mid-sentence


def test_numbered_list_markers_are_not_sentence_ends():
    text = "\n".join(f"{i}. Item number {i} has some words in it." for i in range(1, 9))
    chunks = split_text(text, size=120, overlap=50)
    assert len(chunks) > 2
    for chunk in chunks:
        assert all(re.match(r"\d\. Item", line) for line in chunk.split("\n") if line)


def test_code_block_stays_whole_when_it_fits():
    code = "```python\n" + "\n".join(f"x{i} = {i}" for i in range(10)) + "\n```"
    text = sentences(3) + "\n\n" + code + "\n\n" + sentences(3)
    chunks = split_text(text, size=len(code) + 20, overlap=40)
    assert code in chunks


def test_long_code_block_is_split_by_lines_and_fenced_again():
    code = "  ~~~python\n" + "\n".join(f"  value_{i} = {i}" for i in range(60)) + "\n  ~~~"
    chunks = split_text(code, size=200, overlap=50)
    assert len(chunks) > 3
    for chunk in chunks:
        lines = chunk.split("\n")
        fence = open_fence(lines[0])
        assert fence is not None and fence.lang == "python" and closes(lines[-1], fence)
        assert len(chunk) <= 200
    body = [line for c in chunks for line in c.split("\n")[1:-1]]
    assert body == [f"  value_{i} = {i}" for i in range(60)]  # nothing lost or repeated


def test_overlap_never_repeats_code():
    code = "```\n" + "c = 1\n" * 20 + "```"
    chunks = split_text(code + "\n\n" + sentences(6), size=len(code) + 5, overlap=100)
    assert sum(c.count("c = 1") for c in chunks) == 20


def test_lead_in_stays_with_the_first_piece_of_a_long_code_block():
    code = "```bash\n" + "\n".join(f"echo {i}" for i in range(40)) + "\n```"
    chunks = split_text("Run all of these:\n\n" + code, size=120, overlap=30)
    assert chunks[0].startswith("Run all of these:\n\n```bash\necho 0\n")
    assert all(len(c) <= 120 for c in chunks)
    assert sum(c.count("Run all") for c in chunks) == 1


def test_lead_in_stays_with_its_code():
    code = "```bash\n" + "echo hi\n" * 8 + "```"
    text = sentences(4) + "\n\nRun this:\n\n" + code
    chunks = split_text(text, size=len(code) + 30, overlap=0)
    assert chunks[-1] == "Run this:\n\n" + code


def test_long_table_repeats_its_header():
    rows = "\n".join(f"| row {i} | value {i} |" for i in range(30))
    chunks = split_text("| Name | Value |\n|---|---|\n" + rows, size=150, overlap=0)
    assert len(chunks) > 2
    assert all(c.startswith("| Name | Value |\n|---|---|\n| row") for c in chunks)


def test_rules_and_blank_runs_are_dropped():
    assert split_text("A\n\n---\n\n\n\n***\nB", size=100, overlap=0) == ["A\n\nB"]


def test_list_nesting_is_kept_and_deep_indent_removed():
    assert split_text("- a\n  - b", size=100, overlap=0) == ["- a\n  - b"]
    assert split_text("    indented prose", size=100, overlap=0) == ["indented prose"]


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (100, -1), (100, 100)])
def test_bad_sizes_are_refused(size, overlap):
    with pytest.raises(ValueError):
        split_text("text", size=size, overlap=overlap)
