"""Scaling of TTS99 with the number of variables in the report's k-SAT section: median and 90th-percentile TTS99
against N per method on the 3-SAT sets, the fitted exponent with its bootstrap interval, and the reference probSAT
C code's median flips to solution as a line.

The fit is `log10 TTS99 = a + b N` (exponential scaling, the usual model for random 3-SAT at the threshold) on
the per-size medians over instances (`analogsim_lab.ksat_stats.fit_exponent`); `b` is in decades per variable, and
`10^(100 b)` is the growth of the median TTS99 per 100 more variables.
"""

from __future__ import annotations

import numpy as np

from .. import ksat_bench
from ..ksat_stats import fit_exponent
from .context import pyplot

__all__ = ["scaling_fits", "scaling_figure", "scaling_markdown"]


def _three_sat(rows, method: str) -> list[dict]:
    """`method`'s rows on 3-SAT sets that report per-instance TTS99, by increasing N."""
    picked = [
        r for r in rows if r["method"] == method and r.get("k", 3) == 3 and r.get("instance_tts99_steps")
    ]
    return sorted(picked, key=lambda r: r["n_vars"])


def scaling_fits(rows) -> dict[str, dict]:
    """Per stochastic method with at least two 3-SAT sizes: `fit_exponent` of its per-instance TTS99 (steps)
    against N (unsolved instances count as `inf`), with undefined numbers (fewer than two solved sizes) as None
    so the result is plain JSON."""
    fits = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        picked = _three_sat(rows, method)
        if len({r["n_vars"] for r in picked}) < 2:
            continue
        values = [[np.inf if v is None else v for v in r["instance_tts99_steps"]] for r in picked]
        fit = fit_exponent([r["n_vars"] for r in picked], values, against="n")
        fits[method] = {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in fit.items()}
    return fits


def scaling_figure(rows, fits: dict[str, dict]):
    """Two log-scale panels against N: median TTS99 with the fitted line, and q90 TTS99; the reference probSAT C
    median flips (one run per instance) on both."""
    plt = pyplot()
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    for method, fit in fits.items():
        picked = _three_sat(rows, method)
        ns = [r["n_vars"] for r in picked]
        med = [r["median_tts99_steps"] or np.nan for r in picked]
        q90 = [r["q90_tts99_steps"] or np.nan for r in picked]
        (line,) = axs[0].plot(ns, med, "o-", label=f"{method} ({ksat_bench.UNITS[method]})")
        if fit["slope"] is not None:
            grid = np.linspace(min(ns), max(ns), 50)
            axs[0].plot(grid, 10 ** (fit["intercept"] + fit["slope"] * grid), ":", color=line.get_color())
        axs[1].plot(ns, q90, "o-", color=line.get_color(), label=method)
    ref = sorted(ksat_bench.PROBSAT_C_FLIPS.items())
    for a in axs:
        a.plot(*zip(*ref, strict=True), "k--", label="probSAT C: median flips (one run)")
        a.set_yscale("log")
        a.set_xlabel("variables N (uniform random 3-SAT, alpha = 4.26)")
        a.grid(alpha=0.3, which="both")
        a.legend(fontsize=8)
    axs[0].set_ylabel("median TTS99 (steps); dotted: fit 10^(a + b N)")
    axs[1].set_ylabel("90th percentile TTS99 (steps)")
    return fig


def scaling_markdown(fits: dict[str, dict], png: str) -> str:
    """The scaling figure `png` and a table of the fitted exponents."""
    lines = [
        f"![TTS99 scaling]({png})",
        "",
        "Fitted scaling `median TTS99 ~ 10^(a + b N)` over the 3-SAT sets (least squares on the per-size medians; "
        "95 % interval from resampling the instances of each size); `10^(100 b)` is the growth per 100 variables. "
        "The dashed line is the reference probSAT C code's median flips to solution (cb = 2.06, eps = 0.9, one run "
        "per instance) on the SATLIB sets: a median of single runs, not a TTS99, so compare slopes rather than "
        "heights.",
        "",
        "| method | b (decades per variable) | 95 % interval | x per 100 variables | sizes fitted |",
        "|---|---|---|---|---|",
    ]
    for method, f in fits.items():
        if f["slope"] is None or f["low"] is None or f["high"] is None:
            lines.append(f"| {method} | — | — | — | {len(f['sizes'])} size(s) with a finite median: no fit |")
            continue
        sizes = ", ".join(str(int(n)) for n in f["sizes"])
        lines.append(
            f"| {method} | {f['slope']:.4f} | [{f['low']:.4f}, {f['high']:.4f}] | {10 ** (100 * f['slope']):.3g} "
            f"| {sizes} |"
        )
    return "\n".join(lines)
