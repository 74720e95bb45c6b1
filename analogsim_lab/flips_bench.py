"""probSAT in JAX against the reference C code: flips to solution per SATLIB set, and the flip rate.

```
python -m analogsim_lab.flips_bench [--sets uf20,uf50,...] [--count N] [--engine auto|lists|bitset]
    [--rates 32,256,1024,4096] [--flips-per-step 1,8] [--out FILE.json]
```

**Search quality.** Each replica of `hnn.solve(..., method=hnn.ProbSAT(rule="poly", cb=2.06, eps=0.9),
stop="all")` is one independent probSAT run (its own random start and random stream), exactly the C code's
`probSAT --cb 2.06 --eps 0.9 FILE SEED` (`probSAT.c`, A. Balint, version SC13, github.com/adrianopolus/probSAT).
The C code counts a run's flips as the iterations of its flip loop until no clause is false; a replica here stops
flipping the moment it is satisfied, so its `Solution.replica_flips` is the same count. The reference figures
(`C_REFERENCE`) are the median over each set's instances of one C run per instance. This benchmark runs `replicas`
runs per instance and reports the median of all runs pooled (the same population median, the mixture over
instances and seeds, with less noise), the median of one run per instance (replica 0, the C protocol), and a 95 %
bootstrap interval of the pooled median that resamples instances (runs of one instance are not independent
draws of the set). A run that reaches the flip budget is censored: counted as above every solved run, so the
median is exact while fewer than half of the runs are censored.

One difference from the C code: it walks the false-clause list cyclically (`falseClause[flip % numFalse]`); the JAX
version picks a uniformly random false clause, as probSAT's paper does (Balint & Schoening, SAT 2012).

The search uses `--engine` (`hnn.ProbSAT`'s bookkeeping engine; `auto` is the bitset engine on every SATLIB set).

**The C code itself, same protocol.** `C_REFERENCE` is one C run per instance, whose median over a set moves by
tens of percent from one set of seeds to another. With `--c-binary PATH` (probSAT built from `probSAT.c`, e.g.
`make` in a checkout of github.com/adrianopolus/probSAT) the benchmark also runs the C code on the same instances,
`replicas` runs per instance (`PATH --cb 2.06 --eps 0.9 FILE SEED`, seeds 1, 2, ...), and reports its pooled
median and the ratio of the two pooled medians with a paired cluster-bootstrap interval
(`ksat_stats.bootstrap_pooled_ratio_ci`): the comparison of the two searches with the instance sample held fixed.

**Flip rate.** Flips per second aggregated over replicas, of warm `hnn.solve` calls of 2,000 flips per replica
(`2000 / flips_per_step` steps) on the largest set's first instance, timed with `analogsim.timing.median_time`;
only real flips count (a replica that solves stops flipping, and its share of the batch's work is lost). Both
engines run side by side for each replica count and `flips_per_step`, and the table gives their ratio. The replicas
are sharded over every local device: run with `XLA_FLAGS=--xla_force_host_platform_device_count=2` (before
Python starts) to use two CPU cores as two devices, which is how the C reference's single-core rate is matched on
a 2-core machine.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import subprocess
import sys
from collections.abc import Callable, Sequence

import jax
import jax.random as jr
import numpy as np

from analogsim.io import write_json
from analogsim.timing import median_time
from hnn import CNF, ProbSAT, read_dimacs, solve

from .ksat_bench import find_satlib
from .ksat_stats import bootstrap_pooled_median_ci, bootstrap_pooled_ratio_ci, finite, median

__all__ = [
    "C_REFERENCE",
    "reference_probsat",
    "flip_counts",
    "set_row",
    "flip_rate",
    "c_flip_counts",
    "run",
    "format_table",
    "main",
]

C_REFERENCE = {
    "uf20": 38.5,
    "uf50": 292.0,
    "uf75": 845.0,
    "uf100": 1515.0,
    "uf150": 3325.0,
    "uf200": 9686.0,
    "uf250": 14397.0,
}
"""Median flips to solution of the reference probSAT C code (cb = 2.06, eps = 0.9, one run per instance, median
over the SATLIB set), measured on this kind of machine (issue 14)."""


def reference_probsat(flips_per_step: int = 1, engine: str = "auto") -> ProbSAT:
    """probSAT with the C code's 3-SAT constants stated explicitly (they are also `ProbSAT()`'s defaults for
    k = 3), on bookkeeping `engine` (`hnn.ProbSAT`'s `engine`)."""
    return ProbSAT(rule="poly", cb=2.06, eps=0.9, flips_per_step=flips_per_step, engine=engine)


def flip_counts(
    cnf: CNF, *, key, replicas: int, max_flips: int, flips_per_step: int = 1, engine: str = "auto"
) -> np.ndarray:
    """Flips to solution of `replicas` independent probSAT runs on `cnf` (`inf` for a run censored at
    `max_flips`)."""
    method = reference_probsat(flips_per_step, engine)
    steps = -(-max_flips // flips_per_step)
    sol = solve(cnf, key=key, method=method, replicas=replicas, max_steps=steps, stop="all")
    flips = sol.replica_flips.astype(np.float64)
    return np.where(sol.replica_hit_step >= 1, flips, np.inf)


def set_row(
    name: str,
    instances: Sequence[CNF],
    *,
    replicas: int,
    max_flips: int,
    seed: int = 0,
    rounds: int = 1000,
    engine: str = "auto",
    c_runs: Sequence[np.ndarray] | None = None,
) -> dict:
    """One row of the table: the JAX probSAT's flips to solution on `instances` beside the C reference for `name`.

    **Arguments:**

    - `name`: the set's name (a key of `C_REFERENCE` for the comparison, e.g. `"uf50"`).
    - `instances`: its formulas.
    - `replicas`: independent runs per instance.
    - `max_flips`: the flip budget of each run.
    - `seed`: instance `i` runs with key `jr.key(seed + i)`; also seeds the bootstrap.
    - `rounds`: bootstrap resamples.
    - `engine`: the probSAT bookkeeping engine (`hnn.ProbSAT`'s `engine`).
    - `c_runs`: optionally, the C code's flips to solution on the same instances (one array of runs each,
      `c_flip_counts`).

    **Returns:**

    A dict with `set`, `instances`, `runs`, `censored` (runs that hit the budget), `median_flips` (pooled),
    `ci95` (`[lo, hi]`), `median_one_run` (replica 0 of each instance), `c_reference`, `ratio` (pooled median /
    reference) and `within_ci` (whether the reference lies in the interval); with `c_runs` also `c_median`
    (the C code's pooled median) and `ratio_c` with `ratio_c_ci95` (pooled median over the C code's, paired
    bootstrap); None where undefined.
    """
    per_instance = [
        flip_counts(cnf, key=jr.key(seed + i), replicas=replicas, max_flips=max_flips, engine=engine)
        for i, cnf in enumerate(instances)
    ]
    pooled = np.concatenate(per_instance)
    med, lo, hi = bootstrap_pooled_median_ci(per_instance, n_boot=rounds, seed=seed)
    ref = C_REFERENCE.get(name)
    c_cols = {}
    if c_runs is not None:
        ratio, r_lo, r_hi = bootstrap_pooled_ratio_ci(per_instance, c_runs, n_boot=rounds, seed=seed)
        c_cols = {
            "c_median": finite(float(median(np.concatenate([np.asarray(c, np.float64) for c in c_runs])))),
            "ratio_c": finite(ratio),
            "ratio_c_ci95": [finite(r_lo), finite(r_hi)],
        }
    return {
        "set": name,
        "instances": len(instances),
        "runs": int(pooled.size),
        "censored": int(np.sum(~np.isfinite(pooled))),
        "median_flips": finite(med),
        "ci95": [finite(lo), finite(hi)],
        "median_one_run": finite(float(np.median([f[0] for f in per_instance]))),
        "c_reference": ref,
        "ratio": finite(med / ref) if ref else None,
        "within_ci": bool(lo <= ref <= hi) if ref else None,
        **c_cols,
    }


def flip_rate(
    cnf: CNF,
    replicas: int,
    *,
    steps: int = 2000,
    flips_per_step: int = 1,
    repeats: int = 3,
    engine: str = "auto",
    devices=None,
) -> dict:
    """Flips per second aggregated over `replicas` (warm `hnn.solve` calls of `steps` steps, median wall time),
    with the replicas sharded over `devices` (`hnn.solve`'s `devices`; None: one device).

    **Returns:**

    A dict with `replicas`, `flips_per_step`, `engine`, `devices` (their number), `flips` (per call) and
    `flips_per_s`.
    """
    method = reference_probsat(flips_per_step, engine)
    key = jr.key(12345)

    def call():
        return solve(cnf, key=key, method=method, replicas=replicas, max_steps=steps, stop="all", devices=devices)

    sol = call()
    seconds = median_time(call, repeats=repeats, warmup=1)
    return {
        "replicas": replicas,
        "flips_per_step": flips_per_step,
        "engine": engine,
        "devices": 1 if devices is None else len(devices),
        "flips": sol.flips,
        "flips_per_s": sol.flips / seconds,
    }


def c_flip_counts(binary: str | pathlib.Path, path: str | pathlib.Path, seeds: Sequence[int]) -> np.ndarray:
    """Flips to solution of the reference C probSAT (the executable `binary`) on the DIMACS file at `path`, one run
    per seed (`binary --cb 2.06 --eps 0.9 FILE SEED`; the C code reads seed 0 as an error, so seeds start at 1):
    the `numFlips` it prints, `inf` for a run that ends without `s SATISFIABLE`. Raises `RuntimeError` when the
    output has no flip count."""
    out = []
    for seed in seeds:
        if seed < 1:
            raise ValueError(f"the C code's seeds must be positive, got {seed}.")
        proc = subprocess.run(
            [str(binary), "--cb", "2.06", "--eps", "0.9", str(path), str(seed)],
            capture_output=True,
            text=True,
            check=False,
        )
        found = re.search(r"^c numFlips\s*:\s*(\d+)", proc.stdout, re.MULTILINE)
        if found is None:
            raise RuntimeError(f"{binary} printed no flip count on {path} (exit code {proc.returncode}).")
        solved = re.search(r"^s SATISFIABLE", proc.stdout, re.MULTILINE) is not None
        out.append(float(found.group(1)) if solved else np.inf)
    return np.asarray(out)


def run(
    sets: Sequence[str] = tuple(C_REFERENCE),
    *,
    count: int = 20,
    replicas: int = 16,
    budget_factor: float = 20.0,
    rate_replicas: Sequence[int] = (32, 256, 1024, 4096),
    rate_flips_per_step: Sequence[int] = (1, 8),
    engine: str = "auto",
    c_binary: str | pathlib.Path | None = None,
    root: pathlib.Path | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The whole benchmark: a `set_row` per set (the first `count` instances in file-name order, a flip budget of
    `budget_factor` times the C reference median, at least 1000, on `engine`) and, on the last set's first
    instance, a `flip_rate` of each engine per replica count and flips per step, over all local devices. With
    `c_binary`, each row also holds the C code's runs on the same instances (`set_row`'s `c_runs`).

    **Returns:**

    `{"sets": [rows], "flip_rates": [rates], "rate_instance": name, "engine": engine}`; each rate has a
    `bitset_over_lists` ratio (the bitset engine's rate over the lists engine's at the same setting).
    """
    root = root or find_satlib()
    if root is None:
        raise FileNotFoundError(
            "SATLIB instances not found: set HNN_SATLIB to the directory holding uf20, uf50..."
        )
    say = progress or (lambda s: None)
    rows, last = [], None
    for name in sets:
        files = sorted((pathlib.Path(root) / name).glob("*.cnf"))[:count]
        if not files:
            raise FileNotFoundError(f"no .cnf files for set {name!r} under {root}.")
        instances = [read_dimacs(f) for f in files]
        budget = max(1000, int(budget_factor * C_REFERENCE.get(name, 5000.0)))
        c_runs = None
        if c_binary is not None:
            c_runs = [c_flip_counts(c_binary, f, range(1, replicas + 1)) for f in files]
        rows.append(
            set_row(name, instances, replicas=replicas, max_flips=budget, seed=seed, engine=engine, c_runs=c_runs)
        )
        say(format_table(rows[-1:], header=False))
        last = (files[0].name, instances[0])
    rates = []
    devices = jax.local_devices()
    for fps in rate_flips_per_step:
        for r in rate_replicas:
            shard = devices if len(devices) > 1 and r % len(devices) == 0 else None
            pair = {
                e: flip_rate(last[1], r, steps=-(-2000 // fps), flips_per_step=fps, engine=e, devices=shard)
                for e in ("lists", "bitset")
            }
            ratio = pair["bitset"]["flips_per_s"] / pair["lists"]["flips_per_s"]
            for e in ("lists", "bitset"):
                rates.append({**pair[e], "bitset_over_lists": ratio})
            say(
                f"flips/s on {last[0]}, {r} replicas, {fps} flips/step, {pair['bitset']['devices']} device(s): "
                f"lists {pair['lists']['flips_per_s']:.3g}, bitset {pair['bitset']['flips_per_s']:.3g} "
                f"(x{ratio:.1f})"
            )
    return {"sets": rows, "flip_rates": rates, "rate_instance": last[0], "engine": engine}


def format_table(rows: Sequence[dict], *, header: bool = True) -> str:
    """The rows as a fixed-width text table."""

    def num(v, fmt="{:,.0f}"):
        return "-" if v is None else fmt.format(v)

    lines = []
    if header:
        lines.append(
            f"{'set':<7}{'runs':>6}{'cens':>6}{'median':>10}{'95% CI':>20}{'1 run/inst':>12}{'C ref':>9}{'ratio':>7}"
        )
    for r in rows:
        ci = f"[{num(r['ci95'][0])}, {num(r['ci95'][1])}]"
        line = (
            f"{r['set']:<7}{r['runs']:>6}{r['censored']:>6}{num(r['median_flips'], '{:,.1f}'):>10}{ci:>20}"
            f"{num(r['median_one_run'], '{:,.1f}'):>12}{num(r['c_reference'], '{:,.1f}'):>9}"
            f"{num(r['ratio'], '{:.2f}'):>7}"
        )
        if "ratio_c" in r:
            lo, hi = r["ratio_c_ci95"]
            line += (
                f"   C pooled {num(r['c_median'], '{:,.1f}')}, ratio {num(r['ratio_c'], '{:.2f}')} "
                f"[{num(lo, '{:.2f}')}, {num(hi, '{:.2f}')}]"
            )
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring); prints the table and the flip rates, optionally writes JSON."""
    p = argparse.ArgumentParser(
        description="probSAT in JAX against the reference C code's flips to solution."
    )
    p.add_argument("--sets", default=",".join(C_REFERENCE), help="comma-separated SATLIB sets (default: all)")
    p.add_argument("--count", type=int, default=20, help="instances per set (first in file-name order)")
    p.add_argument("--replicas", type=int, default=16, help="independent runs per instance")
    p.add_argument("--rates", default="32,256,1024,4096", help="replica counts of the flip-rate measurement")
    p.add_argument("--flips-per-step", default="1,8", help="flips per step of the flip-rate measurement")
    p.add_argument(
        "--c-binary", default=None, help="the reference C probSAT executable, run on the same instances as well"
    )
    p.add_argument("--engine", default="auto", choices=("auto", "lists", "bitset"), help="engine of the search-quality runs")
    p.add_argument(
        "--root", type=pathlib.Path, default=None, help="SATLIB directory (default: $HNN_SATLIB, ...)"
    )
    p.add_argument("--out", type=pathlib.Path, default=None, help="write the results as JSON here")
    args = p.parse_args(argv)
    sets = [s for s in args.sets.split(",") if s]
    try:
        rates = [int(r) for r in args.rates.split(",") if r]
        fps = [int(f) for f in args.flips_per_step.split(",") if f]
    except ValueError:
        p.error("--rates and --flips-per-step take comma-separated integers")
    if args.count < 1 or args.replicas < 1 or any(r < 1 for r in rates + fps) or not sets:
        p.error("--count, --replicas, --rates and --flips-per-step must be positive and --sets non-empty")
    print(format_table([], header=True), flush=True)
    try:
        result = run(
            sets,
            count=args.count,
            replicas=args.replicas,
            rate_replicas=rates,
            rate_flips_per_step=fps,
            engine=args.engine,
            c_binary=args.c_binary,
            root=args.root,
            progress=lambda s: print(s, flush=True),
        )
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.out is not None:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
