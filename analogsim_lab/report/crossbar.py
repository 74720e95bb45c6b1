"""Report section for the crossbar core: MVM accuracy against converter resolution, devices, time after
programming, stuck-at faults, IR drop and array size, next to the digital int8 baseline."""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax.random as jr

from analogsim import ADC, DAC, CrossbarConfig, IRDrop, StuckAt, program
from analogsim.devices import Ideal, ReRAM
from analogsim.nn import TIMES

from ..presets import pcm_8bit
from ..workloads import int8_mvm, mc_errors, mvm_problem, relative_error
from .context import Context, SectionResult, label_axes, pyplot

BITS = list(range(2, 11))
"""Converter resolutions of the DAC/ADC sweep."""
FAULT_FRACTIONS = [0.0, 0.001, 0.01, 0.05]
"""Fractions of stuck cells (half at `g_min`, half at `g_max`)."""
R_WIRE_OHM = [0.0, 1.0, 3.0, 10.0]
"""Wire resistances per cell of the IR-drop sweep (0: no IR drop)."""


def _mean_std(errors: list) -> dict:
    return {"mean": [float(e.mean()) for e in errors], "std": [float(e.std()) for e in errors]}


# ---------------------------------------------------------------------------------------------------------------
# compute


def converter_sweep(W, x, y_ref) -> dict:
    """Relative MVM error on ideal devices for DAC-only, ADC-only and both converters at each of `BITS`."""
    plain_dac = DAC(bits=None, bound=1.0)  # input scaling, no quantization
    sweeps = {"DAC only": [], "ADC only": [], "DAC and ADC": []}
    for b in BITS:
        for name, dac, adc in (
            ("DAC only", DAC(bits=b), ADC(bits=None, bound=None)),
            ("ADC only", plain_dac, ADC(bits=b)),
            ("DAC and ADC", DAC(bits=b), ADC(bits=b)),
        ):
            cfg = CrossbarConfig(device=Ideal(), dac=dac, adc=adc)
            sweeps[name].append(float(relative_error(program(W, cfg)(x), y_ref)))
    return {"bits": BITS, **sweeps}


def device_configs() -> dict[str, CrossbarConfig]:
    """The compared hardware: 8-bit converters and 1 % additive read noise behind PCM and ReRAM, with and without
    drift compensation, and an ideal device behind 8-bit converters alone."""
    pcm = pcm_8bit(read_noise_std=0.01)
    pcm_gdc = pcm_8bit(read_noise_std=0.01, drift_compensation=True)
    with_device = lambda cfg, device: eqx.tree_at(lambda c: c.device, cfg, device)
    return {
        "Ideal device, 8-bit I/O": with_device(pcm_8bit(), Ideal()),
        "PCM": pcm,
        "PCM + drift compensation": pcm_gdc,
        "ReRAM (16 levels)": with_device(pcm, ReRAM()),
        "ReRAM + drift compensation": with_device(pcm_gdc, ReRAM()),
    }


def devices_over_time(W, x, n_prog: int, key) -> dict:
    """Mean and std of the relative error of each of `device_configs` as programmed and at each of `TIMES`."""
    times = [None, *TIMES.values()]
    labels = ["programmed", *TIMES]
    over_time = {}
    for i, (name, cfg) in enumerate(device_configs().items()):
        e = mc_errors(W, x, cfg, times, n_prog, jr.fold_in(key, 100 + i))
        over_time[name] = {
            lab: {"mean": float(e[:, j].mean()), "std": float(e[:, j].std())} for j, lab in enumerate(labels)
        }
    return over_time


