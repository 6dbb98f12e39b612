"""The model adapter protocol: the only thing the runner and the judges know about a model.

Local adapters implement batched `generate`/`loglikelihood` (batching policy lives in the adapter).
Remote adapters set `concurrent = True` and implement `agenerate_one`; the scheduler runs them with a bounded
number of calls in flight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from eval_anything.types import Request, Response

ProgressFn = Callable[[int], None]  # called with the number of requests just finished


@dataclass(frozen=True)
class Capabilities:
    input_modalities: frozenset[str] = frozenset({"text"})
    output_modalities: frozenset[str] = frozenset({"text"})
    loglikelihood: bool = True

    def missing_inputs(self, needed: set[str]) -> set[str]:
        return set(needed) - set(self.input_modalities)

    def to_dict(self) -> dict:
        return {
            "input_modalities": sorted(self.input_modalities),
            "output_modalities": sorted(self.output_modalities),
            "loglikelihood": self.loglikelihood,
        }


class UnsupportedRequest(Exception):
    """The adapter cannot serve this kind of request (for example loglikelihood through a chat API)."""


@dataclass
class ModelAdapter:
    """Base class. Subclasses fill in `name`, `capabilities` and the methods they support."""

    name: str = "model"
    capabilities: Capabilities = field(default_factory=Capabilities)
    concurrent: bool = False  # True: scheduler calls agenerate_one concurrently
    max_concurrency: int = 1

    def fingerprint(self) -> str:
        """A stable id of the model's weights and settings that change outputs (enters every cache key)."""
        raise NotImplementedError

    def describe(self) -> dict:
        """What run.json records about the model (never secrets)."""
        return {"name": self.name, "fingerprint": self.fingerprint(), "capabilities": self.capabilities.to_dict()}

    def generate(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        raise UnsupportedRequest(f"{self.name} cannot generate")

    def loglikelihood(self, requests: Sequence[Request], progress: ProgressFn | None = None) -> list[Response]:
        raise UnsupportedRequest(f"{self.name} cannot compute log-likelihoods")

    async def agenerate_one(self, request: Request) -> Response:
        raise UnsupportedRequest(f"{self.name} has no async path")

    def batch_plan(self, requests: Sequence[Request]) -> list[list[int]]:
        """Deterministic batches (indices into `requests`) computed over the *whole* request set.

        The scheduler checks the cache per batch: a fully cached batch is skipped, a partial one is recomputed
        whole, so a resumed run sees exactly the same batch compositions (and padding) as an uninterrupted one.
        """
        return [[i] for i in range(len(requests))]

    def close(self) -> None:
        pass
