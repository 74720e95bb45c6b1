"""The k-SAT benchmark behind `examples/ksat.py` and the report's k-SAT section.

For every method and instance set it runs independent replicas of `hnn.solve(..., stop="all")` on each instance,
computes the instance's TTS99 from the replicas' first-hit steps (`hnn.tts99` with the run length chosen on one half
of the replicas and scored on the other, so the choice does not bias it low), and returns one
row per (method, set): median and 90th-percentile TTS99 in steps (flips per replica for the focused searches,
parallel sweeps for the Hopfield networks), median TTS99 in seconds (steps times the measured seconds per step of
the batched run divided by the number of replicas, i.e. the CPU time of one replica's steps, crediting the CPU with
perfect batching), and throughput in variable updates per second (neuron update evaluations summed over replicas,
divided by the wall time of warm runs). CaDiCaL rows report its wall time per instance as TTS in seconds.

Timing: each `hnn.solve` run is timed once, by `solve` itself (`Solution.wall_time_s`), after one short warm-up run
per method and instance set has compiled the loop; the row's seconds are the median over instances. The median
timer `analogsim.timing` does not apply here: a run is a long stochastic search whose length is the measurement, and
repeating it to take a median would multiply the benchmark's time by the repeats.
"""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Callable

import jax.random as jr
import numpy as np

from analogsim.cost import CPU_POWER_W
from hnn import analog_step_cost, energy_to_solution_j, random_ksat, read_dimacs, solve, tts99, tts_quantiles

from .ksat_stats import finite

UNITS = {
    "probsat": "flips per replica",
    "walksat": "flips per replica",
    "hopfield": "parallel sweeps",
    "qubo": "parallel sweeps",
    "qubo_sa": "Metropolis sweeps",
    "analog": "parallel sweeps",
    "cadical": "seconds only",
}


def find_satlib() -> pathlib.Path | None:
    """The SATLIB directory: `$HNN_SATLIB`, else `shared/data/satlib` beside the working directory or beside the
    source checkout; None if there is none (then only generated instances are used)."""
    candidates = []
    if os.environ.get("HNN_SATLIB"):
        candidates.append(pathlib.Path(os.environ["HNN_SATLIB"]))
    cwd = pathlib.Path.cwd()
    candidates += [cwd / ".." / "shared" / "data" / "satlib", cwd / "shared" / "data" / "satlib"]
    candidates.append(pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "satlib")
    for c in candidates:
        if (c / "uf20").is_dir():
            return c.resolve()
    return None


def satlib_set(name: str, count: int, root: pathlib.Path | None = None) -> list:
    """The first `count` instances (in file-name order) of the SATLIB set `name` (e.g. `"uf20"`) under `root`
    (default: `find_satlib()`), as `hnn.CNF`s; raises `FileNotFoundError` when there is no SATLIB directory."""
    root = root or find_satlib()
    if root is None:
        raise FileNotFoundError(
            "SATLIB instances not found: set HNN_SATLIB to the directory holding uf20, uf50..."
        )
    files = sorted((root / name).glob("*.cnf"))[:count]
    return [read_dimacs(f) for f in files]


THRESHOLD_ALPHA = {3: 4.267, 4: 9.931, 5: 21.117, 6: 43.37, 7: 87.79}
"""The satisfiability threshold `alpha_k = m / n` of random k-SAT (Mertens, Mezard & Zecchina, Random Struct.
Algorithms 28, 340, 2006, table 1); the SATLIB `uf` sets use 4.26 for k = 3."""

PROBSAT_C_FLIPS = {20: 38.5, 50: 292.0, 75: 845.0, 100: 1515.0, 150: 3325.0, 200: 9686.0, 250: 14397.0}
"""Median flips to solution of the reference probSAT C code (Balint & Schoening, SAT 2012; `cb = 2.06`,
`eps = 0.9`, one run per instance) over the SATLIB `uf<N>` sets, measured on this kind of machine (issue 14)."""


def generated_set(n_vars: int, count: int, seed: int, alpha: float = 4.26, k: int = 3) -> list:
    """`count` uniform random k-SAT instances (`hnn.random_ksat`, not planted) of `n_vars` variables at clause
    density `alpha`, keeping only those that CaDiCaL certifies satisfiable within 60 s (at most `20 * count` are
    drawn; `generated_set_report` also says how many were discarded)."""
    return generated_set_report(n_vars, count, seed, alpha, k)[0]


