"""Report section for `analogsim.cost`: where the joules of an analog MVM go, and analog vs digital."""

from __future__ import annotations

import dataclasses

import numpy as np

from analogsim import cost

from ..workloads import ADC_BITS, MLP_SHAPES, adc_sweep, digital_devices, mlp_counts, technologies
from .context import Context, SectionResult, label_axes, pyplot

TECH_LABELS = {
    "pcm_hermes": "PCM (HERMES)",
    "reram_neurram": "ReRAM (NeuRRAM-like)",
    "gaincell": "gain cell (Leroux-like)",
}
"""How the report names the technology tables of `analogsim_lab.workloads.energy.technologies`."""


@dataclasses.dataclass
class CostStudy:
    """Everything the section prices.

    **Attributes:**

    - `hermes`: one 256x256 8-bit MVM on the HERMES-calibrated PCM table.
    - `per_tech`: the same MVM on each technology table, by report label.
    - `batch`: input vectors per MLP layer.
    - `layers`: the MLP's layers priced on PCM (HERMES).
    - `devices`: the digital baselines.
    - `compare`: `analogsim.cost.compare` of the MLP on PCM against each digital device, by device name.
    - `sweep`: the 256x256 MVM on PCM at each ADC resolution.
    """

    hermes: cost.Cost
    per_tech: dict
    calibrated: dict
    batch: int
    layers: list
    devices: list
    compare: dict
    sweep: list


def price_study(ctx: Context) -> CostStudy:
    """Count and price the MVM, the MLP and the ADC sweep; measure this CPU for the digital baseline."""
    ctx.progress("cost: pricing MVMs on the technology tables")
    techs = {TECH_LABELS[k]: t for k, t in technologies().items()}
    pcm = techs["PCM (HERMES)"]
    batch = 16 if ctx.quick else 128
    counts = mlp_counts(batch)
    ctx.progress("cost: measuring this CPU for the digital baseline")
    devices = digital_devices(ctx.quick)
    return CostStudy(
        hermes=cost.hermes_mvm(),
        per_tech={n: cost.hermes_mvm(t) for n, t in techs.items()},
        calibrated={n: t.calibrated for n, t in techs.items()},
        batch=batch,
        layers=cost.price_all(counts, pcm)[0],
        devices=devices,
        compare={d.name: cost.compare(counts, pcm, d) for d in devices},
        sweep=adc_sweep(pcm),
    )


def cost_figures(s: CostStudy) -> dict:
    """The section's numbers (JSON)."""
    return {
        "hermes_mvm_energy_nj": s.hermes.total_j * 1e9,
        "hermes_mvm_latency_ns": s.hermes.latency_s * 1e9,
        "hermes_tops_per_w": s.hermes.tops_per_w,
        "mvm_256_by_tech": {n: c.as_dict() for n, c in s.per_tech.items()},
        "calibrated_by_tech": s.calibrated,
        "adc_sweep": {"bits": ADC_BITS, "total_nj": [c.total_j * 1e9 for c in s.sweep]},
        "mlp_batch": s.batch,
        "mlp_vs_digital": s.compare,
    }


# ---------------------------------------------------------------------------------------------------------------
# plot


def _stacked(ax, labels, rows, title):
    bottom = np.zeros(len(labels))
    for comp in cost.COMPONENTS:
        vals = np.array([r[comp] for r in rows])
        if np.any(vals > 0):
            ax.bar(labels, vals, bottom=bottom, label=comp)
            bottom += vals
    label_axes(ax, None, None, title, title_size=10, legend_size=7, axis="y")


def plot_joules(s: CostStudy):
    """Three panels: the 256x256 MVM's energy by component per technology, the PCM MLP layers by component, and the
    MVM's total and ADC energy against ADC bits."""
    plt = pyplot()
    fig, axs = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    by_tech = [{k: v * 1e9 for k, v in c.energy_j.items()} for c in s.per_tech.values()]
    _stacked(axs[0], list(s.per_tech), by_tech, "one 256x256 8-bit MVM (nJ)")
    axs[0].tick_params(axis="x", labelsize=7)
    by_layer = [{k: v * 1e6 for k, v in r.energy_j.items()} for r in s.layers]
    _stacked(axs[1], [r.name for r in s.layers], by_layer, f"PCM MLP layers, batch {s.batch} (uJ)")
    axs[2].plot(ADC_BITS, [c.total_j * 1e9 for c in s.sweep], "o-", label="total")
    axs[2].plot(ADC_BITS, [c.energy_j["adc"] * 1e9 for c in s.sweep], "s-", label="ADC")
    axs[2].set_yscale("log")
    ylabel, title = "nJ per 256x256 MVM", "PCM: ADC resolution"
    label_axes(axs[2], "ADC bits", ylabel, title, title_size=10, legend_size=8, which="both")
    return fig


