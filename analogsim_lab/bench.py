"""Speed benchmark: analog crossbar MVM vs the digital matmul, measured side by side in one run.

Run `python -m analogsim_lab.bench [--quick] [--json PATH]` (or `analogsim bench`). For each (in, out, batch) shape
it times the jitted digital `x @ W.T` and the jitted analog MVM of a noisy PCM configuration (8-bit DAC and ADC with
output noise, 512 x 512 tiles, additive per-MVM read noise), interleaving the two so that both see the same machine
load, and reports medians and their ratio. It also times programming and drifting (`xb.at(t)`) a 4096 x 4096
array, the tiny transformer's forward pass, and one in-situ training step of a layer (analog SGD on SoftBounds,
BL = 31: the batch fast path and the bit-train reference) against one digital SGD step of the same layer, each a
jitted step that donates its weights or state to the next, as a training loop does.

Reference (from the issue tracker): IBM aihwkit 1.2.0 on a 2-core machine of this kind runs its default analog
linear layer at 16.5x the digital time at (1024, 1024, 256) and 10.8x at (4096, 4096, 64), and takes 1.3 s to
program and 1.2 s to drift a 4096 x 4096 array; its analog SGD step on SoftBounds takes 5.4x the digital SGD step
at (512, 512, 64) (CPU build, one thread).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from analogsim import CrossbarConfig, devices, insitu, io, program, timing

from .presets import pcm_8bit
from .workloads import transformer_speed_row

SHAPES = ((512, 512, 64), (1024, 1024, 256), (4096, 4096, 64))
"""The (in, out, batch) shapes of the MVM timings."""
QUICK_SHAPES = ((512, 512, 64), (1024, 1024, 256))
"""The shapes of `--quick`."""
MIN_SECONDS = 0.5
"""Each timing keeps calling round-robin for at least this long, so sub-millisecond calls get enough samples for a
stable median on a noisy shared machine."""


def bench_config(read_noise_kind: str = "additive") -> CrossbarConfig:
    """The noisy PCM configuration the benchmark times: `pcm_8bit` with `ReadNoise(0.02, kind=read_noise_kind)` and
    ADC output noise 0.04."""
    return pcm_8bit(read_noise_std=0.02, read_noise_kind=read_noise_kind, adc_noise_std=0.04)


def mvm_row(n_in: int, n_out: int, batch: int, repeats: int) -> dict:
    """Median times of the digital `x @ W.T` and of the analog MVM (additive and proportional read noise, array
    drifted to t = 1 h) at one shape, timed side by side for at least `repeats` rounds and `MIN_SECONDS`.

    **Returns:**

    `{"shape", "digital_s", "analog_s", "ratio", "analog_proportional_noise_s", "ratio_proportional_noise"}`
    (seconds per call; ratios analog / digital).
    """
    kw, kx, kp, kd, kn = jr.split(jr.key(0), 5)
    W = jr.normal(kw, (n_out, n_in), jnp.float32) / np.sqrt(n_in)
    x = jr.normal(kx, (batch, n_in), jnp.float32)
    xb = program(W, bench_config(), key=kp).at(3600.0, key=kd)
    xb_p = program(W, bench_config("proportional"), key=kp).at(3600.0, key=kd)
    digital = jax.jit(lambda x, W: x @ W.T)
    analog = jax.jit(lambda xb, x, k: xb(x, key=k))
    fns = {
        "digital": lambda: digital(x, W),
        "analog": lambda: analog(xb, x, kn),
        "analog_prop": lambda: analog(xb_p, x, kn),
    }
    t = timing.median_times(fns, repeats=repeats, min_seconds=MIN_SECONDS)
    return {
        "shape": [n_in, n_out, batch],
        "digital_s": t["digital"],
        "analog_s": t["analog"],
        "ratio": t["analog"] / t["digital"],
        "analog_proportional_noise_s": t["analog_prop"],
        "ratio_proportional_noise": t["analog_prop"] / t["digital"],
    }


def program_drift_row(n: int, repeats: int) -> dict:
    """Median times of programming an `n` x `n` array and of drifting it to t = 1 day, a fresh key per call.

    **Returns:**

    `{"n", "program_s", "drift_s"}` (seconds per call).
    """
    W = jr.normal(jr.key(1), (n, n), jnp.float32)
    cfg = bench_config()
    counter = itertools.count()
    keys = (jr.fold_in(jr.key(2), i) for i in counter)  # a fresh key per call, however many calls
    xb = program(W, cfg, key=next(keys))
    fns = {
        "program": lambda: program(W, cfg, key=next(keys)).w,
        "drift": lambda: xb.at(86400.0, key=next(keys)).w,
    }
    t = timing.median_times(fns, repeats=repeats, min_seconds=MIN_SECONDS)
    return {"n": n, "program_s": t["program"], "drift_s": t["drift"]}


INSITU_SHAPES = ((512, 512, 64), (1024, 1024, 256))
"""The (in, out, batch) shapes of the in-situ training step timings (the issue's targets)."""


def insitu_device() -> devices.SoftBounds:
    """The timed device: SoftBounds with aihwkit's default spreads and cycle-to-cycle noise 0.3."""
    return devices.SoftBounds(dw_min=0.001, dw_min_dtod=0.3, dw_min_std=0.3, up_down_dtod=0.01, w_min=-1.0,
                              w_max=1.0, w_min_dtod=0.3, w_max_dtod=0.3)


def _threaded(f, state, *args):
    """A zero-argument call of the jitted `f(state, *args)` whose state argument is donated: each call gets the
    state the previous one returned (its last output), as a training loop does, so the update works in place."""
    box = [jax.tree.map(jnp.copy, state)]  # distinct buffers: donation refuses one buffer passed twice

    def call():
        out = f(box[0], *args)
        box[0] = out[-1]
        return out

    return call


def insitu_row(n_in: int, n_out: int, batch: int, repeats: int, exact: bool = True) -> dict:
    """Median times of one training step of one layer: digital SGD (`x @ W.T`, `d @ W`, `W - lr d^T x`) and analog
    SGD on SoftBounds with BL = 31 (forward and backward reads through `AnalogIO`, then the pulsed update), with the
    batch fast path (`PulseUpdate(mode="moments")`) and, if `exact`, the bit-train reference (pulse by pulse),
    timed side by side. Each step is one jitted call that donates its weights (digital) or its optimizer state
    (in situ) and gets the previous step's result, as in a training loop.

    **Returns:**

    `{"shape", "digital_s", "fast_s", "fast_ratio", "exact_s", "exact_ratio"}` (seconds per step; ratios in-situ /
    digital; the exact entries are `None` without `exact`).
    """
    lr, periphery = 0.01, insitu.AnalogIO()
    kx, kd, kw, ks, kk = jr.split(jr.key(0), 5)
    x = jr.normal(kx, (batch, n_in), jnp.float32)
    d = 0.1 * jr.normal(kd, (batch, n_out), jnp.float32)
    W = 0.1 * jr.normal(kw, (n_out, n_in), jnp.float32)
    digital = jax.jit(lambda W, x, d: (x @ W.T, d @ W, W - lr * d.T @ x), donate_argnums=0)
    fns = {"digital": _threaded(digital, W, x, d)}
    modes = {"fast": "moments", "exact": "bit_trains"} if exact else {"fast": "moments"}
    for name, mode in modes.items():
        opt = insitu.AnalogSGD(insitu_device(), lr=lr, pulse=insitu.PulseUpdate(bl=31, mode=mode))

        def step(s, x, d, k, opt=opt):
            k1, k2, k3 = jr.split(k, 3)
            w = opt.weights(s)
            return periphery.read(w, x, key=k1), periphery.read(w.T, d, key=k2), opt.update(s, x, d, key=k3)

        fns[name] = _threaded(jax.jit(step, donate_argnums=0), opt.init((n_out, n_in), key=ks), x, d, kk)
    t = timing.median_times(fns, repeats=repeats, min_seconds=MIN_SECONDS)
    ex = t.get("exact")
    return {"shape": [n_in, n_out, batch], "digital_s": t["digital"], "fast_s": t["fast"],
            "fast_ratio": t["fast"] / t["digital"], "exact_s": ex,
            "exact_ratio": None if ex is None else ex / t["digital"]}


def run(quick: bool = False, repeats: int | None = None, progress=None) -> dict:
    """Run the whole benchmark.

    **Arguments:**

    - `quick`: `QUICK_SHAPES`, a 2048 x 2048 program/drift array, 5 repeats instead of 15, and no bit-train
      in-situ timing.
    - `repeats`: timed rounds per MVM shape (program/drift: a third of it, at least 3).
    - `progress`: gets one-line progress messages, or `None`.

    **Returns:**

    `{"machine", "config", "mvm" (one `mvm_row` per shape), "program_drift", "transformer", "insitu" (one
    `insitu_row` per shape in `INSITU_SHAPES`)}`.
    """
    repeats = repeats or (5 if quick else 15)
    shapes = QUICK_SHAPES if quick else SHAPES
    rows = []
    for i, s in enumerate(shapes):
        if progress:
            progress(f"MVM {s} ({i + 1}/{len(shapes)})")
        rows.append(mvm_row(*s, repeats=repeats))
    n = 2048 if quick else 4096
    if progress:
        progress(f"program/drift {n}x{n}")
    pd = program_drift_row(n, repeats=max(3, repeats // 3))
    if progress:
        progress("tiny transformer forward, analog vs digital")
    tr = transformer_speed_row(repeats=repeats)
    ins = []
    for s in INSITU_SHAPES:
        if progress:
            progress(f"in-situ training step {s} vs digital SGD")
        # The bit-train reference takes seconds per step at (512, 512, 64) and about half a minute at
        # (1024, 1024, 256) on 2 cores (three and a half minutes of the report with warm-up and repeats): it is
        # timed at the smaller shape only, and not at all with --quick (the report's CI mode and the CLI test).
        ins.append(insitu_row(*s, repeats=max(3, repeats // 3), exact=not quick and s == INSITU_SHAPES[0]))
    return {
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "jax": jax.__version__,
            "backend": jax.default_backend(),
            "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
        },
        "config": "PCM, 8-bit DAC, 8-bit ADC (output noise 0.04), 512x512 tiles, ReadNoise(0.02, additive), t = 1 h",
        "mvm": rows,
        "program_drift": pd,
        "transformer": tr,
        "insitu": ins,
    }


def format_table(res: dict) -> str:
    """The Markdown table and summary lines of a `run` result."""
    lines = [
        "| (in, out, batch) | digital x@W.T | analog MVM | ratio | analog, proportional read noise | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in res["mvm"]:
        lines.append(
            f"| {tuple(r['shape'])} | {r['digital_s'] * 1e3:.2f} ms | {r['analog_s'] * 1e3:.2f} ms | "
            f"{r['ratio']:.2f}x | {r['analog_proportional_noise_s'] * 1e3:.2f} ms | {r['ratio_proportional_noise']:.2f}x |"
        )
    pd = res["program_drift"]
    lines.append("")
    lines.append(
        f"Program a {pd['n']}x{pd['n']} PCM array: {pd['program_s']:.3f} s; drift it to t = 1 day: {pd['drift_s']:.3f} s."
    )
    t = res.get("transformer")
    if t:
        lines.append(
            f"Tiny transformer forward (d=64, 2 layers, seq 64, batch 16), analog projections and gain-cell attention:"
            f" digital {t['digital_s'] * 1e3:.2f} ms, analog {t['analog_s'] * 1e3:.2f} ms, ratio {t['ratio']:.2f}x."
        )
    if res.get("insitu"):
        lines += ["", "| (in, out, batch) | digital SGD step | in-situ step, fast path | ratio | in-situ step, bit trains "
                  "| ratio |", "|---|---|---|---|---|---|"]
        for r in res["insitu"]:
            ex = "n/a | n/a" if r["exact_s"] is None else f"{r['exact_s'] * 1e3:.1f} ms | {r['exact_ratio']:.0f}x"
            lines.append(f"| {tuple(r['shape'])} | {r['digital_s'] * 1e3:.2f} ms | {r['fast_s'] * 1e3:.2f} ms | "
                         f"{r['fast_ratio']:.2f}x | {ex} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    """`python -m analogsim_lab.bench [--quick] [--repeats N] [--json PATH]`: run, print the table, return 0."""
    p = argparse.ArgumentParser(prog="python -m analogsim_lab.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller shapes and fewer repeats")
    p.add_argument("--repeats", type=int, default=None, help="timed calls per function (default 15, quick 5)")
    p.add_argument("--json", type=str, default=None, help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        p.error("--repeats must be >= 1")
    res = run(
        quick=args.quick, repeats=args.repeats, progress=lambda m: print(f"[bench] {m}", file=sys.stderr)
    )
    print(
        f"backend {res['machine']['backend']}, {res['machine']['cpu_count']} CPUs, jax {res['machine']['jax']}"
    )
    print(f"config: {res['config']}\n")
    print(format_table(res))
    if "hugetlb" not in res["machine"]["glibc_tunables"] and platform.system() == "Linux":
        print(
            "\nnote: on Linux, GLIBC_TUNABLES=glibc.malloc.hugetlb=1 lets large fresh XLA buffers use transparent "
            "huge pages, which cuts page-fault time for program/drift of large arrays."
        )
    if args.json:
        io.write_json(args.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
