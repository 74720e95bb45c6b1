"""Report section for `analogsim.roadmap`: the paper's framework reproduced, Fig. 7, the cost projection and the
revolutionary (analog) scenario."""

from __future__ import annotations

from analogsim import roadmap

from .context import Context, SectionResult, label_axes, pyplot


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
    and at the growth that reproduces the 2028 figure (dashed), with the paper's own dollar figures."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    g, g28 = proj["param_growth_per_year"], proj["param_growth_2028"]
    for name, vals in proj["scenarios"].items():
        line = ax.semilogy(proj["years"], vals, "o-", ms=3, label=f"{name}, parameters x{g:g}/year")[0]
        ax.semilogy(
            proj["years"],
            proj["scenarios_growth_2028"][name],
            "--",
            color=line.get_color(),
            label=f"{name}, x{g28:g}/year",
        )
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


_PARTS = ("digital (GPU)", "dac", "array", "adc", "digital", "periphery", "data_movement", "weight_update")
_SYSTEMS = (("GPU", None), ("PCM", "pcm_hermes"), ("ReRAM", "reram_neurram"))


def revolutionary_components(rev: dict) -> dict:
    """Energy (MWh) of each component for each system: `{component: {system label: MWh}}`; a system priced with
    an uncalibrated table is labelled as a lower bound."""
    labels = {}
    for short, key in _SYSTEMS:
        if key is None:
            labels[short] = "GPU (all FLOPs)"
        else:
            labels[short] = short if rev[key]["calibrated"] else f"{short} (uncalibrated, lower bound)"
    out = {}
    for part in _PARTS:
        row = {}
        for short, key in _SYSTEMS:
            if part == "digital (GPU)":
                j = rev["pcm_hermes"]["gpu_baseline_j"] if key is None else rev[key]["digital_j"]
            else:
                j = 0.0 if key is None else rev[key]["analog_j"].get(part, 0.0)
            row[labels[short]] = j / 3.6e9
        out[part] = row
    return out


def plot_revolutionary(rev: dict):
    """Energy of the revolutionary scenario, one panel per component on its own linear axis, so no component
    hides under another (the digital remainder on GPUs included)."""
    plt = pyplot()
    comps = revolutionary_components(rev)
    fig, axes = plt.subplots(2, 4, figsize=(12, 5.5))
    for ax, (part, row) in zip(axes.flat, comps.items(), strict=True):
        ax.bar(range(len(row)), list(row.values()), color=["0.5", "C0", "C1"])
        ax.set_xticks(
            range(len(row)), [k.replace(" (", "\n(").replace(", lower bound", "") for k in row], fontsize=8
        )
        ax.set_title(part, fontsize=9)
        ax.set_ylabel("MWh", fontsize=8)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"Revolutionary scenario, energy by component: {rev['model']}", fontsize=10)
    fig.tight_layout()
    return fig


def _esc(text) -> str:
    """`text` with `$` escaped: a bare `$` starts inline math in GitHub Markdown."""
    return str(text).replace("$", "\\$")


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


def revolutionary_markdown(rev: dict) -> str:
    """The revolutionary scenario's totals, with the calibration of each technology table."""
    parts = []
    for key in ("pcm_hermes", "reram_neurram"):
        r = rev[key]
        flag = (
            "calibrated to a measured chip"
            if r["calibrated"]
            else "**uncalibrated** (no periphery: a lower bound)"
        )
        parts.append(
            f"{_esc(r['technology'])}, {flag}: **{r['total_j'] / 3.6e9:.0f} MWh** (x{r['energy_ratio']:.3f} of the "
            f"GPU run's {r['gpu_baseline_j'] / 3.6e9:.0f} MWh)"
        )
    return "; ".join(parts)


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

### The revolutionary scenario: matrix products on analog IMC
The same run (1.8T parameters, 8 experts) with 95 % of its FLOPs as 12288x12288 analog MVMs priced by
`analogsim.cost`, HBM traffic for every MVM's vectors, a cell rewrite per parameter per 4M-token step, and 5 % of
FLOPs left on GPUs: {revolutionary_markdown(s["revolutionary"])}. One panel per component, each on its own linear
axis: the 5 % left digital is the largest part of both analog totals. Device endurance, time and gradient precision
for analog training are not modelled here.

![revolutionary]({pngs["revolutionary"]})
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