def nonideal_sweeps(W, x, n_prog: int, key, sizes: list[int]) -> dict:
    """On PCM with drift compensation: the error at 1 h against stuck-at faults and IR drop, and at 1 day against
    the number of inputs per output (128 outputs)."""
    base = pcm_8bit(read_noise_std=0.01, drift_compensation=True)
    at_1h = lambda cfg, salt: mc_errors(W, x, cfg, [3600.0], n_prog, jr.fold_in(key, salt))[:, 0]
    faults = [at_1h(dataclasses.replace(base, faults=StuckAt(p / 2, p / 2)), 200) for p in FAULT_FRACTIONS]
    ir = [at_1h(dataclasses.replace(base, ir_drop=IRDrop(r) if r else None), 300) for r in R_WIRE_OHM]
    size_err = []
    for s in sizes:
        Ws, xs = mvm_problem(jr.fold_in(key, 400 + s), 128, s, x.shape[0])
        size_err.append(
            mc_errors(Ws, xs, base, [86400.0], max(2, n_prog // 2), jr.fold_in(key, 500 + s))[:, 0]
        )
    return {
        "stuck_at_1h": {"fraction": FAULT_FRACTIONS, **_mean_std(faults)},
        "ir_drop_1h": {"r_wire_ohm": R_WIRE_OHM, **_mean_std(ir)},
        "size_1d": {"n_in": sizes, **_mean_std(size_err)},
    }


# ---------------------------------------------------------------------------------------------------------------
# plot


def plot_bits(bits: dict, int8_err: float, n: int):
    """Error against converter bits (log scale), with the digital int8 error as a line."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, errs in bits.items():
        if name != "bits":
            ax.semilogy(bits["bits"], errs, "o-", label=name)
    ax.axhline(int8_err, color="k", ls="--", lw=1, label="digital int8")
    title = f"Ideal devices, {n}x{n} weights, ADC bound 12"
    label_axes(ax, "converter bits", "relative MVM error", title)
    return fig


def plot_over_time(over_time: dict, int8_err: float, n: int, n_prog: int):
    """Error (mean ± std) against time after programming for each device configuration."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    tvals = list(TIMES.values())
    for name, d in over_time.items():
        m = [d[lab]["mean"] for lab in TIMES]
        s = [d[lab]["std"] for lab in TIMES]
        ax.errorbar(tvals, m, yerr=s, fmt="o-", capsize=3, label=name)
    ax.axhline(int8_err, color="k", ls="--", lw=1, label="digital int8")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(tvals, list(TIMES))
    title = f"{n}x{n} MVM, 8-bit DAC/ADC, 1% read noise, {n_prog} programmings"
    ylabel = "relative MVM error (mean ± std)"
    label_axes(ax, "time after programming", ylabel, title, legend_size=8, which="both")
    return fig


def plot_nonideal(sweeps: dict, n: int):
    """Three panels: error against stuck cells, wire resistance and inputs per output (`nonideal_sweeps`)."""
    plt = pyplot()
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
    stuck_pct = [100 * p for p in sweeps["stuck_at_1h"]["fraction"]]
    panels = (
        ("stuck_at_1h", stuck_pct, "stuck cells (%), half at g_min, half at g_max"),
        ("ir_drop_1h", sweeps["ir_drop_1h"]["r_wire_ohm"], f"wire resistance per cell (ohm), {n}x{n} tile"),
        ("size_1d", sweeps["size_1d"]["n_in"], "inputs (rows) per output, t = 1 day"),
    )
    for ax, (name, xs, xlabel) in zip(axs, panels, strict=True):
        ax.errorbar(xs, sweeps[name]["mean"], yerr=sweeps[name]["std"], fmt="o-", capsize=3)
        ax.set_xlabel(xlabel)
    axs[2].set_xscale("log", base=2)
    for a in axs:
        a.set_ylabel("relative MVM error")
        a.grid(alpha=0.3)
    fig.suptitle("PCM with drift compensation, 8-bit DAC/ADC, t = 1 h unless noted")
    return fig


# ---------------------------------------------------------------------------------------------------------------
# Markdown


def _table(header: str, columns: list, rows: dict, cell) -> str:
    head = f"| {header} | {' | '.join(str(c) for c in columns)} |\n|---|{'---|' * len(columns)}\n"
    return head + "\n".join(
        f"| {name} | " + " | ".join(cell(v) for v in vals) + " |" for name, vals in rows.items()
    )


def _pairs(keys: list, means: list, fmt) -> str:
    return ", ".join(fmt(k, m) for k, m in zip(keys, means, strict=True))


def crossbar_markdown(f: dict, pngs: dict) -> str:
    """The section's text from its figures `f` and the saved plots `pngs` (`bits`, `time`, `nonideal`)."""
    p = f["problem"]
    n, batch, n_prog = p["n_out"], p["batch"], p["n_programmings"]
    labels = list(next(iter(f["over_time"].values())))
    bits = {k: v for k, v in f["bits"].items() if k != "bits"}
    over_time = {name: [d[lab] for lab in labels] for name, d in f["over_time"].items()}
    stuck, ir, size = f["stuck_at_1h"], f["ir_drop_1h"], f["size_1d"]
    return f"""
How far an analog matrix-vector multiply (MVM) lands from the digital float32 result `W @ x`, measured as the
relative error `|y - W x| / |W x|` on a {n}x{n} Gaussian weight matrix and a batch of {batch} Gaussian inputs.
Weights use a differential conductance pair with per-column scaling to `g_max`, 512x512 tiles; the PCM model is
IBM aihwkit's `PCMLikeNoiseModel` (programming noise, conductance-dependent drift, 1/f read noise), ReRAM is fitted
to Wan et al. (Nature 2022). For reference, a digital int8 MVM (per-row weight scale, per-vector activation scale)
has relative error **{f["digital_int8_rel_err"]:.4f}**.

### Converter resolution (ideal devices)
![DAC/ADC bits]({pngs["bits"]})

{_table("bits", f["bits"]["bits"], bits, lambda e: f"{e:.4f}")}

### Devices over time after programming ({n_prog} programmings, mean ± std)
![error vs time]({pngs["time"]})

{_table("configuration", labels, over_time, lambda d: f"{d['mean']:.4f} ± {d['std']:.4f}")}

Global drift compensation (one digital scale per array from an all-ones reference read) removes most of the
average PCM drift; what is left is the spread of drift exponents and the accumulated 1/f noise.

### Faults, IR drop and array size
![non-idealities]({pngs["nonideal"]})

- Stuck cells at 1 h: {_pairs(stuck["fraction"], stuck["mean"], lambda p, m: f"{100 * p:g}% → {m:.4f}")}.
- First-order IR drop at 1 h: {_pairs(ir["r_wire_ohm"], ir["mean"], lambda r, m: f"{r:g} Ω → {m:.4f}")}.
- Inputs per output at 1 day (more tiles, one ADC each): {_pairs(size["n_in"], size["mean"], lambda s, m: f"{s} → {m:.4f}")}.
"""


def crossbar_section(ctx: Context) -> SectionResult:
    """MVM accuracy of the crossbar core against the digital float32 product and the int8 baseline (quick mode:
    a 128 x 128 problem, a batch of 16, 3 programmings)."""
    key = jr.key(ctx.seed)
    n, batch, n_prog = (128, 16, 3) if ctx.quick else (512, 128, 10)
    W, x = mvm_problem(jr.fold_in(key, 0), n, n, batch)
    y_ref = x @ W.T
    int8_err = float(relative_error(int8_mvm(W, x), y_ref))
    f: dict = {"problem": {"n_out": n, "n_in": n, "batch": batch, "n_programmings": n_prog}}
    f["digital_int8_rel_err"] = int8_err
    ctx.progress("crossbar: DAC/ADC resolution sweep")
    f["bits"] = converter_sweep(W, x, y_ref)
    pngs = {"bits": ctx.save_figure(plot_bits(f["bits"], int8_err, n), "crossbar_bits.png")}
    ctx.progress(f"crossbar: devices over time ({n_prog} programmings each)")
    f["over_time"] = devices_over_time(W, x, n_prog, key)
    pngs["time"] = ctx.save_figure(plot_over_time(f["over_time"], int8_err, n, n_prog), "crossbar_time.png")
    ctx.progress("crossbar: stuck-at faults, IR drop, array size")
    sizes = [128, 1024] if ctx.quick else [128, 512, 2048, 4096]
    f.update(nonideal_sweeps(W, x, n_prog, key, sizes))
    pngs["nonideal"] = ctx.save_figure(plot_nonideal(f, n), "crossbar_nonideal.png")
    return SectionResult(
        title="Crossbar MVM accuracy vs digital", markdown=crossbar_markdown(f, pngs), figures=f
    )
