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
    """Cost of the largest run by year for the Table 1 scenarios, on GPUs and on analog PCM."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, vals in proj["scenarios"].items():
        line = ax.semilogy(proj["years"], vals, "o-", label=f"{name} (GPUs)")[0]
        ax.semilogy(
            proj["years"],
            proj["scenarios_analog_pcm"][name],
            "--",
            color=line.get_color(),
            label=f"{name} (analog PCM, energy-proportional)",
        )
    ax.axhline(19e9, color="k", lw=1, ls=":", label="paper: $19B in 2028")
    title = (
        f"Table 1 scenarios (parameters x{proj['param_growth_per_year']:.2f}/year, "
        f"GPUs x{proj['gpu_perf_growth_per_year']:.2f}/year)"
    )
    ylabel = "cost of the largest run (USD)"
    label_axes(ax, "year", ylabel, title, title_size=10, legend_size=7, which="both")
    return fig


def plot_revolutionary(rev: dict):
    """Energy by component of the revolutionary scenario: the GPU run, PCM and ReRAM (with the digital remainder)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = ["GPU (all FLOPs)", "PCM (HERMES)", "ReRAM (NeuRRAM-like)"]
    parts = ["digital (GPU)", "dac", "array", "adc", "digital", "periphery", "data_movement", "weight_update"]
    vals = {p: [0.0, 0.0, 0.0] for p in parts}
    vals["digital (GPU)"] = [
        rev["pcm_hermes"]["gpu_baseline_j"],
        rev["pcm_hermes"]["digital_j"],
        rev["reram_neurram"]["digital_j"],
    ]
    for j, k in ((1, "pcm_hermes"), (2, "reram_neurram")):
        for p in parts[1:]:
            vals[p][j] = rev[k]["analog_j"].get(p, 0.0)
    bottom = [0.0, 0.0, 0.0]
    for p in parts:
        if any(v > 0 for v in vals[p]):
            ax.bar(labels, [v / 3.6e9 for v in vals[p]], bottom=bottom, label=p)
            bottom = [b + v / 3.6e9 for b, v in zip(bottom, vals[p], strict=True)]
    ax.set_yscale("log")
    title = f"Revolutionary scenario: {rev['model']}"
    label_axes(ax, None, "energy (MWh)", title, title_size=9, legend_size=7, which="both", axis="y")
    return fig


def _esc(text) -> str:
    """`text` with `$` escaped: a bare `$` starts inline math in GitHub Markdown."""
    return str(text).replace("$", "\\$")


def roadmap_markdown(s: dict, pngs: dict) -> str:
    """The section's text from `analogsim.roadmap.summary` and the saved plots `pngs` (`fig7`, `projection`,
    `revolutionary`)."""
    rev = s["revolutionary"]
    table = "\n".join(
        f"| {_esc(r['claim'])} | {_esc(r['paper_value'])} | {_esc(r['framework_value'])} | {r['status']} | "
        f"{_esc(r['assumptions'])} |"
        for r in s["reproduction"]
    )
    pcm, rram = rev["pcm_hermes"], rev["reram_neurram"]
    return f"""
The analytical framework of Faraboschi et al., *Reducing the Barriers to Entry for Foundation Model Training*
(HPE, arXiv:2404.08811), with its Table 3 defaults (`analogsim.roadmap`): compute `C = 6 P T = 120 P^2`
(MoE: `/K`), GPU-hours at 150 TFLOP/s and \\$2.5 each, MTTI from the GPU (950k h) and CPU (1.5M h) MTBFs with 4 GPUs
per CPU, checkpoints of all GPU memory (80 GB) at 500 GB/s (optimized: 2 TB/s, half the memory, 5 of 100 failed
data-parallel groups tolerated, 2 h recovery), Daly's optimal interval and expected wall time, Amdahl with a 1 %
sequential fraction. The paper's full text could not be retrieved when this was written, so the failure model,
the Amdahl unit and the projection's growth law are standard models chosen by us and named in the table.

### Reproduction table
| claim | paper | framework | status | assumptions |
|---|---|---|---|---|
{table}

### Time to train vs GPUs (Fig. 7)
Optimized over baseline at 50k GPUs: **{s["saving_at_50k_gpus"]:.2f}x** (MTTI {s["mtti_hours_50k_gpus"]:.1f} h).

![Fig. 7]({pngs["fig7"]})

### Cost of the largest run by year (Table 1 scenarios)
![projection]({pngs["projection"]})

### The revolutionary scenario: matrix products on analog IMC
The same run (1.8T parameters, 8 experts) with 95 % of its FLOPs as 12288x12288 analog MVMs priced by
`analogsim.cost` (ADC, periphery, tile sums), HBM traffic for every MVM's vectors (3.9 pJ/bit), a cell rewrite
per parameter per 4M-token step, and 5 % of FLOPs left on GPUs: PCM (HERMES) **{pcm["total_j"] / 3.6e9:.0f} MWh**
(x{pcm["energy_ratio"]:.3f} of the GPU run's {pcm["gpu_baseline_j"] / 3.6e9:.0f} MWh), ReRAM
{rram["total_j"] / 3.6e9:.0f} MWh (x{rram["energy_ratio"]:.3f}). The 5 % left digital dominates both analog
totals: the digital remainder, not the ADCs, bounds the saving (Amdahl for energy). Dollar figures assume the
analog system costs as much per joule as a GPU system (the dashed projection lines); device endurance and
gradient precision for analog training are not priced.

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
