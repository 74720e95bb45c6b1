"""Wall-clock medians of JAX calls, the one timer every benchmark and measured baseline uses."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import jax
import numpy as np


def median_times(
    fns: Mapping[str, Callable[[], Any]],
    *,
    repeats: int = 5,
    min_seconds: float = 0.0,
    max_rounds: int = 1000,
    warmup: int = 2,
) -> dict[str, float]:
    """Median wall time in seconds of each zero-argument function in `fns`.

    Each function is called `warmup` times first (compilation, caches), then the functions are called round-robin
    for at least `repeats` rounds and, while fewer than `min_seconds` have passed, for more rounds (at most
    `max_rounds`): functions compared side by side see the same machine load, and sub-millisecond calls get enough
    samples for a stable median on a shared machine. Results are blocked on (`jax.block_until_ready`) before the
    clock stops, so asynchronous dispatch is not mistaken for speed.

    **Arguments:**

    - `fns`: zero-argument functions by name.
    - `repeats`: the least number of timed rounds.
    - `min_seconds`: keep timing rounds until this much wall time has passed (at most `max_rounds` rounds).
    - `max_rounds`: the most timed rounds when `min_seconds` asks for more than `repeats`.
    - `warmup`: untimed calls of each function before the first round.

    **Returns:**

    The median seconds per call, by name.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be an integer >= 0, got {warmup!r}")
    if not min_seconds >= 0:
        raise ValueError(f"min_seconds must be >= 0, got {min_seconds!r}")
    if not fns:
        raise ValueError("fns must hold at least one function to time")
    for f in fns.values():
        for _ in range(warmup):
            jax.block_until_ready(f())
    times: dict[str, list[float]] = {k: [] for k in fns}
    start = time.perf_counter()
    rounds = 0
    while rounds < repeats or (time.perf_counter() - start < min_seconds and rounds < max_rounds):
        for k, f in fns.items():
            t0 = time.perf_counter()
            jax.block_until_ready(f())
            times[k].append(time.perf_counter() - t0)
        rounds += 1
    return {k: float(np.median(v)) for k, v in times.items()}


def median_time(fn: Callable[[], Any], **kwargs) -> float:
    """Median wall time in seconds of one zero-argument function (see `median_times` for the options)."""
    return median_times({"f": fn}, **kwargs)["f"]
