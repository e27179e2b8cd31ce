"""A runnable published at app creation whose real chain exists only after the lifespan opened
its clients. It forwards every call with the caller's config and adds no run of its own, so
traces, `stream_events` and LangServe's schemas look exactly like the real chain's.

A batch runs at most `max_concurrency` inputs at a time, whatever the caller's config asks, so
one /batch cannot start all its answers at once; see `abatch`.

`unused_callbacks` names handler types the caller adds but nobody reads: server.py passes
LangServe's per-request event aggregator, which records every run event (an `asyncio.gather` per
streamed token, as it is not an inline handler) for routes that never return them. Those are left
out of the forwarded config; every other handler (metering, a stream_events client's) stays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.runnables import ConfigurableFieldSpec, Runnable, RunnableConfig
from langchain_core.runnables.config import get_config_list


class LateBound(Runnable[Any, Any]):
    """Delegates to `resolve()` at call time; types and config specs are declared up front."""

    def __init__(
        self,
        resolve: Callable[[], Runnable],
        *,
        input_type: Any,
        output_type: Any,
        config_specs: Sequence[ConfigurableFieldSpec] = (),
        name: str,
        max_concurrency: int = 4,
        unused_callbacks: tuple[type, ...] = (),
    ) -> None:
        self._resolve = resolve
        self._unused = unused_callbacks
        self._input_type = input_type
        self._output_type = output_type
        self._config_specs = list(config_specs)
        self.name = name
        self._max_concurrency = max_concurrency

    @property
    def InputType(self) -> Any:  # noqa: N802 - LangChain's name
        return self._input_type

    @property
    def OutputType(self) -> Any:  # noqa: N802 - LangChain's name
        return self._output_type

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        return self._config_specs

    def _config(self, config: Any) -> Any:
        """The config without the handlers nobody reads (a list of configs for batch)."""
        if isinstance(config, list):
            return [self._config(c) for c in config]
        callbacks = config.get("callbacks") if isinstance(config, dict) else None
        if not self._unused or not isinstance(callbacks, list):
            return config
        kept = [h for h in callbacks if not isinstance(h, self._unused)]
        return config if len(kept) == len(callbacks) else {**config, "callbacks": kept}

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kw: Any) -> Any:
        return self._resolve().invoke(input, self._config(config), **kw)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kw: Any) -> Any:
        return await self._resolve().ainvoke(input, self._config(config), **kw)

    def _bounded(self, config: Any, count: int) -> list[RunnableConfig]:
        """One config per input, each capped at this runnable's max_concurrency."""
        bound = self._max_concurrency
        return [
            {**c, "max_concurrency": min(c.get("max_concurrency") or bound, bound)}
            for c in get_config_list(config, count)
        ]

    def batch(self, inputs: list[Any], config: Any = None, **kw: Any) -> list[Any]:
        return self._resolve().batch(inputs, self._bounded(self._config(config), len(inputs)), **kw)

    async def abatch(
        self,
        inputs: list[Any],
        config: Any = None,
        *,
        return_exceptions: bool = False,
        **kw: Any,
    ) -> list[Any]:
        """Each input's `ainvoke`, at most max_concurrency at a time. An input's call is made only
        once it may run, and the first failure (or our cancellation) cancels the rest, so a
        batch that ends early leaves nothing running or half-made behind."""
        runnable = self._resolve()
        gate = asyncio.Semaphore(self._max_concurrency)

        async def one(value: Any, one_config: RunnableConfig) -> Any:
            async with gate:
                try:
                    return await runnable.ainvoke(value, one_config, **kw)
                except Exception as exc:
                    if return_exceptions:
                        return exc
                    raise

        configs = self._bounded(self._config(config), len(inputs))
        tasks = [asyncio.ensure_future(one(v, c)) for v, c in zip(inputs, configs, strict=True)]
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            for task in tasks:
                task.cancel()

    def stream(self, input: Any, config: RunnableConfig | None = None, **kw: Any) -> Iterator:
        yield from self._resolve().stream(input, self._config(config), **kw)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kw: Any
    ) -> AsyncIterator:
        async for chunk in self._resolve().astream(input, self._config(config), **kw):
            yield chunk
