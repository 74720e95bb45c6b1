"""Report sections for the crossbar core: MVM accuracy vs converters, devices, time, non-idealities; speed."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from analogsim import ADC, DAC, CrossbarConfig, IRDrop, ReadNoise, StuckAt, program
from analogsim.devices import PCM, Ideal, ReRAM

from .. import bench
from .core import Context, SectionResult

TIMES = {"1s": 1.0, "1h": 3600.0, "1d": 86400.0, "1mo": 30 * 86400.0, "1y": 365 * 86400.0}


def _rel_err(y, y_ref):
    return jnp.linalg.norm(y - y_ref) / jnp.linalg.norm(y_ref)


def _int8_digital(W, x):
    """Digital int8 baseline: per-row weight scales, per-vector activation scales, exact integer accumulation."""
    sw = jnp.max(jnp.abs(W), axis=1, keepdims=True) / 127
    sx = jnp.max(jnp.abs(x), axis=1, keepdims=True) / 127
    return (jnp.round(x / sx) @ jnp.round(W / sw).T) * sx * sw.T


def _problem(key, n_out, n_in, batch):
    kw, kx = jr.split(key)
    W = jr.normal(kw, (n_out, n_in)) / np.sqrt(n_in)
    x = jr.normal(kx, (batch, n_in))
    return W, x


def mc_errors(W, x, cfg: CrossbarConfig, times: list, n_prog: int, key) -> np.ndarray:
    """Relative MVM error ``|y - W x| / |W x|`` for ``n_prog`` independent programmings (vmapped over keys) at each
    time in ``times`` (``None`` = as programmed). Returns an array (n_prog, len(times))."""

    def one(k, W, x):
        y_ref = x @ W.T
        kp, kt, kn = jr.split(k, 3)
        xb = program(W, cfg, key=kp)
        errs = []
        for i, t in enumerate(times):
            xt = xb if t is None else xb.at(t, key=jr.fold_in(kt, i))
            errs.append(_rel_err(xt(x, key=jr.fold_in(kn, i)), y_ref))
        return jnp.stack(errs)

    # W and x are arguments, not closed-over constants, so XLA does not constant-fold the reference product.
    run = jax.jit(jax.vmap(one, in_axes=(0, None, None)))
    return np.asarray(run(jr.split(key, n_prog), W, x))


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def crossbar_section(ctx: Context) -> SectionResult:
    plt = _plt()
    quick = ctx.quick
    key = jr.key(ctx.seed)
    n = 128 if quick else 512
    batch = 16 if quick else 128
    n_prog = 3 if quick else 10
    W, x = _problem(jr.fold_in(key, 0), n, n, batch)
    y_ref = x @ W.T
    int8_err = float(_rel_err(_int8_digital(W, x), y_ref))
    figures: dict = {"problem": {"n_out": n, "n_in": n, "batch": batch, "n_programmings": n_prog}}
    figures["digital_int8_rel_err"] = int8_err

    # 1. converter resolution on an ideal device --------------------------------------------------------------
    ctx.progress("crossbar: DAC/ADC resolution sweep")
    bits_list = list(range(2, 11))
    plain_dac = DAC(bits=None, bound=1.0)  # input scaling, no quantization
    sweeps = {"DAC only": [], "ADC only": [], "DAC and ADC": []}
    for b in bits_list:
        for name, dac, adc in (
            ("DAC only", DAC(bits=b), ADC(bits=None, bound=None)),
            ("ADC only", plain_dac, ADC(bits=b)),
            ("DAC and ADC", DAC(bits=b), ADC(bits=b)),
        ):
            cfg = CrossbarConfig(device=Ideal(), dac=dac, adc=adc)
            sweeps[name].append(float(_rel_err(program(W, cfg)(x), y_ref)))
    figures["bits"] = {"bits": bits_list, **sweeps}
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, errs in sweeps.items():
        ax.semilogy(bits_list, errs, "o-", label=name)
    ax.axhline(int8_err, color="k", ls="--", lw=1, label="digital int8")
    ax.set_xlabel("converter bits")
    ax.set_ylabel("relative MVM error")
    ax.set_title(f"Ideal devices, {n}x{n} weights, ADC bound 12")
    ax.legend()
    ax.grid(alpha=0.3)
    bits_png = ctx.save_figure(fig, "crossbar_bits.png")

    # 2. devices over time ---------------------------------------------------------------------------------------
    ctx.progress(f"crossbar: devices over time ({n_prog} programmings each)")
    conv = dict(dac=DAC(bits=8), adc=ADC(bits=8), read_noise=ReadNoise(0.01))
    devices = {
        "Ideal device, 8-bit I/O": CrossbarConfig(device=Ideal(), dac=DAC(bits=8), adc=ADC(bits=8)),
        "PCM": CrossbarConfig(device=PCM(), **conv),
        "PCM + drift compensation": CrossbarConfig(device=PCM(), drift_compensation=True, **conv),
        "ReRAM (16 levels)": CrossbarConfig(device=ReRAM(), **conv),
        "ReRAM + drift compensation": CrossbarConfig(device=ReRAM(), drift_compensation=True, **conv),
    }
    times = [None, *TIMES.values()]
    labels = ["programmed", *TIMES]
    over_time = {}
    for i, (name, cfg) in enumerate(devices.items()):
        e = mc_errors(W, x, cfg, times, n_prog, jr.fold_in(key, 100 + i))
        over_time[name] = {
            lab: {"mean": float(e[:, j].mean()), "std": float(e[:, j].std())} for j, lab in enumerate(labels)
        }
    figures["over_time"] = over_time
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
    ax.set_xlabel("time after programming")
    ax.set_ylabel("relative MVM error (mean ± std)")
    ax.set_title(f"{n}x{n} MVM, 8-bit DAC/ADC, 1% read noise, {n_prog} programmings")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    time_png = ctx.save_figure(fig, "crossbar_time.png")

    # 3. non-idealities and size ---------------------------------------------------------------------------------
    ctx.progress("crossbar: stuck-at faults, IR drop, array size")
    base = CrossbarConfig(device=PCM(), drift_compensation=True, **conv)
    t1h = [3600.0]
    fault_fracs = [0.0, 0.001, 0.01, 0.05]
    faults = [
        mc_errors(
            W, x, dataclasses.replace(base, faults=StuckAt(p / 2, p / 2)), t1h, n_prog, jr.fold_in(key, 200)
        )[:, 0]
        for p in fault_fracs
    ]
    r_list = [0.0, 1.0, 3.0, 10.0]
    ir = [
        mc_errors(
            W,
            x,
            dataclasses.replace(base, ir_drop=IRDrop(r) if r else None),
            t1h,
            n_prog,
            jr.fold_in(key, 300),
        )[:, 0]
        for r in r_list
    ]
    sizes = [128, 1024] if quick else [128, 512, 2048, 4096]
    size_err = []
    for s in sizes:
        Ws, xs = _problem(jr.fold_in(key, 400 + s), 128, s, batch)
        size_err.append(
            mc_errors(Ws, xs, base, [86400.0], max(2, n_prog // 2), jr.fold_in(key, 500 + s))[:, 0]
        )
    figures["stuck_at_1h"] = {
        "fraction": fault_fracs,
        "mean": [float(e.mean()) for e in faults],
        "std": [float(e.std()) for e in faults],
    }
    figures["ir_drop_1h"] = {
        "r_wire_ohm": r_list,
        "mean": [float(e.mean()) for e in ir],
        "std": [float(e.std()) for e in ir],
    }
    figures["size_1d"] = {
        "n_in": sizes,
        "mean": [float(e.mean()) for e in size_err],
        "std": [float(e.std()) for e in size_err],
    }
    fig, axs = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
    axs[0].errorbar(
        [100 * p for p in fault_fracs],
        figures["stuck_at_1h"]["mean"],
        yerr=figures["stuck_at_1h"]["std"],
        fmt="o-",
        capsize=3,
    )
    axs[0].set_xlabel("stuck cells (%), half at g_min, half at g_max")
    axs[1].errorbar(
        r_list, figures["ir_drop_1h"]["mean"], yerr=figures["ir_drop_1h"]["std"], fmt="o-", capsize=3
    )
    axs[1].set_xlabel(f"wire resistance per cell (ohm), {n}x{n} tile")
    axs[2].errorbar(sizes, figures["size_1d"]["mean"], yerr=figures["size_1d"]["std"], fmt="o-", capsize=3)
    axs[2].set_xscale("log", base=2)
    axs[2].set_xlabel("inputs (rows) per output, t = 1 day")
    for a in axs:
        a.set_ylabel("relative MVM error")
        a.grid(alpha=0.3)
    fig.suptitle("PCM with drift compensation, 8-bit DAC/ADC, t = 1 h unless noted")
    nonideal_png = ctx.save_figure(fig, "crossbar_nonideal.png")

    def row(name):
        d = over_time[name]
        return (
            f"| {name} | "
            + " | ".join(f"{d[lab]['mean']:.4f} ± {d[lab]['std']:.4f}" for lab in labels)
            + " |"
        )

    md = (
        f"""
