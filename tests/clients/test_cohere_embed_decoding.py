"""FastCohereEmbeddings against the fake Cohere: the vectors the SDK's own path gives, the
request the SDK would send, and the SDK's ApiError on a failure."""

from __future__ import annotations

import pytest
from cohere.core.api_error import ApiError
from langchain_cohere import CohereEmbeddings

from clients.patches.cohere_embed_decoding import FastCohereEmbeddings


def _pair(url: str) -> tuple[FastCohereEmbeddings, CohereEmbeddings]:
    options = dict(model="embed-english-v3.0", base_url=url, cohere_api_key="co-embed-key",
                   max_retries=1)
    return FastCohereEmbeddings(**options), CohereEmbeddings(**options)


async def test_vectors_and_request_match_the_sdk_path(cohere):
    fast, sdk = _pair(cohere.url)
    assert await fast.aembed_query("What is an IMU?") == await sdk.aembed_query("What is an IMU?")
    docs = ["Topics carry messages.", "Services answer requests."]
    assert await fast.aembed_documents(docs) == await sdk.aembed_documents(docs)
    ours, theirs, *_ = cohere.requests_to("/v1/embed")
    assert ours.body == {k: v for k, v in theirs.body.items() if v is not None}
    assert ours.headers.get("x-client-name") == theirs.headers.get("x-client-name")
    assert len(await fast.aembed_query("x")) == cohere.dim


@pytest.mark.parametrize("fault", ["429", "400"])
async def test_a_failure_is_the_sdks_api_error(cohere, fault):
    fast, _ = _pair(cohere.url)
    cohere.set_fault("embed", fault, count=None, retry_after=3)
    with pytest.raises(ApiError) as raised:
        await fast.aembed_query("What is an IMU?")
    assert raised.value.status_code == int(fault)
    if fault == "429":
        assert raised.value.headers["retry-after"] == "3"


async def test_without_the_sdk_internals_it_takes_the_sdks_own_path(cohere, caplog):
    fast, sdk = _pair(cohere.url)
    fast.async_client._client_wrapper = None  # as a cohere release without it would be
    assert await fast.aembed_query("What is an IMU?") == await sdk.aembed_query("What is an IMU?")
    assert "embed decoding left to the SDK" in caplog.text