def generated_set_report(
    n_vars: int, count: int, seed: int, alpha: float = 4.26, k: int = 3
) -> tuple[list, int]:
    """`(instances, discarded)`: `generated_set`'s instances and the number of drawn formulas it discarded
    (unsatisfiable, or undecided by CaDiCaL within 60 s). Formula `i` is drawn with key `jr.key(seed * 100_000 + i)`."""
    out, i = [], 0
    while len(out) < count and i < 20 * count:
        cnf = random_ksat(jr.key(seed * 100_000 + i), n_vars, int(round(alpha * n_vars)), k)
        i += 1
        if solve(cnf, method="cadical", timeout_s=60).satisfied:
            out.append(cnf)
    return out, i - len(out)


def k_set(k: int, n_vars: int, count: int, seed: int = 0) -> list:
    """`count` satisfiable random k-SAT instances of `n_vars` variables at the threshold `THRESHOLD_ALPHA[k]`."""
    if k not in THRESHOLD_ALPHA:
        raise ValueError(f"`k` must be one of {sorted(THRESHOLD_ALPHA)} (a known threshold), got {k}.")
    return generated_set(n_vars, count, seed, THRESHOLD_ALPHA[k], k)


def instance_tts99(method, cnf, *, replicas: int, budget: int, key, devices=None) -> tuple[float, object]:
    """`(TTS99 in steps, the hnn.Solution)` of one instance: `replicas` independent runs of `budget` steps
    (`hnn.solve(..., stop="all")`, replicas over `devices` as `hnn.solve` spreads them), TTS99 from their first-hit
    steps (`hnn.tts99`; `inf` when none hit)."""
    sol = solve(cnf, key=key, method=method, replicas=replicas, max_steps=budget, stop="all", devices=devices)
    return tts99(sol.replica_hit_step), sol


def bench(method, instances, replicas: int, budget: int, seed: int = 0, *, devices=None) -> dict:
    """One benchmark row for `method` over `instances`.

    **Arguments:**

    - `method`: a name in `hnn.METHODS` or an `hnn.AbstractMethod`.
    - `instances`: the `hnn.CNF`s of one set.
    - `replicas`: independent replicas per instance (the TTS99 sample).
    - `budget`: the step budget of each run.
    - `seed`: instance `i` runs with key `jr.key(seed + i)`.
    - `devices`: the devices the replicas are spread over (`hnn.solve`'s argument; `jax.devices()` after
      `analogsim.distributed.initialize` spans every process). Steps-based figures do not depend on it.

    **Returns:**

    A dict with `instances`, `solved`, `median_tts99_steps`, `q90_tts99_steps`, `median_tts99_s`, `updates_per_s`
    and `energy_to_solution_j` (None where nothing was solved), and for the stochastic methods
    `instance_tts99_steps` (each instance's TTS99, None where unsolved). Energy to solution: for `analog`, TTS99 steps times
    the energy of one step priced by `analogsim.cost` (PCM calibrated to IBM HERMES); for the digital methods,
    TTS99 seconds on this CPU times `analogsim.cost.CPU_POWER_W`.
    """

    tts_steps, tts_s, updates, wall, solved, ets = [], [], 0, 0.0, 0, []
    for i, cnf in enumerate(instances):
        if method == "cadical":
            sol = solve(cnf, method="cadical", timeout_s=60)
            solved += sol.satisfied
            tts_s.append(sol.wall_time_s if sol.satisfied else np.inf)
            ets.append(tts_s[-1] * CPU_POWER_W)
            continue
        if i == 0:  # warm-up: compile outside the timed runs
            solve(cnf, key=jr.key(10**6), method=method, replicas=replicas, max_steps=2, stop="all", devices=devices)
        t, sol = instance_tts99(method, cnf, replicas=replicas, budget=budget, key=jr.key(seed + i), devices=devices)
        solved += sol.satisfied
        tts_steps.append(t)
        # CPU seconds of one replica's TTS99 steps: the batched run's time per step, shared among its replicas.
        tts_s.append(t * sol.wall_time_s / max(sol.steps, 1) / replicas)
        if method == "analog":
            e = energy_to_solution_j(t, analog_step_cost(cnf))
            ets.append(np.inf if e is None else e)
        else:
            ets.append(tts_s[-1] * CPU_POWER_W)
        updates += sol.variable_updates
        wall += sol.wall_time_s
    row = {
        "instances": len(instances),
        "solved": int(solved),
        "median_tts99_steps": None,
        "q90_tts99_steps": None,
        "median_tts99_s": finite(tts_quantiles(tts_s)[0]) if tts_s else None,
        "updates_per_s": updates / wall if wall > 0 else None,
        "energy_to_solution_j": finite(tts_quantiles(ets)[0]) if ets else None,
    }
    if tts_steps:
        row["instance_tts99_steps"] = [finite(v) for v in tts_steps]
        med, q90 = tts_quantiles(tts_steps)
        row["median_tts99_steps"], row["q90_tts99_steps"] = finite(med), finite(q90)
    return row


