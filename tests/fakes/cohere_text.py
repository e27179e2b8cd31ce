"""Deterministic stand-ins for what Cohere's models compute: replies, embeddings, rerank scores.

They are simple on purpose: a test must be able to predict the output from the input, and
retrieval over these embeddings must still rank a passage that shares the question's words first.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

NO_SOURCE_REPLY = "I could not find this in the book."

_SOURCE = re.compile(r'<source\s+id="([^"]*)"[^>]*>(.*?)</source>', re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_WORD = re.compile(r"\w+")
_TOKEN_BOUNDARY = re.compile(r"(?<=\s)(?=\S)")
# Stop words would make unrelated texts look alike to the embeddings and the reranker.
_STOPWORD_TEXT = """a about after all also an and any are as at be been but by can could did do
does for from had has have he her his how i if in into is it its just me my no not of on or our she
should so than that the their them then there these they this those to was we were what when where
which who why will with would you your"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def message_texts(messages: Iterable[dict[str, Any]]) -> list[str]:
    """The text of each chat message, whether its content is a string or a list of parts."""
    texts = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return texts


def first_sentence(text: str) -> str:
    """The first sentence of a passage, white space collapsed, so replies stay one line."""
    flat = " ".join(text.split())
    return _SENTENCE_END.split(flat, maxsplit=1)[0]


def cited_reply(body: dict[str, Any]) -> str:
    """Cite the first <source id="N"> block in the messages, which proves context reached us."""
    for text in message_texts(body.get("messages") or []):
        match = _SOURCE.search(text)
        if match:
            return f"According to the book [{match.group(1)}], {first_sentence(match.group(2))}"
    return NO_SOURCE_REPLY


def split_tokens(text: str) -> list[str]:
    """Stream pieces: words keeping their trailing spaces, so the joined pieces equal the text."""
    return [piece for piece in _TOKEN_BOUNDARY.split(text) if piece]


def word_count(texts: Iterable[str]) -> int:
    """Our notion of a token for usage reports: a white-space separated word."""
    return sum(len(text.split()) for text in texts)


def _stem(word: str) -> str:
    # Folding plurals and third persons ("ranks" -> "rank") is enough to look a bit semantic.
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def content_words(text: str) -> list[str]:
    """Lower-case, crudely stemmed words without stop words, which make texts look alike."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def _bucket(feature: str, dim: int) -> tuple[int, float]:
    # blake2b, not hash(): Python salts str hashes per process, and vectors must be stable.
    value = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
    return value % dim, 1.0 if value >> 63 else -1.0


def embed_text(text: str, dim: int) -> list[float]:
    """A unit vector from hashed unigrams and bigrams: shared words mean high cosine similarity."""
    words = content_words(text)
    unigrams = Counter(words)
    bigrams = Counter(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    vector = [0.0] * dim
    for features, weight in ((unigrams, 1.0), (bigrams, 0.5)):
        for feature, count in features.items():
            index, sign = _bucket(feature, dim)
            vector[index] += sign * weight * (1.0 + math.log(count))
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        # A text without content words still needs a unit vector: cosine of a zero vector is NaN.
        vector[_bucket("", dim)[0]] = 1.0
        return vector
    return [x / norm for x in vector]


def overlap_score(query: str, document: str) -> float:
    """Share of the query's content words found in the document, in [0, 1] like Cohere's scores."""
    wanted = set(content_words(query))
    if not wanted:
        return 0.0
    return len(wanted & set(content_words(document))) / len(wanted)
