"""BM25-style sparse vectors: the lexical half of hybrid search.

A chunk becomes one weight per stemmed word: BM25's saturated term frequency, normalised by the
chunk's length. The other half of BM25, the inverse document frequency, is not computed here:
the collection's sparse vector is declared with Qdrant's IDF modifier, so Qdrant applies the
book's own document frequencies at query time (embedded mode and Qdrant Cloud alike), and an
incremental ingest never has to re-weight chunks it did not touch. A query is its words, each
with weight 1.

Why lexical at all: small dense models blur the exact names a reader types ("colcon", "URDF",
"QoS", an error message), which a word match finds. Words are lower-cased, split at anything
that is not a letter or digit (`create_publisher` -> create, publisher), stripped of English
stop words and Snowball-stemmed (the stemmer fastembed's own BM25 uses), then hashed to 32 bits.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from functools import lru_cache

from langchain_qdrant import SparseEmbeddings, SparseVector

# The name of the sparse vector in the collection. Changing the tokenizer changes the vectors,
# so it would get a new name, and an old collection would be re-ingested.
SPARSE_VECTOR_NAME = "bm25-v1"
K1 = 1.2
B = 0.75
# Average chunk length in kept words, fixed rather than measured per book so that adding a page
# never changes the weights of chunks already stored: the loader's ~500-character chunks keep
# a median of 45-48 on the three books under ../shared (no questions involved).
AVG_WORDS = 47.0

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    from py_rust_stemmers import SnowballStemmer

    return SnowballStemmer("english")


def words(text: str) -> list[str]:
    """The stemmed, stop-word-free words of a text, in order."""
    kept = [w for w in _WORD.findall(text.lower()) if w not in _STOP_WORDS]
    return _stemmer().stem_words(kept) if kept else []


def term_id(word: str) -> int:
    """A stable 32-bit id for a stemmed word (the sparse vector's index)."""
    return zlib.crc32(word.encode("utf-8"))


def document_vector(text: str) -> SparseVector:
    """BM25 term weights of one chunk (without IDF, which Qdrant applies)."""
    return term_weights(words(text))


def term_weights(terms: list[str], length: int | None = None) -> SparseVector:
    """BM25's saturated, length-normalised frequency of each term; `length` is the chunk's
    length in words (by default, its number of terms)."""
    counts = Counter(term_id(t) for t in terms)
    length = len(terms) if length is None else length
    norm = K1 * (1 - B + B * length / AVG_WORDS)
    indices = sorted(counts)
    values = [counts[i] * (K1 + 1) / (counts[i] + norm) for i in indices]
    return SparseVector(indices=indices, values=values)


def query_vector(text: str) -> SparseVector:
    """Each distinct word of the question, weight 1."""
    indices = sorted({term_id(w) for w in words(text)})
    return SparseVector(indices=indices, values=[1.0] * len(indices))


class BM25SparseEmbeddings(SparseEmbeddings):
    """The sparse encoder LangChain's QdrantVectorStore writes and searches with."""

    name = SPARSE_VECTOR_NAME

    def embed_documents(self, texts: list[str]) -> list[SparseVector]:
        return [document_vector(text) for text in texts]

    def embed_query(self, text: str) -> SparseVector:
        return query_vector(text)
