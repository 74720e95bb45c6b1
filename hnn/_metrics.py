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
    - `t_run`: the run length. `p` is the fraction of runs with `hit <= t_run`. If None, the run length is chosen
      (optimal restarts) by cross-validation, so that the choice does not bias the figure low: the runs are split
      into two halves (even and odd positions); on each half the run length is the observed hit time that
      minimises that half's TTS99 among those reached by at least a quarter of its successful runs (the floor
      keeps a single lucky early hit from setting the run length); that run length is then scored on the *other*
      half; the two scores are combined as rates (`2 / (1/a + 1/b)`, so a half with no success at the chosen run
      length counts as rate 0 instead of making the result infinite). Choosing and scoring on the same runs, as
      an in-sample minimum does, picks the luckiest run length: for geometric first-hit times, whose true TTS99
      is the same for every run length, it reports about half the truth with 32 runs. This needs at least 2 runs,
      and the runs must have lasted at least as long as the chosen run length.
    - `target`: the success probability (0.99).

    **Returns:**

    TTS99 in the unit of `hit_times`; `inf` when no run succeeded (with `t_run=None`: when neither half's run
    length succeeds on the other half).
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"`target` must be in (0, 1), got {target}.")
    h = np.asarray(hit_times, np.float64).reshape(-1)
    if h.size == 0:
        raise ValueError("`hit_times` is empty: pass one entry per run.")
    h = np.where(np.isfinite(h) & (h >= 0), h, np.inf)  # unsolved runs never hit
    if t_run is not None:
        if not t_run > 0:
            raise ValueError(f"`t_run` must be positive, got {t_run}.")
        return _tts(t_run, float(np.mean(h <= t_run)), target)
    if h.size < 2:
        raise ValueError(
            "choosing the run length (`t_run=None`) needs at least 2 runs (one half chooses, the other scores); "
            "pass `t_run` for a single run."
        )
    rates = []
    for choose, score in ((h[0::2], h[1::2]), (h[1::2], h[0::2])):
        t = _best_run_length(choose, target)
        rates.append(0.0 if t is None else 1.0 / _tts(t, float(np.mean(score <= t)), target))
    return math.inf if sum(rates) == 0.0 else 2.0 / sum(rates)


def _best_run_length(h, target: float) -> float | None:
    """The hit time of `h` (unsolved runs as `inf`) that minimises TTS99 among those reached by at least a quarter
    of the successful runs; None when no run succeeded."""
    solved = np.sort(h[np.isfinite(h)])
    if solved.size == 0:
        return None
    candidates = np.unique(solved)
    counts = np.searchsorted(solved, candidates, side="right")
    keep = counts >= max(1, math.ceil(solved.size / 4))
    tts = [_tts(float(max(t, 1e-300)), c / h.size, target) for t, c in zip(candidates[keep], counts[keep], strict=True)]
    return float(max(candidates[keep][int(np.argmin(tts))], 1e-300))


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