MODES = ("quick", "report", "full")


def run(mode: str = "report", progress: Callable[[str], None] | None = None) -> dict:
    """The benchmark at one of three sizes.

    - `"quick"`: 3 SATLIB instances of 20 and 50 variables (about a minute; CI and `analogsim report --quick`);
    - `"report"`: 5 instances each of uf20, uf50, uf75, uf100 (a few minutes; `analogsim report`);
    - `"full"`: 20 instances per SATLIB set plus 10 generated satisfiable instances of 150 and 250 variables,
      and 10 of random 4-SAT and 5-SAT with 50 variables at the threshold (tens of minutes; `examples/ksat.py`).

    `progress` receives one line per finished row. Returns `{"rows", "mode", "quick", "satlib", "wall_time_s"}`:
    the rows of `bench` with `method`, `set`, `k` (the clause size), `n_vars`, `steps_unit` and `replicas` added.
    """
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}, got {mode!r}.")
    progress = progress or (lambda msg: None)
    root = find_satlib()
    sets = _instance_sets(mode, root, progress)
    rows = []
    start = time.perf_counter()
    for method, (set_names, replicas, budget) in _plan(mode, sets).items():
        for name in set_names:
            n_vars, instances = sets[name]
            t0 = time.perf_counter()
            row = {
                "method": method,
                "set": name,
                "k": max((c.width for c in instances), default=3),
                "n_vars": n_vars,
                "steps_unit": UNITS[method],
                "replicas": replicas,
            }
            row.update(bench(method, instances, replicas, budget))
            rows.append(row)
            progress(
                f"{method} {name}: solved {row['solved']}/{row['instances']}, median TTS99 "
                f"{row['median_tts99_steps']} steps ({time.perf_counter() - t0:.1f} s)"
            )
    return {
        "rows": rows,
        "mode": mode,
        "quick": mode == "quick",
        "satlib": str(root) if root else None,
        "wall_time_s": time.perf_counter() - start,
    }


def _instance_sets(mode: str, root, progress) -> dict[str, tuple[int, list]]:
    """The instance sets of `mode`, by name: `(n_vars, instances)`; SATLIB sets when `root` is a SATLIB directory,
    else generated sets of the same sizes."""
    per_set = {"quick": 3, "report": 5, "full": 20}[mode]
    sets: dict[str, tuple[int, list]] = {}
    names = ("uf20", "uf50") if mode == "quick" else ("uf20", "uf50", "uf75", "uf100")
    for name in names:
        n = int(name[2:])
        if root is not None:
            sets[name] = (n, satlib_set(name, per_set, root))
        else:
            progress(f"SATLIB not found: generating {name}-like instances")
            sets[f"rand{n}"] = (n, generated_set(n, per_set, seed=n))
    if mode == "full":
        sets["rand150"] = (150, generated_set(150, 10, seed=1))
        sets["rand250"] = (250, generated_set(250, 10, seed=2))
        for k in (4, 5):  # random k-SAT at the threshold (`THRESHOLD_ALPHA`), CaDiCaL-certified
            sets[f"k{k}-n50"] = (50, k_set(k, 50, 10, seed=k))
    return sets


def _plan(mode: str, sets: dict[str, tuple[int, list]]) -> dict[str, tuple[list[str], int, int]]:
    """For each method of `mode`: the set names it runs on, its replicas and its step budget. The Hopfield networks
    run up to 150 variables, the analog network up to 50 (quick) or 100."""
    full = mode == "full"
    small = [s for s in sets if sets[s][0] <= 150]
    plan = {
        "probsat": (list(sets), 32, 400_000),
        "walksat": (list(sets), 32, 400_000),
        "hopfield": (small, 32, 50_000 if full else 20_000),
        "qubo": (small, 32, 100_000 if full else 20_000),
        "analog": ([s for s in sets if sets[s][0] <= (50 if mode == "quick" else 100)], 32, 20_000),
        "cadical": (list(sets), 1, 0),
    }
    if not full:
        plan.pop("walksat")
    return plan
