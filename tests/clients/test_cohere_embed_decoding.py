"""FastCohereEmbeddings against the fake Cohere: the vectors the SDK's own path gives, the
request the SDK would send, the SDK's ApiError on a failure, and the SDK's own path with one
warning when the internals the patch uses are not there."""

from __future__ import annotations

import pytest
from cohere.core.api_error import ApiError
from langchain_cohere import CohereEmbeddings

from clients.patches import cohere_embed_decoding as decoding
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


def _fallback_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "embed decoding left to the SDK" in r.getMessage()]


async def test_without_the_private_client_wrapper_one_warning_and_the_sdk_path(
    cohere, caplog, monkeypatch
):
    monkeypatch.setattr(decoding, "_warned", [])
    fast, sdk = _pair(cohere.url)
    monkeypatch.delattr(fast.async_client, "_client_wrapper")
    for question in ("What is an IMU?", "What is a topic?"):
        assert await fast.aembed_query(question) == await sdk.aembed_query(question)
    assert len(_fallback_warnings(caplog)) == 1


async def test_a_request_that_no_longer_takes_our_arguments_is_left_to_the_sdk(
    cohere, caplog, renamed_sdk_argument
):
    fast, sdk = _pair(cohere.url)
    for question in ("What is an IMU?", "What is a topic?"):
        assert await fast.aembed_query(question) == await sdk.aembed_query(question)
    assert len(_fallback_warnings(caplog)) == 1


def test_the_sdk_request_takes_the_arguments_the_patch_passes():
    from cohere.core.http_client import AsyncHttpClient

    assert decoding._takes_our_arguments(AsyncHttpClient.request)
