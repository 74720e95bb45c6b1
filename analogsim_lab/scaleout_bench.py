"""Scale-out benchmark: per-step communication of tile-parallel and data-parallel analog layers on paper, and the
tile-parallel forward measured against the unsharded crossbar.

```bash
python -m analogsim_lab.scaleout_bench [--quick] [--devices 4] [--out PATH]
```

The table is `analogsim.distributed.communication_volume` (ring all-reduce, bytes each device sends per step) for
GPT-2-small-sized layers over 2 to 64 devices: a tile-parallel MVM all-reduces the `(tokens, out)` partial sums, a
data-parallel training step all-reduces the gradient of the `out x in` weights. The measurement programs one PCM
8-bit crossbar (read noise, ADC noise, one day of drift), runs the same MVM unsharded on one device and
tile-parallel over `--devices` forced host devices, side by side in one run (`analogsim.timing.median_times`), and
reports the ratio and the largest difference. The forced devices share this machine's cores: the ratio measures
the overhead of the split (slicing, the all-reduce, scheduling), not a speed-up.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys

import jax
import jax.random as jr
import numpy as np

import analogsim as asim
import analogsim.distributed as dist
from analogsim import io, timing

from .presets import pcm_8bit

# (name, out, in): GPT-2 small's analog layers (d_model 768) and a large 4096 x 4096 array.
LAYERS = (("attn proj 768x768", 768, 768), ("mlp fc1 3072x768", 3072, 768), ("mlp fc2 768x3072", 768, 3072),
          ("4096x4096", 4096, 4096))  # fmt: skip
DEVICE_COUNTS = (2, 4, 8, 64)
TOKENS = 1024  # vectors per MVM: one GPT-2 context


def volume_table(tokens: int = TOKENS) -> list[dict]:
    """One row per layer and device count: bytes per device per step, tile-parallel MVM and data-parallel step."""
    rows = []
    for name, out, n_in in LAYERS:
        for d in DEVICE_COUNTS:
            v = dist.communication_volume(out, n_in, d, batch=tokens)
            rows.append({"layer": name, "out": out, "in": n_in, "devices": d, "tokens": tokens,
                         "tile_parallel_bytes": v.tile_parallel_bytes,
                         "data_parallel_bytes": v.data_parallel_bytes})  # fmt: skip
    return rows


def measure(devices: int, *, quick: bool) -> dict:
    """Time the tile-parallel MVM over `devices` devices against the unsharded one (this process must see that
    many devices)."""
    out, n_in, batch, rows = (256, 512, 64, 128) if quick else (2048, 4096, 256, 512)
    cfg = pcm_8bit(read_noise_std=0.01, adc_noise_std=0.01, drift_compensation=True)
    cfg = dataclasses.replace(cfg, tile=(rows, 512))
    mesh = dist.mesh({"model": devices}, devices=jax.devices()[:devices])
    W = jr.normal(jr.key(0), (out, n_in)) / np.sqrt(n_in)
    x = jr.normal(jr.key(1), (batch, n_in))
    xb = asim.program(W, cfg, key=jr.key(2)).at(86400.0, key=jr.key(3))
    xs = dist.TileParallel(mesh).at(dist.program_sharded(W, cfg, key=jr.key(2), mesh=mesh), 86400.0, key=jr.key(3))
    k = jr.key(4)
    t = timing.median_times(
        {"unsharded": lambda: xb(x, key=k), "tile_parallel": lambda: dist.tile_parallel_mvm(xs, x, key=k, mesh=mesh)},
        repeats=3 if quick else 5,
    )
    y = np.asarray(xb(x, key=k))
    err = float(np.max(np.abs(np.asarray(dist.tile_parallel_mvm(xs, x, key=k, mesh=mesh)) - y)))
    return {"out": out, "in": n_in, "batch": batch, "tile_rows": rows, "devices": devices,
            "unsharded_s": t["unsharded"], "tile_parallel_s": t["tile_parallel"],
            "ratio": t["tile_parallel"] / t["unsharded"], "max_abs_diff": err, "max_abs_y": float(np.max(np.abs(y))),
            "bytes_per_device": sorted(dist.device_bytes((xs.w, xs.weights)).values()),
            "bytes_whole": int(xb.w.nbytes + xb.weights.nbytes)}  # fmt: skip


def measure_in_child(devices: int, *, quick: bool) -> dict:
    """`measure` in a fresh interpreter started with `devices` forced host devices (the device count is fixed when
    JAX starts)."""
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}", JAX_PLATFORMS="cpu")
    cmd = [sys.executable, "-m", "analogsim_lab.scaleout_bench", "--devices", str(devices), "--measure-only"]
    proc = subprocess.run(cmd + (["--quick"] if quick else []), env=env, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"the {devices}-device measurement failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _print_table(rows: list[dict]) -> None:
    mb = 2.0**20
    print(f"per-step bytes per device (ring all-reduce), {rows[0]['tokens']} tokens per MVM")
    print(f"{'layer':20s}{'devices':>8}{'tile-parallel MVM':>20}{'data-parallel step':>20}")
    for r in rows:
        print(f"{r['layer']:20s}{r['devices']:8d}{r['tile_parallel_bytes'] / mb:16.2f} MiB"
              f"{r['data_parallel_bytes'] / mb:16.2f} MiB")  # fmt: skip


def main(argv=None) -> int:
    """Print the volume table, measure the tile-parallel forward, write both as JSON with `--out`."""
    p = argparse.ArgumentParser(prog="python -m analogsim_lab.scaleout_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a 256 x 512 array, batch 64, 3 rounds")
    p.add_argument("--devices", type=int, default=4, help="forced host devices of the measurement")
    p.add_argument("--out", default=None, help="write the table and the measurement to this JSON file")
    p.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.devices < 1:
        p.error(f"--devices must be >= 1, got {args.devices}")
    if args.measure_only:
        print(json.dumps(measure(args.devices, quick=args.quick)))
        return 0
    rows = volume_table()
    _print_table(rows)
    if len(jax.devices()) >= args.devices:
        m = measure(args.devices, quick=args.quick)
    else:
        m = measure_in_child(args.devices, quick=args.quick)
    print(f"\n({m['out']}, {m['in']}) PCM 8-bit crossbar, {m['in'] // m['tile_rows']} input tiles, batch "
          f"{m['batch']}: unsharded {m['unsharded_s'] * 1e3:.2f} ms, tile-parallel over {m['devices']} forced host "
          f"devices {m['tile_parallel_s'] * 1e3:.2f} ms (ratio {m['ratio']:.2f}); max |difference| "
          f"{m['max_abs_diff']:.2e} of max |y| {m['max_abs_y']:.2f}; {max(m['bytes_per_device'])} of "
          f"{m['bytes_whole']} bytes per device")  # fmt: skip
    if args.out:
        io.write_json(args.out, {"volume": rows, "measured": m})
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
