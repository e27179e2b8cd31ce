"""Response bodies in the shapes the cohere SDK (5.x) parses, checked against its pydantic types.

Shapes that matter, all learnt from the SDK source:
- v2 chat: `V2ChatResponse`; langchain-cohere reads `usage.tokens` and crashes when `usage` is
  present without `tokens`, so both `tokens` and `billed_units` are always sent.
- v2 chat stream: SSE events discriminated by `data.type`; langchain-cohere reads
  `message-end.delta.usage.billed_units` unconditionally.
- v1 embed: `embeddings_floats` without `embedding_types`, else `embeddings_by_type`; the SDK's
  batch merge reads `meta.billed_units`, so `meta` always carries it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

COMPLETE = "COMPLETE"
CATALOG: dict[str, list[str]] = {
    "chat": ["command-a-03-2025", "command-r-plus-08-2024", "command-r-08-2024"],
    "embed": ["embed-english-v3.0", "embed-multilingual-v3.0", "embed-v4.0"],
    "rerank": ["rerank-v3.5", "rerank-english-v3.0"],
}


def new_id() -> str:
    """A fresh response id, as Cohere sends one with every answer."""
    return str(uuid.uuid4())


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    counts = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    return {"billed_units": dict(counts), "tokens": dict(counts)}


def chat_response(text: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A non-streamed v2 chat answer with one text content item."""
    return {
        "id": new_id(),
        "finish_reason": COMPLETE,
        "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
        "usage": _usage(input_tokens, output_tokens),
    }


def sse(event: dict[str, Any]) -> bytes:
    """One server-sent event, named like Cohere names them (the SDK reads only `data`)."""
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def stream_head(message_id: str) -> list[dict[str, Any]]:
    """The events before the first text delta."""
    return [
        {
            "type": "message-start",
            "id": message_id,
            "delta": {
                "message": {
                    "role": "assistant",
                    "content": [],
                    "tool_plan": "",
                    "tool_calls": [],
                    "citations": [],
                }
            },
        },
        {
            "type": "content-start",
            "index": 0,
            "delta": {"message": {"content": {"type": "text", "text": ""}}},
        },
    ]


def stream_delta(piece: str) -> dict[str, Any]:
    """One text delta of content item 0."""
    return {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": piece}}}}


def stream_tail(message_id: str, input_tokens: int, output_tokens: int) -> list[dict[str, Any]]:
    """The closing events; message-end carries the usage langchain-cohere insists on."""
    return [
        {"type": "content-end", "index": 0},
        {
            "type": "message-end",
            "id": message_id,
            "delta": {"finish_reason": COMPLETE, "usage": _usage(input_tokens, output_tokens)},
        },
    ]


def embed_response(
    texts: list[str], vectors: list[list[float]], *, by_type: bool, input_tokens: int
) -> dict[str, Any]:
    """A v1/v2 embed answer; `by_type` picks the `embeddings_by_type` shape."""
    body: dict[str, Any] = {
        "id": new_id(),
        "texts": texts,
        "meta": {"api_version": {"version": "2"}, "billed_units": {"input_tokens": input_tokens}},
    }
    if by_type:
        body |= {"response_type": "embeddings_by_type", "embeddings": {"float": vectors}}
    else:
        body |= {"response_type": "embeddings_floats", "embeddings": vectors}
    return body


def rerank_response(ranked: list[tuple[int, float]]) -> dict[str, Any]:
    """A rerank answer from (index, score) pairs already in rank order."""
    return {
        "id": new_id(),
        "results": [{"index": i, "relevance_score": score} for i, score in ranked],
        "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}},
    }


def models_response(endpoint: str | None, default_only: bool, chat_model: str) -> dict[str, Any]:
    """GET /v1/models: with default_only, the first model of the endpoint is the default."""
    catalog = dict(CATALOG, chat=[chat_model, *(m for m in CATALOG["chat"] if m != chat_model)])
    endpoints = [endpoint] if endpoint in catalog else list(catalog)
    models = []
    for name in endpoints:
        names = catalog[name][:1] if default_only else catalog[name]
        models += [
            {
                "name": model,
                "endpoints": [name],
                "default_endpoints": [name] if i == 0 else [],
                "finetuned": False,
                "is_deprecated": False,
                "context_length": 128000,
            }
            for i, model in enumerate(names)
        ]
    return {"models": models}


def error_body(message: str) -> dict[str, str]:
    """Cohere's error bodies carry a human-readable `message`."""
    return {"message": message}
