"""One process of the multi-process test (`tests/test_multiprocess.py`), or the single-process reference run.

```
python tests/multiprocess_worker.py OUT_DIR                              # reference: one process, default devices
python tests/multiprocess_worker.py OUT_DIR HOST:PORT N_PROCESSES INDEX  # one of N processes on a global mesh
python tests/multiprocess_worker.py OUT_DIR ... --time                   # also time the train step and the sweep
```

Every check below runs the same public call twice over: on one process with the default placement, and on every
process with the work spread over `jax.devices()` (all processes' devices). Each process writes what it got to
`OUT_DIR/process<INDEX>.npz` (and `.json` for timings); the test compares the files. To add a check (e.g. the
tile-parallel MVM), write a function `check_<name>(multi: bool) -> dict[str, array]` and add it to `CHECKS`.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

import analogsim as asim
import analogsim.distributed as dist
import analogsim.nn as ann
import ebm
import hnn
from analogsim.timing import median_times
from analogsim_lab import ksat_bench


class MLP(eqx.Module):
    """A ReLU MLP over a batch `(b, in)` that hands a key to each layer (the hardware-aware training noise)."""

    layers: tuple

    def __init__(self, sizes, *, key):
        keys = jr.split(key, len(sizes) - 1)
        self.layers = tuple(eqx.nn.Linear(a, b, key=k) for a, b, k in zip(sizes[:-1], sizes[1:], keys, strict=True))

    def __call__(self, x, *, key=None):
        keys = [None] * len(self.layers) if key is None else list(jr.split(key, len(self.layers)))
        for i, (layer, k) in enumerate(zip(self.layers, keys, strict=True)):
            x = ann.apply_linear(layer, x, key=k)
            x = jax.nn.relu(x) if i < len(self.layers) - 1 else x
        return x


@functools.cache  # one model and one loss function: repeated calls hit the jit cache
def _training_problem():
    """Regression of a smooth random map with hardware-aware noise on 8-bit converters."""
    kx, kw, km = jr.split(jr.key(0), 3)
    inputs = jr.normal(kx, (64, 6))
    targets = jnp.tanh(inputs @ jr.normal(kw, (6, 2)))
    hardware = asim.CrossbarConfig(device=asim.devices.Ideal(), dac=asim.DAC(bits=8), adc=asim.ADC(bits=8))
    model = ann.analogize(MLP((6, 12, 2), key=km), hardware, hwa=ann.HWANoise(0.05))
    loss = lambda m, batch, k: jnp.mean((m(batch[0], key=k) - batch[1]) ** 2)
    return model, loss, (inputs, targets)


OPTIMIZER = optax.adam(1e-2)  # one instance: `train` compiles once per optimizer object


def train(multi: bool, *, epochs: int, checkpoint=None, batch_size: int = 16):
    """Hardware-aware training of a small analog MLP: on the default device, or (`multi`) data-parallel over
    every device of every process."""
    model, loss, data = _training_problem()
    mesh = dist.mesh({"data": -1}) if multi else None
    return ann.train(
        model, loss, data, OPTIMIZER, epochs=epochs, batch_size=batch_size, key=jr.key(1), mesh=mesh, checkpoint=checkpoint
    )


def check_train(multi: bool, out_dir: Path) -> dict:
    """Data-parallel hardware-aware training: one epoch, checkpointed by process 0, resumed to a second."""
    ck = out_dir / ("train_multi.ckpt" if multi else "train_single.ckpt")
    train(multi, epochs=1, checkpoint=ck)
    res = train(multi, epochs=2, checkpoint=ck)
    leaves = jax.tree.leaves(eqx.filter(res.model, eqx.is_array))
    out = {f"train_param{i}": a for i, a in enumerate(dist.gather(leaves))}
    return out | {"train_history": np.asarray(res.history), "train_resumed_from": np.asarray(res.resumed_from)}


@functools.cache
def _drift_problem():
    model = ann.analogize(eqx.nn.MLP(8, 3, 16, 1, key=jr.key(2)), asim.CrossbarConfig.pcm_8bit())
    x = jr.normal(jr.key(3), (16, 8))
    return model, lambda m, k: jnp.mean(jax.vmap(m)(x) ** 2)


def drift(multi: bool, *, n_programmings: int = 6, chunk: int | None = None):
    """A PCM drift sweep of a small analog MLP: on the default device, or (`multi`) with the programmings split
    over every device of every process."""
    model, metric = _drift_problem()
    devices = jax.devices() if multi else None
    return ann.evaluate_drift(
        model, metric, key=jr.key(4), n_programmings=n_programmings, times=(1.0, 86400.0), chunk=chunk, devices=devices
    )


def check_drift(multi: bool, out_dir: Path) -> dict:
    """A drift sweep with the programmings spread over every process's devices."""
    return {"drift_values": np.asarray(drift(multi).values)}


