"""The fake model's latency profile: what the fake Cohere is told to take per call (the floor a
benchmark measures our overhead against), the command line that starts it so, and the reply it
streams."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelProfile:
    """What the fake model is configured to take: the floor our overhead is measured against."""

    ttft: float = 0.3
    tps: float = 100.0
    tokens: int = 40
    embed_latency: float = 0.1
    dim: int = 1024

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """--ttft/--tps/--tokens/--embed-latency, defaulting to this profile's values."""
        parser.add_argument("--ttft", type=float, default=self.ttft)
        parser.add_argument("--tps", type=float, default=self.tps)
        parser.add_argument("--tokens", type=int, default=self.tokens)
        parser.add_argument("--embed-latency", type=float, default=self.embed_latency)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ModelProfile:
        return cls(ttft=args.ttft, tps=args.tps, tokens=args.tokens,
                   embed_latency=args.embed_latency)

    @property
    def reply(self) -> str:
        """A fixed reply the fake splits into exactly `tokens` stream pieces."""
        return " ".join(f"w{i}" for i in range(self.tokens))

    @property
    def stream_seconds(self) -> float:
        """A streamed chat call: the first piece at ttft, then one piece every 1/tps."""
        return self.ttft + ((self.tokens - 1) / self.tps if self.tps else 0.0)

    def turn_seconds(self, followup: bool = False) -> float:
        """One chat turn: [condense call] + query embedding + streamed answer."""
        condense = self.stream_seconds if followup else 0.0
        return condense + self.embed_latency + self.stream_seconds

    def first_token_seconds(self, followup: bool = False) -> float:
        condense = self.stream_seconds if followup else 0.0
        return condense + self.embed_latency + self.ttft

    def fake_argv(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "tests.fakes.cohere_server", "--port", str(port),
            "--ttft", str(self.ttft), "--tps", str(self.tps),
            "--embed-latency", str(self.embed_latency), "--dim", str(self.dim),
            "--reply", self.reply, "--log-level", "warning",
        ]

    def result_name(self, benchmark: str, default_tokens: int) -> str:
        """`benchmark`, tagged with the answer length when it is not the benchmark's default
        (overhead-300t.json beside overhead.json)."""
        return benchmark if self.tokens == default_tokens else f"{benchmark}-{self.tokens}t"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ttft_s": self.ttft, "tokens_per_s": self.tps, "reply_tokens": self.tokens,
            "embed_latency_s": self.embed_latency, "embedding_dim": self.dim,
            "first_turn_model_ms": round(self.turn_seconds() * 1000, 1),
            "first_turn_first_token_ms": round(self.first_token_seconds() * 1000, 1),
            "followup_model_ms": round(self.turn_seconds(True) * 1000, 1),
        }
