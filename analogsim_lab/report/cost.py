"""Report section for :mod:`analogsim.cost`: where the joules of an analog MVM go, and analog vs digital."""

from __future__ import annotations

import numpy as np

from analogsim import ADC, DAC, CrossbarConfig, cost

from .core import Context, SectionResult

MLP = ((4096, 1024), (4096, 4096), (1024, 4096))


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _stacked(ax, labels, rows, title):
    bottom = np.zeros(len(labels))
    for comp in cost.COMPONENTS:
        vals = np.array([r[comp] for r in rows])
        if np.any(vals > 0):
            ax.bar(labels, vals, bottom=bottom, label=comp)
            bottom += vals
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")


def cost_section(ctx: Context) -> SectionResult:
    plt = _plt()
    ctx.progress("cost: pricing MVMs on the technology tables")
    techs = {
        "PCM (HERMES)": cost.pcm_hermes(),
        "ReRAM (NeuRRAM-like)": cost.reram_neurram(),
        "gain cell (Leroux-like)": cost.gaincell_leroux(),
    }
    hermes = cost.hermes_mvm()
    per_tech = {n: cost.hermes_mvm(t) for n, t in techs.items()}
    batch = 16 if ctx.quick else 128
    cfg = CrossbarConfig(dac=DAC(bits=8), adc=ADC(bits=8), tile=(256, 256))
    layers = [cost.count_mvm(s, cfg, batch=batch, name=f"{s[0]}x{s[1]}") for s in MLP]
    ctx.progress("cost: measuring this CPU for the digital baseline")
    devices = [cost.a100(), cost.h100(), cost.h200(), cost.measure_cpu(n=256 if ctx.quick else 1024)]
    cmp_pcm = {d.name: cost.compare(layers, techs["PCM (HERMES)"], d) for d in devices}
    sweep_bits = list(range(2, 13))
    sweep = [
        cost.price(
            cost.count_mvm((256, 256), CrossbarConfig(dac=DAC(bits=8), adc=ADC(bits=b), tile=(256, 256))),
            techs["PCM (HERMES)"],
        )
        for b in sweep_bits
    ]

    fig, axs = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    _stacked(
        axs[0],
        list(per_tech),
        [{k: v * 1e9 for k, v in c.energy_j.items()} for c in per_tech.values()],
        "one 256x256 8-bit MVM (nJ)",
    )
    axs[0].tick_params(axis="x", labelsize=7)
    rows, _ = cost.price_all(layers, techs["PCM (HERMES)"])
    _stacked(
        axs[1],
        [r.name for r in rows],
        [{k: v * 1e6 for k, v in r.energy_j.items()} for r in rows],
        f"PCM MLP layers, batch {batch} (uJ)",
    )
    axs[2].plot(sweep_bits, [c.total_j * 1e9 for c in sweep], "o-", label="total")
    axs[2].plot(sweep_bits, [c.energy_j["adc"] * 1e9 for c in sweep], "s-", label="ADC")
    axs[2].set_yscale("log")
    axs[2].set_xlabel("ADC bits")
    axs[2].set_ylabel("nJ per 256x256 MVM")
    axs[2].set_title("PCM: ADC resolution", fontsize=10)
    axs[2].legend(fontsize=8)
    axs[2].grid(alpha=0.3, which="both")
    joules_png = ctx.save_figure(fig, "cost_joules.png")

    fig, ax = plt.subplots(figsize=(7, 4))
    names = [r.name for r in rows] + ["total"]
    xs = np.arange(len(names))
    w = 0.8 / (len(devices) + 1)
    ax.bar(xs, [r.total_j for r in rows] + [sum(r.total_j for r in rows)], w, label="analog PCM (HERMES)")
    for i, d in enumerate(devices):
        c = cmp_pcm[d.name]
        ax.bar(
            xs + (i + 1) * w,
            [r["digital_energy_j"] for r in c["layers"]] + [c["total"]["digital_energy_j"]],
            w,
            label=d.name,
        )
    ax.set_yscale("log")
    ax.set_xticks(xs + 0.4 - w / 2, names)
    ax.set_ylabel("energy (J)")
    ax.set_title(f"MLP layers, batch {batch}: analog vs digital (roofline x power)")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y", which="both")
    cmp_png = ctx.save_figure(fig, "cost_vs_digital.png")

    figures = {
        "hermes_mvm_energy_nj": hermes.total_j * 1e9,
        "hermes_mvm_latency_ns": hermes.latency_s * 1e9,
        "hermes_tops_per_w": hermes.tops_per_w,
        "mvm_256_by_tech": {n: c.as_dict() for n, c in per_tech.items()},
        "adc_sweep": {"bits": sweep_bits, "total_nj": [c.total_j * 1e9 for c in sweep]},
        "mlp_batch": batch,
        "mlp_vs_digital": cmp_pcm,
    }
    table = "\n".join(
        f"| {n} | {c['total']['total_j']:.3e} | {c['total']['digital_energy_j']:.3e} | "
        f"{c['total']['energy_ratio']:.3g} | {c['total']['time_s']:.3e} | {c['total']['digital_time_s']:.3e} | "
        f"{c['total']['time_ratio']:.3g} | {', '.join(r['digital_bound'] for r in c['layers'])} |"
        for n, c in cmp_pcm.items()
    )
    tech_rows = "\n".join(
        f"| {n} | {c.total_j * 1e9:.2f} | {c.latency_s * 1e9:.0f} | {c.tops_per_w:.1f} | "
        f"{100 * c.energy_j['adc'] / c.total_j:.0f}% | {100 * c.energy_j['periphery'] / c.total_j:.0f}% |"
        for n, c in per_tech.items()
    )
    md = f"""
Every DAC conversion, cell read, ADC conversion, digital tile-sum add and rescale, and dynamic-array write is
counted from the shapes and the `CrossbarConfig` (`analogsim.cost.count_mvm`) and priced by a technology table
with a source for every number (`tech.sources`). The PCM table is calibrated to IBM HERMES (Le Gallo et al.,
Nature Electronics 2023): one 256x256 8-bit MVM prices at **{hermes.total_j * 1e9:.2f} nJ, {hermes.latency_s * 1e9:.0f} ns,
{hermes.tops_per_w:.2f} TOPS/W** (published: 13.4 nJ, 133 ns, 9.76 TOPS/W). The periphery term is the calibration
residual (what the DAC, cell, ADC and digital models do not explain); the ReRAM and gain-cell tables are
bottom-up estimates without a measured total, hence lower bounds. ADC energy follows a Walden figure-of-merit
model (Murmann's survey) in bits and sample rate.

![where the joules go]({joules_png})

| technology | nJ per 256x256 MVM | latency (ns) | TOPS/W | ADC share | periphery share |
|---|---|---|---|---|---|
{tech_rows}

### Analog PCM vs digital, MLP {list(MLP)} at batch {batch}
Digital: roofline time `max(FLOPs / rate, bytes / bandwidth)` times board power (A100 312 TFLOP/s, 2.0 TB/s,
400 W; H100 and H200 989 TFLOP/s, 3.35 and 4.8 TB/s, 700 W: NVIDIA datasheets); the CPU's rate and bandwidth
are measured now ({devices[-1].flops_per_s / 1e9:.1f} GFLOP/s, {devices[-1].bytes_per_s / 1e9:.1f} GB/s) at an
assumed 65 W. Analog: all tiles in parallel, reads pipelined (time), one vector's latency reported separately
in `results.json`. Ratios are analog / digital.

![analog vs digital]({cmp_png})

| digital device | analog J | digital J | energy ratio | analog s | digital s | time ratio | digital bound per layer |
|---|---|---|---|---|---|---|---|
{table}
"""
    return SectionResult(title="Energy and time: analog vs digital", markdown=md, figures=figures)
