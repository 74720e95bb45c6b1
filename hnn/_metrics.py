"""Time-to-solution metrics.

TTS99 is the expected time to find a solution with 99% confidence by repeating independent runs of length `t_run`
that each succeed with probability `p`: `TTS99 = t_run * ln(1 - 0.99) / ln(1 - p)` (at least one run), the standard
figure of merit for Ising machines and stochastic solvers (e.g. Aramon et al., Front. Phys. 7, 48, 2019; Hizzani et
al., ISCAS 2024).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["tts99", "tts_quantiles"]


def tts99(hit_times, *, t_run: float | None = None, target: float = 0.99) -> float:
    """TTS99 of one instance from the first-hit times of independent runs.

    **Arguments:**

    - `hit_times`: for each run, the time at which it first satisfied the formula, in any unit (steps, flips,
      seconds); a negative, NaN or infinite entry marks a run that did not succeed within its budget (e.g.
      `Solution.replica_hit_step` from `hnn.solve(..., stop="all")`).
    - `t_run`: the run length. `p` is the fraction of runs with `hit <= t_run`. If None, the best run length among
      the observed hit times is used (optimal restarts), which requires the runs to have lasted at least that long.
    - `target`: the success probability (0.99).

    **Returns:**

    TTS99 in the unit of `hit_times`; `inf` when no run succeeded.
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"`target` must be in (0, 1), got {target}.")
    h = np.asarray(hit_times, np.float64).reshape(-1)
    if h.size == 0:
        raise ValueError("`hit_times` is empty: pass one entry per run.")
    solved = np.isfinite(h) & (h >= 0)
    if t_run is not None:
        if not t_run > 0:
            raise ValueError(f"`t_run` must be positive, got {t_run}.")
        return _tts(t_run, float(np.mean(solved & (h <= t_run))), target)
    if not solved.any():
        return math.inf
    candidates = np.unique(h[solved])
    p = np.searchsorted(np.sort(h[solved]), candidates, side="right") / h.size
    return float(
        min(_tts(float(max(t, 1e-300)), float(pi), target) for t, pi in zip(candidates, p, strict=False))
    )


def _tts(t_run: float, p: float, target: float) -> float:
    """Time to reach `target` with runs of length `t_run` that each succeed with probability `p` (at least one)."""
    if p <= 0.0:
        return math.inf
    if p >= target:
        return t_run
    return t_run * max(1.0, math.log(1.0 - target) / math.log(1.0 - p))


def tts_quantiles(values, quantiles=(0.5, 0.9)) -> tuple[float, ...]:
    """Quantiles (default: median and 90th percentile) of per-instance TTS values over an instance set; unsolved
    instances (`inf`) count as larger than every solved one."""
    v = np.asarray(values, np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("`values` is empty.")
    return tuple(float(np.quantile(v, q, method="higher")) for q in quantiles)