def check_solve(multi: bool, out_dir: Path) -> dict:
    """The issue's acceptance: `hnn.solve(..., replicas=8, devices=jax.devices())` on every process."""
    cnf = hnn.random_ksat(jr.key(5), 30, 120, 3, planted=True)
    s = hnn.solve(cnf, key=jr.key(6), method="probsat", replicas=8, devices=jax.devices() if multi else None)
    return {
        "solve_status": np.asarray(hnn.RESULTS[s.status]),
        "solve_steps": np.asarray(s.steps),
        "solve_assignment": np.asarray(s.assignment),
        "solve_hit": np.asarray(s.replica_hit_step),
    } | _timed_solve(multi)


def _timed_solve(multi: bool) -> dict:
    """A wall-clock budget on a formula past the threshold (4.7 clauses per variable): where it stops depends on
    the clock, so the test compares it between processes only (`timed_` results), which must stop together."""
    cnf = hnn.random_ksat(jr.key(10), 200, 940, 3)
    devices = jax.devices() if multi else None
    s = hnn.solve(cnf, key=jr.key(11), replicas=8, max_steps=10**8, timeout_s=1.0, devices=devices)
    return {"timed_solve_steps": np.asarray(s.steps), "timed_solve_hit": np.asarray(s.replica_hit_step)}


def check_ebm(multi: bool, out_dir: Path) -> dict:
    """Block Gibbs chains and AIS chains split over every process's devices."""
    m = ebm.BoltzmannMachine.lattice(4)
    x0 = ebm.random_states(m, 16, key=jr.key(7))
    s = ebm.sample(m, key=jr.key(8), init=ebm.shard_chains(x0) if multi else x0, n_samples=3, burn_in=4)
    ais = ebm.ais_log_partition(m, key=jr.key(9), n_chains=16, n_betas=20, devices=jax.devices() if multi else None)
    return {"ebm_samples": dist.gather(s.samples), "ebm_ais_log_weights": np.asarray(ais.log_weights)}


def check_tiles(multi: bool, out_dir: Path) -> dict:
    """A PCM crossbar of four input tiles programmed straight into shards, one tile per device of every process,
    aged a day and read with one all-reduce of the partial sums (`tiles_` results: equal up to the float32
    reassociation of the tile sum)."""
    w = jr.normal(jr.key(12), (24, 64)) / 8
    x = jr.normal(jr.key(13), (5, 64))
    cfg = asim.CrossbarConfig.pcm_8bit(tile=(16, 24), adc_noise_std=0.02, drift_compensation=True)
    if not multi:
        xb = asim.program(w, cfg, key=jr.key(14)).at(86400.0, key=jr.key(15))
        return {"tiles_y": np.asarray(xb(x, key=jr.key(16)))}
    mesh = dist.mesh({"model": -1})
    xb = dist.program_sharded(w, cfg, key=jr.key(14), mesh=mesh)
    xb = dist.TileParallel(mesh).at(xb, 86400.0, key=jr.key(15))
    return {"tiles_y": dist.gather(dist.tile_parallel_mvm(xb, x, key=jr.key(16), mesh=mesh))}


def check_ksat_bench(multi: bool, out_dir: Path) -> dict:
    """A k-SAT benchmark row (TTS99 per instance from 8 replicas each) with the replicas over every process."""
    cnfs = [hnn.random_ksat(jr.key(20 + i), 20, 85, 3, planted=True) for i in range(2)]
    row = ksat_bench.bench("probsat", cnfs, replicas=8, budget=20_000, devices=jax.devices() if multi else None)
    tts = [np.nan if v is None else v for v in row["instance_tts99_steps"]]
    return {"ksat_tts99": np.asarray(tts, np.float64), "ksat_solved": np.asarray(row["solved"])}


CHECKS = (check_train, check_drift, check_solve, check_ebm, check_tiles, check_ksat_bench)


def timings(multi: bool) -> dict:
    """Median wall time (s) of one data-parallel epoch and of the drift sweep, compiled (`--time`)."""
    fns = {"train_epoch": lambda: train(multi, epochs=1).model, "drift_sweep": lambda: drift(multi).values}
    return median_times(fns, repeats=5)  # a fixed number of calls: every process runs the same collectives


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    out_dir = Path(args[0])
    multi = len(args) == 4
    if multi:
        dist.initialize(args[1], int(args[2]), int(args[3]))
    results = {}
    for check in CHECKS:
        results.update(check(multi, out_dir))
    index = dist.process_index()
    np.savez(out_dir / f"process{index}.npz", **results)
    info = {"devices": len(jax.devices()), "processes": dist.process_count()}
    if "--time" in argv:
        info["timings_s"] = timings(multi)
    (out_dir / f"process{index}.json").write_text(json.dumps(info))


if __name__ == "__main__":
    main(sys.argv[1:])
