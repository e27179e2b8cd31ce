"""A runnable published at app creation whose real chain exists only after the lifespan opened
its clients. It forwards every call with the caller's config and adds no run of its own, so
traces, `stream_events` and LangServe's schemas look exactly like the real chain's.

`unused_callbacks` names handler types the caller adds but nobody reads: server.py passes
LangServe's per-request event aggregator, which records every run event (an `asyncio.gather` per
streamed token, as it is not an inline handler) for routes that never return them. Those are left
out of the forwarded config; every other handler (metering, a stream_events client's) stays."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from langchain_core.runnables import ConfigurableFieldSpec, Runnable, RunnableConfig


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
        unused_callbacks: tuple[type, ...] = (),
    ) -> None:
        self._resolve = resolve
        self._unused = unused_callbacks
        self._input_type = input_type
        self._output_type = output_type
        self._config_specs = list(config_specs)
        self.name = name

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

    def batch(self, inputs: list[Any], config: Any = None, **kw: Any) -> list[Any]:
        return self._resolve().batch(inputs, self._config(config), **kw)

    async def abatch(self, inputs: list[Any], config: Any = None, **kw: Any) -> list[Any]:
        return await self._resolve().abatch(inputs, self._config(config), **kw)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kw: Any) -> Iterator:
        yield from self._resolve().stream(input, self._config(config), **kw)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kw: Any
    ) -> AsyncIterator:
        async for chunk in self._resolve().astream(input, self._config(config), **kw):
            yield chunk
