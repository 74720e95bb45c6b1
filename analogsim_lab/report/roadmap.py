"""Report section for `analogsim.roadmap`: the paper's framework reproduced, Fig. 7, the cost projection and the
revolutionary (analog) scenario."""

from __future__ import annotations

from analogsim import roadmap

from .context import Context, SectionResult, label_axes, pyplot
from .roadmap_revolutionary import _esc, plot_revolutionary, revolutionary_markdown


def plot_fig7(fig7: dict):
    """Expected time to train against the number of GPUs, baseline and optimized systems (the paper's Fig. 7)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, c in fig7["curves"].items():
        ax.loglog(fig7["n_gpus"], c["wall_days"], "o-" if "baseline" in name else "s--", label=name)
    title = f"{fig7['n_params'] / 1e12:.1f}T parameters, Table 3 systems (cf. the paper's Fig. 7)"
    label_axes(ax, "GPUs", "expected time to train (days)", title, legend_size=8, which="both")
    return fig


def plot_projection(proj: dict):
    """GPU cost of the largest run by year for the Table 1 scenarios (Fig. 5): at the stated +180 %/year (solid)
    and at the growth that reproduces the 2028 figure (dashed), with the paper's own dollar figures; dotted, the
    solid curves times the analog PCM row's dollars over the GPU row's (dense GPT-3 training table)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    g, g28 = proj["param_growth_per_year"], proj["param_growth_2028"]
    for name, vals in proj["scenarios"].items():
        line = ax.semilogy(proj["years"], vals, "o-", ms=3, label=f"{name}, parameters x{g:g}/year")[0]
        for key, style, label in (
            ("scenarios_growth_2028", "--", f"x{g28:g}/year"),
            ("scenarios_analog_pcm", ":", f"analog PCM (x{proj['analog_pcm_over_gpu']:.2f} of the GPU dollars)"),
        ):
            ax.semilogy(proj["years"], proj[key][name], style, color=line.get_color(), label=f"{name}, {label}")
    pts = proj["paper_points"]
    ax.semilogy(
        [p["year"] for p in pts.values()], [p["gpu_usd"] for p in pts.values()], "k*", ms=10, label="paper"
    )
    title = (
        f"Largest run, GPU cost (cloud / {proj['cloud_over_gpu']:g}); GPT-4 with {proj['base_experts']} experts "
        f"in 2023, GPUs x{proj['gpu_perf_growth_per_year']:g}/year"
    )
    label_axes(ax, "year", "GPU cost of the run (USD)", title, title_size=9, legend_size=7, which="both")
    return fig


def _num(v: float) -> str:
    return f"{v:.3g}"


def reproduction_markdown(rows: list[dict]) -> str:
    """The reproduction table: paper vs ours, the tolerance, the computed status, the named assumption and how
    `ours` moves when it changes."""
    lines = [
        "| claim | paper | ours | unit | test | status | where | assumption | sensitivity |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        test = (
            f"within {r['tolerance']:.0%}"
            if r["relation"] == "~"
            else {"<": "ours < paper", ">": "ours > paper", "order": "same power of 10"}[r["relation"]]
        )
        sens = "; ".join(f"{_esc(s['case'])}: {_num(s['ours'])}" for s in r["sensitivity"])
        lines.append(
            f"| {_esc(r['claim'])} | {_num(r['paper'])} | {_num(r['ours'])} | {_esc(r['unit'])} | {test} | "
            f"**{r['status']}** | {r['where']} | {_esc(r['assumption'])} | {sens} |"
        )
    return "\n".join(lines)


def roadmap_markdown(s: dict, pngs: dict) -> str:
    """The section's text from `analogsim.roadmap.summary` and the saved plots `pngs` (`fig7`, `projection`,
    `revolutionary`)."""
    n_rep = sum(r["status"] == "reproduced" for r in s["reproduction"])
    return f"""
The analytical framework of Faraboschi et al., *Reducing the Barriers to Entry for Foundation Model Training*
(HPE, arXiv:2404.08811), with its Table 3 defaults (`analogsim.roadmap`). Every dollar figure comes from one
model: compute `C = 120 P^1.91 / K` (Table 3), 150 TFLOP/s per GPU in 2023 growing +69 %/year, \\$2.5 per
GPU-hour, which the paper calibrates on A100 *cloud* instances; the paper's *GPU* costs are the cloud costs over
4.8 (the ratio of both of its pairs). Each row's status is computed from the numbers (ours against the paper's
within the stated tolerance, or the paper's inequality); {n_rep} of {len(s["reproduction"])} rows reproduce.
Where the text is not enough, the row names the one assumption we add and shows how `ours` moves without it.

### Reproduction table
{reproduction_markdown(s["reproduction"])}

### Time to train vs GPUs (Fig. 7)
Optimized over baseline at 50k GPUs: **{s["saving_at_50k_gpus"]:.2f}x** (MTTI {s["mtti_hours_50k_gpus"]:.1f} h).
The absolute times rest on our Amdahl unit (16 bytes per parameter over 80 GB per model replica); the saving,
a ratio at the same GPU count, does not.

![Fig. 7]({pngs["fig7"]})

### Cost of the largest run by year (Table 1 scenarios, Fig. 5)
![projection]({pngs["projection"]})

{revolutionary_markdown(s["revolutionary"], pngs["revolutionary"])}
"""


def roadmap_section(ctx: Context) -> SectionResult:
    """The roadmap framework's reproduction table, Fig. 7, the cost projection and the revolutionary scenario."""
    ctx.progress("roadmap: framework, Fig. 7, projection, revolutionary scenario")
    s = roadmap.summary(quick=ctx.quick)
    pngs = {
        "fig7": ctx.save_figure(plot_fig7(s["fig7"]), "roadmap_fig7.png"),
        "projection": ctx.save_figure(plot_projection(s["projection"]), "roadmap_projection.png"),
        "revolutionary": ctx.save_figure(plot_revolutionary(s["revolutionary"]), "roadmap_revolutionary.png"),
    }
    return SectionResult(title="LLM training cost roadmap", markdown=roadmap_markdown(s, pngs), figures=s)
