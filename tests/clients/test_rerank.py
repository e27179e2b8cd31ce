"""Cohere rerank through the real SDK against the fake Cohere server, and its fallbacks."""

from __future__ import annotations

import gc

import httpx
import pytest
from pydantic import SecretStr

from clients import rerank
from clients.rerank import CohereReranker

TEXTS = [
    "Lidar gives a 3D point cloud.",
    "An IMU measures acceleration and angular velocity.",
    "The IMU measures acceleration of the torso.",
]


class Counted:
    """A fallback listener, as the app's metrics are one."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def count(self, reason: str) -> None:
        self.reasons.append(reason)


@pytest.fixture
def counted():
    listener = Counted()
    rerank.add_fallback_listener(listener.count)
    return listener


def _reranker(fake, timeout: float = 5.0, http: httpx.AsyncClient | None = None):
    return CohereReranker(api_key=SecretStr("co-test"), model="rerank-v3.5", base_url=fake.url,
                          timeout=timeout, http=http)


def test_candidates_come_back_best_first_with_their_relevance(cohere, counted):
    order = _reranker(cohere).rerank("What does an IMU measure?", TEXTS)
    assert [i for i, _ in order][:2] == [1, 2] and order[-1][0] == 0
    assert order[0][1] >= order[1][1] > order[2][1]
    sent = cohere.requests_to("/v2/rerank")[0].body
    assert sent["model"] == "rerank-v3.5" and sent["top_n"] == 3 and sent["documents"] == TEXTS
    assert counted.reasons == []


async def test_the_async_path_uses_the_shared_pool(cohere, counted):
    async with httpx.AsyncClient() as http:
        order = await _reranker(cohere, http=http).arerank("IMU acceleration", TEXTS)
    assert order[0][0] in (1, 2) and counted.reasons == []


@pytest.mark.parametrize(
    ("fault", "reason"),
    [(500, "status_5xx"), (503, "status_5xx"), (429, "rate_limited"), (401, "status_4xx")],
)
async def test_an_error_status_is_a_counted_fallback_without_retries(cohere, counted, fault,
                                                                     reason):
    cohere.set_fault("rerank", fault, count=None)
    assert await _reranker(cohere).arerank("IMU", TEXTS) is None
    assert _reranker(cohere).rerank("IMU", TEXTS) is None
    assert counted.reasons == [reason, reason]
    assert len(cohere.requests_to("/v2/rerank")) == 2  # no SDK retry behind the reader's back


async def test_a_hanging_rerank_times_out_and_falls_back(cohere, counted):
    cohere.set_fault("rerank", "hang")
    assert await _reranker(cohere, timeout=0.5).arerank("IMU", TEXTS) is None
    assert counted.reasons == ["timeout"]


def test_a_cut_response_falls_back(cohere, counted):
    cohere.set_fault("rerank", "cut")
    assert _reranker(cohere).rerank("IMU", TEXTS) is None
    assert len(counted.reasons) == 1


def test_listeners_are_held_weakly(counted):
    gone = Counted()
    rerank.add_fallback_listener(gone.count)
    del gone
    gc.collect()
    rerank.fallback("timeout")
    assert counted.reasons == ["timeout"]  # the live one still counts
    live = [ref() for ref in rerank._listeners]
    assert None not in live and counted.count in live


async def test_the_async_answer_read_as_json_matches_the_sdk_path(cohere, counted):
    reranker = _reranker(cohere)
    ours = await reranker.arerank("What does an IMU measure?", TEXTS)
    assert ours == reranker.rerank("What does an IMU measure?", TEXTS)  # the SDK's own decoding
    mine, sdks = cohere.requests_to("/v2/rerank")
    assert mine.body == {k: v for k, v in sdks.body.items() if v is not None}
    assert mine.headers.get("x-client-name") == sdks.headers.get("x-client-name")
    assert counted.reasons == []


async def test_without_the_sdk_http_wrapper_the_sdk_call_with_one_warning(
    cohere, counted, caplog, monkeypatch
):
    from clients.patches import cohere_embed_decoding as decoding

    monkeypatch.setattr(decoding, "_warned", [])
    reranker = _reranker(cohere)
    monkeypatch.delattr(reranker._async, "_client_wrapper")
    for _ in range(2):
        assert (await reranker.arerank("IMU acceleration", TEXTS))[0][0] in (1, 2)
    warned = [r for r in caplog.records if "rerank decoding left to the SDK" in r.getMessage()]
    assert len(warned) == 1 and counted.reasons == []
