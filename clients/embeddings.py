"""Embedding models: Cohere when configured, the packaged MiniLM (fastembed, ONNX) offline."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from langchain_core.embeddings import Embeddings
from pydantic import SecretStr

from clients import embedded_model

_FASTEMBED_ID = "bookchat/all-minilm-l6-v2-int8"
MAX_TOKENS = 256


class OfflineEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX) through fastembed, loaded from a local folder."""

    model_name = embedded_model.MODEL_NAME

    def __init__(self, model_dir: Path, *, threads: int | None = None) -> None:
        from fastembed import TextEmbedding
        from fastembed.common.model_description import ModelSource, PoolingType

        embedded_model.assemble(model_dir)
        if not any(m["model"] == _FASTEMBED_ID for m in TextEmbedding.list_supported_models()):
            TextEmbedding.add_custom_model(
                model=_FASTEMBED_ID,
                pooling=PoolingType.MEAN,
                normalization=True,
                sources=ModelSource(hf=_FASTEMBED_ID),
                dim=embedded_model.DIMENSION,
                model_file=embedded_model.MODEL_FILE,
            )
        self._model = TextEmbedding(
            _FASTEMBED_ID, specific_model_path=str(model_dir), threads=threads, lazy_load=False
        )
        # MiniLM was trained on 256 word pieces (sentence-transformers truncates there);
        # fastembed reads 512 from the tokenizer config, which only costs time.
        tokenizer = getattr(getattr(self._model, "model", None), "tokenizer", None)
        if tokenizer is not None:
            tokenizer.enable_truncation(max_length=MAX_TOKENS)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [v.tolist() for v in self._model.embed(texts, batch_size=32)]

    def embed_query(self, text: str) -> list[float]:
        return next(iter(self._model.query_embed(text))).tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        return await asyncio.to_thread(self.embed_query, text)


def cohere_embeddings(
    *, api_key: SecretStr, model: str, base_url: str | None, timeout: float
) -> Embeddings:
    """CohereEmbeddings; document vs query input_type is chosen by the class itself."""
    from clients.patches.cohere_embed_decoding import FastCohereEmbeddings

    # The SDK already retries 429/5xx twice with backoff; CohereEmbeddings' own retry loop
    # (default 3 tries, 4-10 s apart) on top of it would hold a reader ~17 s before an error.
    return FastCohereEmbeddings(
        cohere_api_key=api_key,
        model=model,
        base_url=base_url,
        request_timeout=timeout,
        max_retries=1,
    )


def embedding_model_id(embeddings: Embeddings) -> str:
    """A name for the model that filled a collection, safe as a Qdrant vector name."""
    name = getattr(embeddings, "model_name", None) or getattr(embeddings, "model", None)
    if not name:
        name = type(embeddings).__name__
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name))
