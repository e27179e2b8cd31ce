"""CohereEmbeddings whose async calls read the response JSON directly.

The SDK turns an embed response into its models with `construct_type`, one call per float
(1,024 per query vector), and langchain-cohere then walks it back to a dict with `.dict()`:
about 20 ms of CPU per query embedding on the event loop, more than the rest of retrieval
(bench/RESULTS.md). The request still goes through the SDK's own HTTP client (base URL, auth
header, timeout, its retries on 429/5xx); only the decoding of a successful answer is ours.
Errors are the SDK's ApiError with the status, headers and body, as before.
"""

from __future__ import annotations

from typing import Any

from cohere.core.api_error import ApiError
from langchain_cohere import CohereEmbeddings


class FastCohereEmbeddings(CohereEmbeddings):
    """The same embeddings; aembed_query / aembed_documents skip the SDK's model building."""

    async def aembed(self, texts: list[str], *, input_type: Any = None) -> list[list[float]]:
        http = self.async_client._client_wrapper.httpx_client
        body = {
            "texts": texts,
            "model": self.model,
            "input_type": input_type,
            "embedding_types": self.embedding_types,
            "truncate": self.truncate,
        }
        response = await http.request(
            "v1/embed",
            method="POST",
            json={key: value for key, value in body.items() if value is not None},
            headers={"content-type": "application/json"},
        )
        try:
            data = response.json()
        except ValueError:
            data = response.text
        if not 200 <= response.status_code < 300:
            raise ApiError(
                status_code=response.status_code, headers=dict(response.headers), body=data
            )
        embeddings = data["embeddings"]
        if isinstance(embeddings, list):  # the embeddings_floats shape
            return [[float(x) for x in vector] for vector in embeddings]
        vectors: list[list[float]] = []
        for kind in self.embedding_types:
            vectors += [[float(x) for x in vector] for vector in embeddings.get(kind) or []]
        return vectors
