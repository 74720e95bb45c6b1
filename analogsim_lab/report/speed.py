"""Report section: the wall-clock cost of simulating the analog MVM, relative to the digital matmul
(`analogsim_lab.bench`)."""

from __future__ import annotations

import numpy as np

from .. import bench
from .context import Context, SectionResult, pyplot


def plot_speed(res: dict):
    """Analog / digital time per MVM shape, for additive and proportional read noise (`bench.run`'s result)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    names = [str(tuple(r["shape"])) for r in res["mvm"]]
    xs = np.arange(len(names))
    ax.bar(xs - 0.2, [r["ratio"] for r in res["mvm"]], 0.4, label="additive read noise")
    ax.bar(
        xs + 0.2, [r["ratio_proportional_noise"] for r in res["mvm"]], 0.4, label="proportional read noise"
    )
    ax.axhline(1.0, color="k", lw=1)
    ax.set_xticks(xs, names)
    ax.set_xlabel("(in, out, batch)")
    ax.set_ylabel("analog time / digital time")
    ax.set_title("Simulation cost of the analog MVM (same machine, same run)")
    ax.legend(fontsize=8)
    return fig


def speed_markdown(res: dict, png: str) -> str:
    """The section's text from the benchmark's result and the saved plot."""
    return f"""
Wall-clock cost of *simulating* the analog MVM with this library, relative to the plain digital `x @ W.T`, both
jitted and timed side by side (medians, interleaved calls) on this machine ({res["machine"]["cpu_count"]} CPUs,
backend {res["machine"]["backend"]}). Configuration: {res["config"]}. Rerun with `python -m analogsim_lab.bench`.

{bench.format_table(res)}

![speed]({png})

For reference (issue tracker): IBM aihwkit 1.2.0 on a 2-core machine runs its analog linear layer at 16.5x the
digital time at (1024, 1024, 256) and 10.8x at (4096, 4096, 64), and takes 1.3 s to program and 1.2 s to drift a
4096x4096 array.
"""


def speed_section(ctx: Context) -> SectionResult:
    """Time the analog MVM, programming, drift and the tiny transformer against their digital twins."""
    ctx.progress("speed: timing analog vs digital MVMs")
    res = bench.run(quick=ctx.quick, progress=lambda m: ctx.progress(f"speed: {m}"))
    png = ctx.save_figure(plot_speed(res), "speed.png")
    return SectionResult(title="Simulation speed", markdown=speed_markdown(res, png), figures=res)
