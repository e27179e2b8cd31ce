"""The packaged offline embedder: real vectors, no network, MiniLM's 256-token window."""

from __future__ import annotations

import math

from clients.embedded_model import DIMENSION, assemble, is_complete
from clients.embeddings import MAX_TOKENS, embedding_model_id


def _cos(a, b):
    return sum(x * y for x, y in zip(a, b, strict=True)) / (
        math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_model_folder_is_assembled_from_site_packages(tmp_path):
    target = assemble(tmp_path / "m")
    assert is_complete(target)
    assert assemble(target) == target  # second call is a no-op


def test_vectors_are_normalised_and_meaningful(offline_embeddings):
    q = offline_embeddings.embed_query("How do I install ROS 2?")
    docs = offline_embeddings.embed_documents(
        ["Installing ROS 2 on Ubuntu step by step", "A recipe for banana bread"])
    assert len(q) == DIMENSION
    assert abs(math.sqrt(sum(x * x for x in q)) - 1) < 1e-3
    assert _cos(q, docs[0]) > _cos(q, docs[1]) + 0.3


def test_long_text_is_truncated_to_the_training_window(offline_embeddings):
    tokenizer = offline_embeddings._model.model.tokenizer
    assert len(tokenizer.encode("word " * 2000).ids) == MAX_TOKENS


def test_model_id_is_a_safe_vector_name(offline_embeddings):
    assert embedding_model_id(offline_embeddings) == "all-MiniLM-L6-v2-int8"
