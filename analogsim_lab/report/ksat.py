"""The k-SAT section of `analogsim report`: time-to-solution of the high-order network vs its baselines.

`ksat_section` runs the benchmark (`ksat_results`), draws its figures (`ksat_figure`, and the scaling with N from
`ksat_scaling`) and writes its Markdown (`ksat_markdown`); the section's JSON figures are the benchmark's result as
`analogsim_lab.ksat_bench.run` returns it, with the fitted scaling exponents under `scaling`.
"""

from __future__ import annotations

from analogsim.cost import CPU_POWER_W

from .. import ksat_bench
from .context import SectionResult, pyplot
from .ksat_scaling import scaling_figure, scaling_fits, scaling_markdown

__all__ = ["ksat_section", "ksat_results", "ksat_figure", "ksat_markdown"]


def ksat_section(ctx) -> SectionResult:
    """The section: benchmark, figures `ksat_tts.png` and `ksat_scaling.png`, and Markdown."""
    res = ksat_results(ctx)
    png = ctx.save_figure(ksat_figure(res["rows"]), "ksat_tts.png")
    fits = scaling_fits(res["rows"])
    scaling_png = ctx.save_figure(scaling_figure(res["rows"], fits), "ksat_scaling.png")
    md = ksat_markdown(res, png, quick=ctx.quick) + "\n" + scaling_markdown(fits, scaling_png) + "\n"
    return SectionResult(
        title="k-SAT: high-order network vs baselines", markdown=md, figures={**res, "scaling": fits}
    )


def ksat_results(ctx) -> dict:
    """The k-SAT benchmark at the report's size (`"quick"` or `"report"`), with progress lines prefixed `k-SAT:`."""
    return ksat_bench.run("quick" if ctx.quick else "report", progress=lambda m: ctx.progress(f"k-SAT: {m}"))


def _series(rows, method: str, key: str) -> list[tuple]:
    """`(n_vars, row[key])` of `method`'s rows where the value is set (and nonzero)."""
    return [(r["n_vars"], r[key]) for r in rows if r["method"] == method and r[key]]


def ksat_figure(rows):
    """Three log-scale panels against the number of variables: median TTS99 in steps, in CPU seconds per replica
    (CaDiCaL: one run) and median energy to solution."""
    plt = pyplot()
    methods = list(dict.fromkeys(r["method"] for r in rows if r["method"] != "cadical"))
    fig, axs = plt.subplots(1, 3, figsize=(17, 4.4), layout="constrained")
    for m in methods:
        if pts := _series(rows, m, "median_tts99_steps"):
            axs[0].plot(*zip(*pts, strict=True), "o-", label=f"{m} ({ksat_bench.UNITS[m]})")
        if pts := _series(rows, m, "median_tts99_s"):
            axs[1].plot(*zip(*pts, strict=True), "o-", label=m)
    for m in [*methods, "cadical"]:
        if pts := _series(rows, m, "energy_to_solution_j"):
            axs[2].plot(*zip(*pts, strict=True), "o-" if m != "cadical" else "k--", label=m)
    if pts := _series(rows, "cadical", "median_tts99_s"):
        axs[1].plot(*zip(*pts, strict=True), "k--", label="CaDiCaL (one run)")
    axs[0].set_ylabel("median TTS99 (steps)")
    axs[1].set_ylabel("median TTS99 (CPU s per replica)")
    axs[2].set_ylabel("median energy to solution (J)")
    axs[2].set_title(
        f"analog: PCM (HERMES-calibrated) per step; digital: CPU s x {CPU_POWER_W:.0f} W", fontsize=9
    )
    for a in axs:
        a.set_yscale("log")
        a.set_xlabel("variables (uniform random 3-SAT, alpha = 4.26)")
        a.grid(alpha=0.3, which="both")
        a.legend(fontsize=8)
    return fig


def _fmt(v, f="{:.3g}") -> str:
    return "—" if v is None else f.format(v)


def _table(rows) -> list[str]:
    """The benchmark rows as a Markdown table."""
    table = [
        "| method | set | N | solved | median TTS99 (steps) | q90 TTS99 (steps) | median TTS99 (s) | updates/s "
        "| energy to solution (J) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['method']} | {r['set']} | {r['n_vars']} | {r['solved']}/{r['instances']} | "
            f"{_fmt(r['median_tts99_steps'])} | {_fmt(r['q90_tts99_steps'])} | {_fmt(r['median_tts99_s'])} | "
            f"{_fmt(r['updates_per_s'], '{:.2e}')} | {_fmt(r['energy_to_solution_j'], '{:.2e}')} |"
        )
    return table


def _high_order_vs_quadratized(rows) -> list[str]:
    """Per set, the QUBO twin's median TTS99 over the high-order network's (both in parallel sweeps)."""
    ratios = []
    by = {(r["method"], r["set"]): r for r in rows}
    for (m, s), r in by.items():
        if m == "hopfield" and ("qubo", s) in by:
            q = by[("qubo", s)]
            if r["median_tts99_steps"] and q["median_tts99_steps"]:
                ratios.append(f"{s}: {q['median_tts99_steps'] / r['median_tts99_steps']:.0f}x")
            elif r["median_tts99_steps"]:
                ratios.append(f"{s}: QUBO twin solved {q['solved']}/{q['instances']} within its budget")
    return ratios


def ksat_markdown(res: dict, png: str, *, quick: bool) -> str:
    """The section's text around the figure file `png` and the table of `res["rows"]`."""
    rows = res["rows"]
    return f"""
k-SAT solved natively by the high-order Hopfield network (k-th order clause interactions, no auxiliary variables)
and by its baselines: probSAT/WalkSAT focused search driven by the same network's make/break counts, the Rosenberg
quadratization (QUBO with auxiliary variables) run with the same parallel dynamics, the high-order network on
simulated PCM crossbars (`analog`), and CaDiCaL as the exact digital solver. TTS99 = t_run ln(0.01)/ln(1 - p) per
instance from {rows[0]["replicas"] if rows else 0} independent replicas; instances from
{res["satlib"] or "generated sets (SATLIB not found)"}.

![TTS vs N]({png})

{chr(10).join(_table(rows))}

Energy to solution: the analog network's TTS99 steps times the energy of one step of its two crossbar MVMs
(`hnn.analog_step_cost`, PCM calibrated to IBM HERMES, ADCs included); digital methods: TTS99 seconds on
this CPU times an assumed {CPU_POWER_W:.0f} W.

High-order vs quadratized (median TTS99 ratio in parallel sweeps): {"; ".join(_high_order_vs_quadratized(rows)) or "n/a"}.
Rerun with `python examples/ksat.py --json ksat.json{" --quick" if quick else ""}`.
"""
