"""The Qdrant collection: which embedding model filled it, and a vector store over it.

The collection records its embedding model in the name of its dense vector (and the dimension
in that vector's size), so a server configured with another model is refused at start-up with
a message that says to re-ingest, instead of silently returning nonsense.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore
from qdrant_client import QdrantClient, models

from clients.embeddings import embedding_model_id


class EmbeddingMismatchError(RuntimeError):
    """The collection was filled by another embedding model than the configured one."""


@dataclass(frozen=True)
class CollectionInfo:
    """What health and start-up checks report about the collection."""

    name: str
    exists: bool
    vector_name: str | None = None
    dimension: int | None = None
    points: int = 0


def describe(client: QdrantClient, name: str) -> CollectionInfo:
    """The collection's model stamp and size, or exists=False."""
    if not client.collection_exists(name):
        return CollectionInfo(name=name, exists=False)
    info = client.get_collection(name)
    vectors = info.config.params.vectors
    vector_name, dimension = None, None
    if isinstance(vectors, dict) and vectors:
        vector_name, params = next(iter(vectors.items()))
        dimension = params.size
    elif isinstance(vectors, models.VectorParams):
        vector_name, dimension = "", vectors.size
    points = client.count(name, exact=True).count
    return CollectionInfo(name, True, vector_name, dimension, points)


def check_model(info: CollectionInfo, embeddings: Embeddings) -> None:
    """Refuse a collection filled by another model (EmbeddingMismatchError)."""
    wanted = embedding_model_id(embeddings)
    if info.exists and info.vector_name != wanted:
        raise EmbeddingMismatchError(
            f"collection {info.name!r} was filled with embedding model {info.vector_name!r} "
            f"(dimension {info.dimension}), but this server embeds queries with {wanted!r}. "
            "Re-ingest the book with the configured model: python -m ingest DOCS_DIR --full"
        )


def create_collection(client: QdrantClient, name: str, embeddings: Embeddings) -> CollectionInfo:
    """Create the collection stamped with the model; its dimension comes from a probe embedding."""
    dimension = len(embeddings.embed_query("dimension probe"))
    vector_name = embedding_model_id(embeddings)
    client.create_collection(
        name,
        vectors_config={
            vector_name: models.VectorParams(size=dimension, distance=models.Distance.COSINE)
        },
    )
    with warnings.catch_warnings():  # local mode ignores payload indexes, and says so
        warnings.simplefilter("ignore", UserWarning)
        client.create_payload_index(name, "metadata.path", models.PayloadSchemaType.KEYWORD)
    return CollectionInfo(name, True, vector_name, dimension, 0)


def vector_store(client: QdrantClient, name: str, embeddings: Embeddings) -> QdrantVectorStore:
    """A LangChain vector store over an existing, model-checked collection."""
    return QdrantVectorStore(
        client=client,
        collection_name=name,
        embedding=embeddings,
        vector_name=embedding_model_id(embeddings),
        validate_collection_config=False,
    )
