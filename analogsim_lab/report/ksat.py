"""The k-SAT section of `analogsim report`: time-to-solution of the high-order network vs its baselines."""

from __future__ import annotations

from .. import ksat_bench as _bench
from .core import SectionResult


def ksat_section(ctx):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = _bench.run("quick" if ctx.quick else "report", progress=lambda m: ctx.progress(f"k-SAT: {m}"))
    rows = res["rows"]
    methods = list(dict.fromkeys(r["method"] for r in rows if r["method"] != "cadical"))
    fig, axs = plt.subplots(1, 3, figsize=(17, 4.4), layout="constrained")
    for m in methods:
        pts = [
            (r["n_vars"], r["median_tts99_steps"])
            for r in rows
            if r["method"] == m and r["median_tts99_steps"]
        ]
        if pts:
            axs[0].plot(*zip(*pts, strict=True), "o-", label=f"{m} ({_bench.UNITS[m]})")
        pts_s = [(r["n_vars"], r["median_tts99_s"]) for r in rows if r["method"] == m and r["median_tts99_s"]]
        if pts_s:
            axs[1].plot(*zip(*pts_s, strict=True), "o-", label=m)
    for m in [*methods, "cadical"]:
        pts_e = [
            (r["n_vars"], r["energy_to_solution_j"])
            for r in rows
            if r["method"] == m and r["energy_to_solution_j"]
        ]
        if pts_e:
            axs[2].plot(*zip(*pts_e, strict=True), "o-" if m != "cadical" else "k--", label=m)
    cad = [
        (r["n_vars"], r["median_tts99_s"]) for r in rows if r["method"] == "cadical" and r["median_tts99_s"]
    ]
    if cad:
        axs[1].plot(*zip(*cad, strict=True), "k--", label="CaDiCaL (one run)")
    axs[0].set_ylabel("median TTS99 (steps)")
    axs[1].set_ylabel("median TTS99 (CPU s per replica)")
    axs[2].set_ylabel("median energy to solution (J)")
    axs[2].set_title("analog: PCM (HERMES-calibrated) per step; digital: CPU s x 65 W", fontsize=9)
    for a in axs:
        a.set_yscale("log")
        a.set_xlabel("variables (uniform random 3-SAT, alpha = 4.26)")
        a.grid(alpha=0.3, which="both")
        a.legend(fontsize=8)
    png = ctx.save_figure(fig, "ksat_tts.png")

    def fmt(v, f="{:.3g}"):
        return "—" if v is None else f.format(v)

    table = [
        "| method | set | N | solved | median TTS99 (steps) | q90 TTS99 (steps) | median TTS99 (s) | updates/s "
        "| energy to solution (J) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['method']} | {r['set']} | {r['n_vars']} | {r['solved']}/{r['instances']} | "
            f"{fmt(r['median_tts99_steps'])} | {fmt(r['q90_tts99_steps'])} | {fmt(r['median_tts99_s'])} | "
            f"{fmt(r['updates_per_s'], '{:.2e}')} | {fmt(r['energy_to_solution_j'], '{:.2e}')} |"
        )
    ratios = []
    by = {(r["method"], r["set"]): r for r in rows}
    for (m, s), r in by.items():
        if m == "hopfield" and ("qubo", s) in by:
            q = by[("qubo", s)]
            if r["median_tts99_steps"] and q["median_tts99_steps"]:
                ratios.append(f"{s}: {q['median_tts99_steps'] / r['median_tts99_steps']:.0f}x")
            elif r["median_tts99_steps"]:
                ratios.append(f"{s}: QUBO twin solved {q['solved']}/{q['instances']} within its budget")
    md = f"""
k-SAT solved natively by the high-order Hopfield network (k-th order clause interactions, no auxiliary variables)
and by its baselines: probSAT/WalkSAT focused search driven by the same network's make/break counts, the Rosenberg
quadratization (QUBO with auxiliary variables) run with the same parallel dynamics, the high-order network on
simulated PCM crossbars (`analog`), and CaDiCaL as the exact digital solver. TTS99 = t_run ln(0.01)/ln(1 - p) per
instance from {rows[0]["replicas"] if rows else 0} independent replicas; instances from
{res["satlib"] or "generated sets (SATLIB not found)"}.

![TTS vs N]({png})

{chr(10).join(table)}

Energy to solution: the analog network's TTS99 steps times the energy of one step of its two crossbar MVMs
(`hnn._hardware.analog_step_cost`, PCM calibrated to IBM HERMES, ADCs included); digital methods: TTS99 seconds on
this CPU times an assumed 65 W.

High-order vs quadratized (median TTS99 ratio in parallel sweeps): {"; ".join(ratios) or "n/a"}.
Rerun with `python examples/ksat.py --json ksat.json{" --quick" if ctx.quick else ""}`.
"""
    return SectionResult(title="k-SAT: high-order network vs baselines", markdown=md, figures={**res})


__all__ = ["ksat_section"]