How far an analog matrix-vector multiply (MVM) lands from the digital float32 result `W @ x`, measured as the
relative error `|y - W x| / |W x|` on a {n}x{n} Gaussian weight matrix and a batch of {batch} Gaussian inputs.
Weights use a differential conductance pair with per-column scaling to `g_max`, 512x512 tiles; the PCM model is
IBM aihwkit's `PCMLikeNoiseModel` (programming noise, conductance-dependent drift, 1/f read noise), ReRAM is fitted
to Wan et al. (Nature 2022). For reference, a digital int8 MVM (per-row weight scale, per-vector activation scale)
has relative error **{int8_err:.4f}**.

### Converter resolution (ideal devices)
![DAC/ADC bits]({bits_png})

| bits | {" | ".join(str(b) for b in bits_list)} |
|---|{"---|" * len(bits_list)}
"""
        + "\n".join(
            f"| {name} | " + " | ".join(f"{e:.4f}" for e in errs) + " |" for name, errs in sweeps.items()
        )
        + f"""

### Devices over time after programming ({n_prog} programmings, mean ± std)
![error vs time]({time_png})

| configuration | {" | ".join(labels)} |
|---|{"---|" * len(labels)}
"""
        + "\n".join(row(name) for name in over_time)
        + f"""

Global drift compensation (one digital scale per array from an all-ones reference read) removes most of the
average PCM drift; what is left is the spread of drift exponents and the accumulated 1/f noise.

