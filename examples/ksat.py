"""k-SAT benchmark: the high-order Hopfield network and its digital baselines on SATLIB and generated instances.

    python examples/ksat.py --json ksat.json [--quick]

For every method and instance set it runs independent replicas of `hnn.solve(..., stop="all")` on each instance,
computes the instance's TTS99 from the replicas' first-hit steps (`hnn.tts99`, optimal run length), and writes one
row per (method, set) under "rows": median and 90th-percentile TTS99 in steps (flips per replica for the focused
searches, parallel sweeps for the Hopfield networks), median TTS99 in seconds (steps times the measured seconds per
step of the batched run), and throughput in variable updates per second (neuron update evaluations summed over
replicas, divided by the wall time of warm runs). `energy_to_solution_j` is null until the analogsim crossbar cost
model is wired in. CaDiCaL rows report its wall time per instance as TTS in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax.random as jr  # noqa: E402
import numpy as np  # noqa: E402

import hnn  # noqa: E402

SATLIB = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "satlib"
if not SATLIB.exists():
    SATLIB = pathlib.Path("/work/shared/data/satlib")


def satlib_set(name: str, count: int):
    files = sorted((SATLIB / name).glob("*.cnf"))[:count]
    return [hnn.read_dimacs(f) for f in files]


def generated_set(n_vars: int, count: int, seed: int, alpha: float = 4.26):
    """Uniform random 3-SAT at `alpha`, keeping only instances CaDiCaL certifies satisfiable."""
    out, i = [], 0
    while len(out) < count and i < 20 * count:
        cnf = hnn.random_ksat(jr.key(seed * 100_000 + i), n_vars, int(round(alpha * n_vars)), 3)
        i += 1
        if hnn.solve(cnf, method="cadical", timeout_s=60).status == "satisfied":
            out.append(cnf)
    return out


def bench(method: str, instances, replicas: int, budget: int, seed: int = 0) -> dict:
    tts_steps, tts_s, updates, wall, solved = [], [], 0, 0.0, 0
    for i, cnf in enumerate(instances):
        if method == "cadical":
            sol = hnn.solve(cnf, method="cadical", timeout_s=60)
            solved += sol.satisfied
            tts_s.append(sol.wall_time_s if sol.satisfied else np.inf)
            continue
        if i == 0:  # warm-up: compile outside the timed runs
            hnn.solve(cnf, key=jr.key(10**6), method=method, replicas=replicas, max_steps=2, stop="all")
        sol = hnn.solve(
            cnf, key=jr.key(seed + i), method=method, replicas=replicas, max_steps=budget, stop="all"
        )
        solved += sol.satisfied
        t = hnn.tts99(sol.replica_hit_step)
        tts_steps.append(t)
        tts_s.append(t * sol.wall_time_s / max(sol.steps, 1))
        updates += sol.variable_updates
        wall += sol.wall_time_s
    row = {
        "instances": len(instances),
        "solved": int(solved),
        "median_tts99_steps": None,
        "q90_tts99_steps": None,
        "median_tts99_s": _finite(hnn.tts_quantiles(tts_s)[0]) if tts_s else None,
        "updates_per_s": updates / wall if wall > 0 else None,
        "energy_to_solution_j": None,
    }
    if tts_steps:
        med, q90 = hnn.tts_quantiles(tts_steps)
        row["median_tts99_steps"], row["q90_tts99_steps"] = _finite(med), _finite(q90)
    return row


def _finite(v):
    return float(v) if np.isfinite(v) else None


UNITS = {
    "probsat": "flips per replica",
    "walksat": "flips per replica",
    "hopfield": "parallel sweeps",
    "qubo": "parallel sweeps",
    "cadical": "seconds only",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", required=True, help="output JSON path")
    parser.add_argument("--quick", action="store_true", help="a few instances per set (CI)")
    args = parser.parse_args(argv)
    quick = args.quick
    per_set = 3 if quick else 20
    sets = {
        "uf20": (20, satlib_set("uf20", per_set)),
        "uf50": (50, satlib_set("uf50", per_set)),
        "uf100": (100, satlib_set("uf100", per_set)),
    }
    if not quick:
        sets["uf75"] = (75, satlib_set("uf75", per_set))
        sets["rand150"] = (150, generated_set(150, 10, seed=1))
        sets["rand250"] = (250, generated_set(250, 10, seed=2))
    plan = {
        "probsat": (list(sets), 32, 200_000),
        "walksat": (list(sets), 32, 200_000),
        "hopfield": ([s for s in sets if sets[s][0] <= 150], 32, 20_000 if quick else 50_000),
        "qubo": ([s for s in sets if sets[s][0] <= 150], 32, 5_000 if quick else 20_000),
        "cadical": (list(sets), 1, 0),
    }
    rows = []
    start = time.perf_counter()
    for method, (names, replicas, budget) in plan.items():
        for name in names:
            n_vars, instances = sets[name]
            t0 = time.perf_counter()
            row = {
                "method": method,
                "set": name,
                "n_vars": n_vars,
                "steps_unit": UNITS[method],
                "replicas": replicas,
            }
            row.update(bench(method, instances, replicas, budget))
            rows.append(row)
            print(
                f"{method:9s} {name:8s} solved {row['solved']}/{row['instances']} "
                f"median TTS99 {row['median_tts99_steps']} steps, {row['median_tts99_s']} s "
                f"({time.perf_counter() - t0:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    out = {"rows": rows, "quick": quick, "wall_time_s": time.perf_counter() - start}
    path = pathlib.Path(args.json)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(out, indent=2))
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