def plot_vs_digital(s: CostStudy):
    """Energy of each MLP layer and the total: analog PCM against each digital device (log scale)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    names = [r.name for r in s.layers] + ["total"]
    xs = np.arange(len(names))
    w = 0.8 / (len(s.devices) + 1)
    analog = [r.total_j for r in s.layers] + [sum(r.total_j for r in s.layers)]
    ax.bar(xs, analog, w, label="analog PCM (HERMES)")
    for i, d in enumerate(s.devices):
        c = s.compare[d.name]
        digital = [r["digital_energy_j"] for r in c["layers"]] + [c["total"]["digital_energy_j"]]
        ax.bar(xs + (i + 1) * w, digital, w, label=d.name)
    ax.set_yscale("log")
    ax.set_xticks(xs + 0.4 - w / 2, names)
    title = f"MLP layers, batch {s.batch}: analog vs digital (roofline x power)"
    label_axes(ax, None, "energy (J)", title, legend_size=7, which="both", axis="y")
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Markdown


def cost_markdown(s: CostStudy, pngs: dict) -> str:
    """The section's text from the study and the saved plots `pngs` (`joules`, `vs_digital`)."""
    hermes, cpu = s.hermes, s.devices[-1]
    table = "\n".join(
        f"| {n} | {c['total']['total_j']:.3e} | {c['total']['digital_energy_j']:.3e} | "
        f"{c['total']['energy_ratio']:.3g} | {c['total']['time_s']:.3e} | {c['total']['digital_time_s']:.3e} | "
        f"{c['total']['time_ratio']:.3g} | {', '.join(r['digital_bound'] for r in c['layers'])} |"
        for n, c in s.compare.items()
    )
    tech_rows = "\n".join(
        f"| {n} | {c.total_j * 1e9:.2f} | {c.latency_s * 1e9:.0f} | {c.tops_per_w:.1f} | "
        f"{100 * c.energy_j['adc'] / c.total_j:.0f}% | {100 * c.energy_j['periphery'] / c.total_j:.0f}% | "
        f"{'yes' if s.calibrated[n] else 'no: lower bound'} |"
        for n, c in s.per_tech.items()
    )
    return f"""
Every DAC conversion, cell read, ADC conversion, digital tile-sum add and rescale, and dynamic-array write is
counted from the shapes and the `CrossbarConfig` (`analogsim.cost.count_mvm`) and priced by a technology table
with a source for every number (`tech.sources`). The PCM table is calibrated to IBM HERMES (Le Gallo et al.,
Nature Electronics 2023): one 256x256 8-bit MVM prices at **{hermes.total_j * 1e9:.2f} nJ, {hermes.latency_s * 1e9:.0f} ns,
{hermes.tops_per_w:.2f} TOPS/W** (published: 13.4 nJ, 133 ns, 9.76 TOPS/W). The periphery term is the calibration
residual (what the DAC, cell, ADC and digital models do not explain); the ReRAM and gain-cell tables are
bottom-up estimates without a measured total, hence lower bounds. ADC energy follows a Walden figure-of-merit
model (Murmann's survey) in bits and sample rate.

![where the joules go]({pngs["joules"]})

| technology | nJ per 256x256 MVM | latency (ns) | TOPS/W | ADC share | periphery share | calibrated to a chip |
|---|---|---|---|---|---|---|
{tech_rows}

### Analog PCM vs digital, MLP {list(MLP_SHAPES)} at batch {s.batch}
Digital: roofline time `max(FLOPs / rate, bytes / bandwidth)` times board power (A100 312 TFLOP/s, 2.0 TB/s,
400 W; H100 and H200 989 TFLOP/s, 3.35 and 4.8 TB/s, 700 W: NVIDIA datasheets); the CPU's rate and bandwidth
are measured now ({cpu.flops_per_s / 1e9:.1f} GFLOP/s, {cpu.bytes_per_s / 1e9:.1f} GB/s) at an
assumed {cpu.power_w:g} W. Analog: all tiles in parallel, reads pipelined (time), one vector's latency reported separately
in `results.json`. Ratios are analog / digital.

![analog vs digital]({pngs["vs_digital"]})

| digital device | analog J | digital J | energy ratio | analog s | digital s | time ratio | digital bound per layer |
|---|---|---|---|---|---|---|---|
{table}
"""


def cost_section(ctx: Context) -> SectionResult:
    """Price one HERMES-sized MVM on each technology, an MLP on PCM against GPUs and this CPU, and an ADC sweep."""
    s = price_study(ctx)
    pngs = {
        "joules": ctx.save_figure(plot_joules(s), "cost_joules.png"),
        "vs_digital": ctx.save_figure(plot_vs_digital(s), "cost_vs_digital.png"),
    }
    return SectionResult(
        title="Energy and time: analog vs digital", markdown=cost_markdown(s, pngs), figures=cost_figures(s)
    )
