"""LateBound publishes a chain that exists only later: it resolves at call time, forwards every
call with the caller's config, and declares the types and config specs given up front."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.runnables import ConfigurableFieldSpec, RunnableConfig, RunnableLambda

from service.api.late_bound import LateBound

SPEC = ConfigurableFieldSpec(id="session_id", annotation=str, default="")


def _echo(x: str, config: RunnableConfig) -> str:
    return f"{x}:{config.get('configurable', {}).get('session_id', '-')}"


def _bound(target: dict) -> LateBound:
    return LateBound(lambda: target["chain"], input_type=str, output_type=str,
                     config_specs=[SPEC], name="Echo")


def test_it_resolves_at_call_time_and_forwards_the_config():
    target = {"chain": None}
    bound = _bound(target)
    target["chain"] = RunnableLambda(_echo)  # opened after the route was published
    cfg = {"configurable": {"session_id": "s1"}}
    assert bound.invoke("a", cfg) == "a:s1"
    assert bound.batch(["a", "b"], cfg) == ["a:s1", "b:s1"]
    assert list(bound.stream("a", cfg)) == ["a:s1"]
    target["chain"] = RunnableLambda(lambda x: x.upper())
    assert bound.invoke("a") == "A"


async def test_async_calls_forward_too():
    bound = _bound({"chain": RunnableLambda(_echo)})
    cfg = {"configurable": {"session_id": "s2"}}
    assert await bound.ainvoke("a", cfg) == "a:s2"
    assert await bound.abatch(["a"], cfg) == ["a:s2"]
    assert [c async for c in bound.astream("a", cfg)] == ["a:s2"]


def test_types_and_specs_are_declared_up_front():
    bound = _bound({"chain": None})
    assert bound.InputType is str and bound.OutputType is str
    assert [s.id for s in bound.config_specs] == ["session_id"]
    assert bound.get_name() == "Echo"


async def test_it_adds_no_run_of_its_own():
    bound = _bound({"chain": RunnableLambda(_echo).with_config(run_name="Inner")})
    starts = [e["name"] async for e in bound.astream_events("a", version="v2")
              if e["event"] == "on_chain_start"]
    assert starts == ["Inner"]


class _Meter:
    """An async runnable's body that records how many calls run at once and which finished."""

    def __init__(self) -> None:
        self.running = self.most = 0
        self.finished: list[str] = []

    async def __call__(self, x: str) -> str:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.05 if x != "slow" else 5)
            if x == "fail":
                raise ValueError("boom")
            self.finished.append(x)
            return x
        finally:
            self.running -= 1


def _metered(meter: _Meter, limit: int) -> LateBound:
    return LateBound(lambda: RunnableLambda(meter), input_type=str, output_type=str,
                     name="metered", max_concurrency=limit)


async def test_a_batch_runs_at_most_max_concurrency_inputs_at_once():
    meter = _Meter()
    out = await _metered(meter, 2).abatch(list("abcdef"), {"max_concurrency": 50})
    assert out == list("abcdef") and meter.most == 2


async def test_the_first_failure_cancels_the_rest_of_the_batch():
    meter = _Meter()
    with pytest.raises(ValueError, match="boom"):
        await _metered(meter, 2).abatch(["fail", "slow", "a", "b"])
    await asyncio.sleep(0.2)
    assert meter.running == 0 and meter.finished == []  # nothing left running, nothing started


async def test_return_exceptions_keeps_every_result():
    meter = _Meter()
    out = await _metered(meter, 3).abatch(["a", "fail", "b"], return_exceptions=True)
    assert out[0] == "a" and isinstance(out[1], ValueError) and out[2] == "b"


async def test_handlers_nobody_reads_are_left_out_and_the_others_stay():
    from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler

    class Unread(AsyncCallbackHandler):
        def __init__(self) -> None:
            self.events = 0

        async def on_chain_start(self, *args, **kwargs) -> None:
            self.events += 1

    class Read(BaseCallbackHandler):
        def __init__(self) -> None:
            self.events = 0

        def on_chain_start(self, *args, **kwargs) -> None:
            self.events += 1

    bound = LateBound(lambda: RunnableLambda(_echo), input_type=str, output_type=str,
                      config_specs=[SPEC], name="Echo", unused_callbacks=(Unread,))
    unread, read = Unread(), Read()
    cfg = {"configurable": {"session_id": "s3"}, "callbacks": [unread, read]}
    assert await bound.ainvoke("a", cfg) == "a:s3"
    assert [c async for c in bound.astream("a", cfg)] == ["a:s3"]
    assert bound.batch(["a"], cfg) == ["a:s3"]
    assert (unread.events, read.events) == (0, 3)
    assert cfg["callbacks"] == [unread, read]  # the caller's config is not changed