### Faults, IR drop and array size
![non-idealities]({nonideal_png})

- Stuck cells at 1 h: {", ".join(f"{100 * p:g}% → {m:.4f}" for p, m in zip(fault_fracs, figures["stuck_at_1h"]["mean"], strict=True))}.
- First-order IR drop at 1 h: {", ".join(f"{r:g} Ω → {m:.4f}" for r, m in zip(r_list, figures["ir_drop_1h"]["mean"], strict=True))}.
- Inputs per output at 1 day (more tiles, one ADC each): {", ".join(f"{s} → {m:.4f}" for s, m in zip(sizes, figures["size_1d"]["mean"], strict=True))}.
"""
    )
    return SectionResult(title="Crossbar MVM accuracy vs digital", markdown=md, figures=figures)


def speed_section(ctx: Context) -> SectionResult:
    plt = _plt()
    ctx.progress("speed: timing analog vs digital MVMs")
    res = bench.run(quick=ctx.quick, progress=lambda m: ctx.progress(f"speed: {m}"))
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
    png = ctx.save_figure(fig, "speed.png")
    md = f"""
Wall-clock cost of *simulating* the analog MVM with this library, relative to the plain digital `x @ W.T`, both
jitted and timed side by side (medians, interleaved calls) on this machine ({res["machine"]["cpu_count"]} CPUs,
backend {res["machine"]["backend"]}). Configuration: {res["config"]}. Rerun with `python -m analogsim.bench`.

{bench.format_table(res)}

![speed]({png})

For reference (issue tracker): IBM aihwkit 1.2.0 on a 2-core machine runs its analog linear layer at 16.5x the
digital time at (1024, 1024, 256) and 10.8x at (4096, 4096, 64), and takes 1.3 s to program and 1.2 s to drift a
4096x4096 array.
"""
    return SectionResult(title="Simulation speed", markdown=md, figures=res)
