"""Data-parallel evaluation under an existing launcher (`accelerate launch`, `torchrun`).

Every rank runs the same run: the same tasks, the same requests, the same batch plan. Only model calls are divided:
the batches that still need computing are dealt out round by round (batch `r * world + rank` goes to `rank`), each
round's responses are gathered to every rank, and rank 0 alone writes the cache and the run directory. Every rank
therefore holds every response and scores identically (judge calls, also sharded, happen in lockstep), and a batch is
computed exactly as a single process would compute it: same composition, same padding, so the same numbers.

Process groups come from accelerate's `PartialState` (gloo on CPU, NCCL on GPUs); nothing here opens sockets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence, TypeVar

T = TypeVar("T")


def launched_world_size() -> int:
    """The process count a launcher set (torchrun/accelerate write WORLD_SIZE); 1 when not launched."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


@dataclass(frozen=True)
class DataParallel:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_writer(self) -> bool:
        """Rank 0 writes the cache, the run directory and the terminal output."""
        return self.rank == 0

    def rounds(self, n_items: int) -> list[list[int]]:
        """Item indices per round: round r holds items r*world .. r*world+world-1 (one per rank)."""
        w = self.world_size
        return [list(range(start, min(start + w, n_items))) for start in range(0, n_items, w)]

    def mine(self, round_items: Sequence[int]) -> list[int]:
        """This rank's item in a round (none when the round is shorter than the world)."""
        return [i for pos, i in enumerate(round_items) if pos % self.world_size == self.rank]

    def gather(self, local: list[T]) -> list[T]:
        """Every rank's list, concatenated in rank order, on every rank."""
        if not self.enabled:
            return list(local)
        from accelerate.utils import gather_object

        return list(gather_object(local))

    def broadcast(self, obj: T) -> T:
        """Rank 0's object, on every rank."""
        if not self.enabled:
            return obj
        from accelerate.utils import broadcast_object_list

        box: list[Any] = [obj]
        broadcast_object_list(box, from_process=0)
        return box[0]

    def barrier(self) -> None:
        if self.enabled:
            from accelerate import PartialState

            PartialState().wait_for_everyone()

    def device(self) -> str | None:
        """The device this rank's model belongs on (`cuda:LOCAL_RANK`); None: the adapter's default."""
        if not self.enabled:
            return None
        import torch

        return f"cuda:{self.local_rank}" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=1)
def current() -> DataParallel:
    """This process's place in a launched data-parallel run; a single process when no launcher set WORLD_SIZE."""
    if launched_world_size() == 1:
        return DataParallel()
    import torch
    from accelerate import PartialState

    # On CPU accelerate needs cpu=True to pick the gloo backend under torchrun's environment.
    state = PartialState(cpu=not torch.cuda.is_available())
    return DataParallel(rank=state.process_index, world_size=state.num_processes,
                        local_rank=state.local_process_index)
