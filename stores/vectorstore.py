"""The Qdrant collection: which embedding model filled it, and a vector store over it.

The collection records its embedding model in the name of its dense vector (and the dimension
in that vector's size), so a server configured with another model is refused at start-up with
a message that says to re-ingest, instead of silently returning nonsense. Next to the dense
vector it holds a sparse lexical one (clients/lexical.py) declared with Qdrant's IDF modifier,
for hybrid search; a collection made before that (dense only) is refused the same way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore, RetrievalMode
from qdrant_client import QdrantClient, models

from clients.embeddings import embedding_model_id
from clients.lexical import SPARSE_VECTOR_NAME, BM25SparseEmbeddings

# Every payload field a search filters on; Qdrant Cloud can refuse a filter on an unindexed one.
INDEXED_FIELDS = ("metadata.path", "metadata.page_url")


class EmbeddingMismatchError(RuntimeError):
    """The collection was filled by another embedding model than the configured one."""


class LegacyCollectionError(EmbeddingMismatchError):
    """The collection has no lexical vector: it was made by a dense-only bookchat."""


@dataclass(frozen=True)
class CollectionInfo:
    """What health and start-up checks report about the collection."""

    name: str
    exists: bool
    vector_name: str | None = None
    dimension: int | None = None
    points: int = 0
    sparse_names: tuple[str, ...] = ()


def describe(client: QdrantClient, name: str) -> CollectionInfo:
    """The collection's model stamp, lexical vectors and size, or exists=False."""
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
    sparse = tuple(info.config.params.sparse_vectors or {})
    points = client.count(name, exact=True).count
    return CollectionInfo(name, True, vector_name, dimension, points, sparse)


def check_model(info: CollectionInfo, embeddings: Embeddings) -> None:
    """Refuse a collection filled by another model, or without the lexical vector
    (EmbeddingMismatchError / LegacyCollectionError, both saying to re-ingest with --full)."""
    wanted = embedding_model_id(embeddings)
    if info.exists and info.vector_name != wanted:
        raise EmbeddingMismatchError(
            f"collection {info.name!r} was filled with embedding model {info.vector_name!r} "
            f"(dimension {info.dimension}), but this server embeds queries with {wanted!r}. "
            "Re-ingest the book with the configured model: python -m ingest DOCS_DIR --full"
        )
    if info.exists and SPARSE_VECTOR_NAME not in info.sparse_names:
        found = ", ".join(info.sparse_names) or "none"
        raise LegacyCollectionError(
            f"collection {info.name!r} has no lexical vector {SPARSE_VECTOR_NAME!r} for hybrid "
            f"search (sparse vectors: {found}); it was made by an older bookchat. "
            "Re-ingest the book: python -m ingest DOCS_DIR --full"
        )


def create_collection(client: QdrantClient, name: str, embeddings: Embeddings) -> CollectionInfo:
    """Create the collection stamped with the model, with the lexical vector and the payload
    indexes; the dense dimension comes from a probe embedding."""
    dimension = len(embeddings.embed_query("dimension probe"))
    vector_name = embedding_model_id(embeddings)
    client.create_collection(
        name,
        vectors_config={
            vector_name: models.VectorParams(size=dimension, distance=models.Distance.COSINE)
        },
        sparse_vectors_config={
            SPARSE_VECTOR_NAME: models.SparseVectorParams(modifier=models.Modifier.IDF)
        },
    )
    with warnings.catch_warnings():  # local mode ignores payload indexes, and says so
        warnings.simplefilter("ignore", UserWarning)
        for field in INDEXED_FIELDS:
            client.create_payload_index(name, field, models.PayloadSchemaType.KEYWORD)
    return CollectionInfo(name, True, vector_name, dimension, 0, (SPARSE_VECTOR_NAME,))


def vector_store(client: QdrantClient, name: str, embeddings: Embeddings) -> QdrantVectorStore:
    """A LangChain vector store over an existing, model-checked collection; it writes the dense
    and the lexical vector of every chunk."""
    return QdrantVectorStore(
        client=client,
        collection_name=name,
        embedding=embeddings,
        vector_name=embedding_model_id(embeddings),
        sparse_embedding=BM25SparseEmbeddings(),
        sparse_vector_name=SPARSE_VECTOR_NAME,
        retrieval_mode=RetrievalMode.HYBRID,
        validate_collection_config=False,
    )
