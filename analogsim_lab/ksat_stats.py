"""Statistics over instance sets for the k-SAT benchmarks: bootstrap confidence intervals of medians and of ratios
of medians, and the fitted scaling exponent of TTS99 with the problem size.

Every median is the one of `hnn.tts_quantiles` (the `"higher"` order statistic, so an unsolved instance, TTS
`inf`, counts as larger than every solved one). Confidence intervals are percentile bootstraps over instances
(Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13) with a fixed seed, so a figure and its
interval are reproducible.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "median",
    "finite",
    "bootstrap_median_ci",
    "bootstrap_pooled_median_ci",
    "bootstrap_ratio_ci",
    "bootstrap_pooled_ratio_ci",
    "fit_exponent",
]


def median(values, axis=None):
    """The median of `hnn.tts_quantiles` (the higher middle value; `inf` ranks above every finite value)."""
    return np.quantile(np.asarray(values, np.float64), 0.5, axis=axis, method="higher")


def finite(v) -> float | None:
    """`v` as a float, or None (JSON null) when it is infinite or NaN (an unsolved instance's TTS99)."""
    return float(v) if np.isfinite(v) else None


def _check(level: float, n_boot: int):
    if not 0.0 < level < 1.0:
        raise ValueError(f"`level` (confidence level) must be in (0, 1), got {level}.")
    if not (isinstance(n_boot, int) and n_boot >= 10):
        raise ValueError(f"`n_boot` (bootstrap resamples) must be an int >= 10, got {n_boot!r}.")


def _interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    """The central `level` percentile interval of `samples` (inf allowed; NaN samples dropped)."""
    s = samples[~np.isnan(samples)]
    if s.size == 0:
        return float("nan"), float("nan")
    tail = 50.0 * (1.0 - level)
    return float(np.percentile(s, tail, method="lower")), float(
        np.percentile(s, 100.0 - tail, method="higher")
    )


def bootstrap_median_ci(
    values, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """The median of `values` over instances and its percentile-bootstrap confidence interval.

    **Arguments:**

    - `values`: one value per instance (e.g. TTS99 in steps; `inf` for an unsolved instance).
    - `level`: the confidence level of the interval.
    - `n_boot`: bootstrap resamples.
    - `seed`: the resampling seed.

    **Returns:**

    `(median, low, high)`; `high` is `inf` when unsolved instances can make up half of a resample.
    """
    _check(level, n_boot)
    v = np.asarray(values, np.float64).reshape(-1)
    if v.size == 0:
        raise ValueError("`values` is empty: pass one value per instance.")
    idx = np.random.default_rng(seed).integers(0, v.size, (n_boot, v.size))
    return (float(median(v)), *_interval(median(v[idx], axis=1), level))


def bootstrap_pooled_median_ci(
    per_instance, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """The median of several runs per instance, pooled over instances, with a cluster-bootstrap interval: each
    resample draws instances with replacement and pools all runs of the drawn instances, so the interval covers
    the variation between instances, not only between runs (runs of one instance are not independent draws from
    the set).

    **Arguments:**

    - `per_instance`: one sequence of values (e.g. flips to solution of each run; `inf` for a censored run) per
      instance.
    - `level`, `n_boot`, `seed`: as `bootstrap_median_ci`.

    **Returns:**

    `(median, low, high)`, the median over all pooled runs and its interval.
    """
    _check(level, n_boot)
    runs = [np.asarray(v, np.float64).reshape(-1) for v in per_instance]
    if not runs or any(r.size == 0 for r in runs):
        raise ValueError("`per_instance` must hold at least one instance, each with at least one value.")
    idx = np.random.default_rng(seed).integers(0, len(runs), (n_boot, len(runs)))
    meds = np.array([median(np.concatenate([runs[i] for i in row])) for row in idx])
    return (float(median(np.concatenate(runs))), *_interval(meds, level))


def bootstrap_ratio_ci(
    numer, denom, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """`median(numer) / median(denom)` over the same instances, with a paired percentile-bootstrap interval
    (each resample draws instances, and takes both methods' values of those instances).

    **Arguments:**

    - `numer`, `denom`: one value per instance each, in the same instance order.
    - `level`, `n_boot`, `seed`: as `bootstrap_median_ci`.

    **Returns:**

    `(ratio, low, high)`. A ratio with an infinite numerator median is `inf`: when the numerator method solved at
    most half of the instances, only its budget bounds the ratio from below.
    """
    _check(level, n_boot)
    a = np.asarray(numer, np.float64).reshape(-1)
    b = np.asarray(denom, np.float64).reshape(-1)
    if a.size == 0 or a.shape != b.shape:
        raise ValueError(
            f"`numer` and `denom` must hold one value per instance each, got {a.shape} and {b.shape}."
        )
    idx = np.random.default_rng(seed).integers(0, a.size, (n_boot, a.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(median(a) / median(b))
        samples = median(a[idx], axis=1) / median(b[idx], axis=1)
    return (ratio, *_interval(samples, level))


def bootstrap_pooled_ratio_ci(
    numer, denom, *, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """The ratio of two methods' pooled medians (several runs per instance, as `bootstrap_pooled_median_ci`) on the
    same instances, with a paired cluster-bootstrap interval: each resample draws instances with replacement and
    pools both methods' runs of the drawn instances.

    **Arguments:**

    - `numer`, `denom`: one sequence of runs per instance each, in the same instance order (the run counts may
      differ).
    - `level`, `n_boot`, `seed`: as `bootstrap_median_ci`.

    **Returns:**

    `(ratio, low, high)`.
    """
    _check(level, n_boot)
    a = [np.asarray(v, np.float64).reshape(-1) for v in numer]
    b = [np.asarray(v, np.float64).reshape(-1) for v in denom]
    if not a or len(a) != len(b) or any(r.size == 0 for r in a + b):
        raise ValueError(
            f"`numer` and `denom` must hold the runs of the same instances, at least one run each; got {len(a)} "
            f"and {len(b)} instances."
        )
    idx = np.random.default_rng(seed).integers(0, len(a), (n_boot, len(a)))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(median(np.concatenate(a)) / median(np.concatenate(b)))
        samples = np.array(
            [median(np.concatenate([a[i] for i in row])) / median(np.concatenate([b[i] for i in row])) for row in idx]
        )
    return (ratio, *_interval(samples, level))


def fit_exponent(
    sizes, values_per_size, *, against: str = "n", level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> dict:
    """The scaling exponent of the median over instances with the problem size, by least squares on
    `log10(median)`, with a bootstrap interval (instances resampled within each size, medians and fit redone).

    **Arguments:**

    - `sizes`: the problem sizes `N` (at least two distinct).
    - `values_per_size`: for each size, the per-instance values (e.g. TTS99 in steps; `inf` when unsolved).
    - `against`: `"n"` fits `log10 median = a + b N` (exponential scaling, `median ~ 10^(b N)`; the usual model
      for random k-SAT at the threshold); `"log_n"` fits `log10 median = a + b log10 N` (power law `N^b`).
    - `level`, `n_boot`, `seed`: as `bootstrap_median_ci`.

    **Returns:**

    A dict: `slope` (b), `intercept` (a), `low`, `high` (the interval of b), `against`, and `sizes` (the sizes
    whose median was finite, the only ones fitted). `slope` is NaN with fewer than two such sizes.
    """
    _check(level, n_boot)
    if against not in ("n", "log_n"):
        raise ValueError(f"`against` must be 'n' (exponential) or 'log_n' (power law), got {against!r}.")
    sizes = np.asarray(sizes, np.float64).reshape(-1)
    groups = [np.asarray(v, np.float64).reshape(-1) for v in values_per_size]
    if len(groups) != sizes.size or any(g.size == 0 for g in groups):
        raise ValueError("`values_per_size` must hold a non-empty list of values for each size in `sizes`.")
    xs = np.log10(sizes) if against == "log_n" else sizes
    rng = np.random.default_rng(seed)
    meds = np.array([median(g) for g in groups])
    boot = np.stack([median(g[rng.integers(0, g.size, (n_boot, g.size))], axis=1) for g in groups], axis=1)
    slope, intercept, fitted = _line(xs, meds)
    slopes = np.array([_line(xs, row)[0] for row in boot])
    low, high = _interval(slopes, level)
    return {
        "slope": slope,
        "intercept": intercept,
        "low": low,
        "high": high,
        "against": against,
        "sizes": [float(s) for s in sizes[fitted]],
    }


def _line(xs: np.ndarray, medians: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Least-squares `log10(medians) = a + b xs` over the finite positive medians: `(b, a, mask of fitted)`."""
    ok = np.isfinite(medians) & (medians > 0)
    if np.unique(xs[ok]).size < 2:
        return float("nan"), float("nan"), ok
    b, a = np.polyfit(xs[ok], np.log10(medians[ok]), 1)
    return float(b), float(a), ok
