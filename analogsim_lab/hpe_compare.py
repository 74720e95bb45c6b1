"""The HPE comparison: the high-order Hopfield network against the best quadratic (QUBO) solver on the same
formulas, in time and energy to solution (Hizzani et al., ISCAS 2024, arXiv:2311.01171, report 48x lower TTS and
72x lower ETS for the high-order network at N = 150).

For each size N the two networks are tuned with the same budget of tuning runs (each grid point of 8 on the same
few tuning instances, the same replicas and step budget; the setting with the lowest median TTS99 wins), then run
on the evaluation instances (SATLIB `uf<N>`, or random 3-SAT at alpha = 4.26 certified by CaDiCaL where SATLIB has
no such size; the tuning instances are other files of the same set). Reported per size: median TTS99 in steps of
each network (high-order: parallel steps, `hnn.HighOrderHopfield`; quadratic: sweeps of simulated annealing on the
Rosenberg QUBO, `hnn.QuboAnnealing`, a lower bound on its machine's steps), median ETS (TTS99 times the energy of
one step on each network's PCM crossbar, `hnn.analog_step_cost` and `hnn.qubo_step_cost`), their ratios, and
95 % bootstrap intervals over instances (`analogsim_lab.ksat_stats`). An instance that a network does not solve
within its step budget has TTS99 `inf`; where that makes a median infinite the table shows the budget as a lower
bound (`>=`) and the ratio is a lower bound.

Run it: `python -m analogsim_lab.hpe_compare --sizes 20,50,75,100,150 --count 10 --out hpe.json` (rerun the
same command to resume after an interruption).
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
from collections.abc import Callable

import jax.random as jr
import numpy as np

import hnn
from analogsim.io import write_json

from . import ksat_bench
from .ksat_stats import bootstrap_median_ci, bootstrap_ratio_ci, finite, median

__all__ = [
    "HPE_TTS_RATIO",
    "HPE_ETS_RATIO",
    "HOPFIELD_GRID",
    "ANNEALING_GRID",
    "budgets",
    "unsolved_floor",
    "instance_sets",
    "tune",
    "compare_size",
    "compare",
    "format_table",
    "main",
]

HPE_TTS_RATIO = 48.0
"""Quadratic over high-order time to solution at N = 150 (Hizzani et al., ISCAS 2024)."""
HPE_ETS_RATIO = 72.0
"""Quadratic over high-order energy to solution at N = 150 (Hizzani et al., ISCAS 2024)."""

HOPFIELD_GRID = tuple(
    {"q": q, "t_start": t0, "t_end": t1, "anneal_steps": a}
    for q in (0.2, 0.4)
    for t0, t1 in ((1.5, 0.15), (3.0, 0.3))
    for a in (2000, 20_000)
)
"""The tuning grid of `hnn.HighOrderHopfield` (8 settings): update probability, temperature range, period."""

ANNEALING_GRID = tuple(
    {"beta_start": b0, "beta_end": b1, "sweeps": s, "penalty": 1.0}
    for b0 in (0.3, 1.0)
    for b1 in (5.0, 15.0)
    for s in (1000, 10_000)
)
"""The tuning grid of `hnn.QuboAnnealing` (8 settings): inverse-temperature range and sweeps per annealing run
(Rosenberg penalty 1: with penalty 2 the median TTS99 on uf20-01..03 is 5-10x higher at each of these settings)."""

METHODS = {
    "hopfield": (hnn.HighOrderHopfield, HOPFIELD_GRID),
    "annealing": (hnn.QuboAnnealing, ANNEALING_GRID),
}


def budgets(n_vars: int, scale: float = 1.0) -> dict[str, int]:
    """The step budget of each evaluation run at size `n_vars` times `scale` (tuning runs use a quarter):
    parallel steps of the high-order network and sweeps of the annealer (a sweep costs the CPU about 4x a
    high-order step). From N = 100 the annealer's budget is 400,000 sweeps: with 100,000 it left 5 of 10 uf100 files
    unsolved by all 32 runs (TTS99 above 4.7e6 sweeps at 95 %, `unsolved_floor`), and its TTS99 on the first uf150 file is about 1.3
    million sweeps. A size up to 75 takes minutes on one core of a 2-core CPU, N = 100 and 150 about half an
    hour each."""
    base = next((b for limit, b in ((20, 1), (50, 2), (75, 8)) if n_vars <= limit), 32)
    return {"hopfield": max(int(25_000 * base * scale), 8), "annealing": max(int(12_500 * base * scale), 8)}


def instance_sets(n_vars: int, count: int, tune_count: int, root=None) -> tuple[list, list, str]:
    """`(evaluation instances, tuning instances, source)` of size `n_vars`: the first `count` and the last
    `tune_count` files of SATLIB `uf<n_vars>` when there are enough, else generated random 3-SAT at alpha = 4.26
    (`ksat_bench.generated_set`, CaDiCaL-certified), evaluation and tuning drawn with different seeds."""
    root = root or ksat_bench.find_satlib()
    files = sorted((root / f"uf{n_vars}").glob("*.cnf")) if root is not None else []
    if len(files) >= count + tune_count:
        evaluation = [hnn.read_dimacs(f) for f in files[:count]]
        tuning = [hnn.read_dimacs(f) for f in files[len(files) - tune_count :]]
        return evaluation, tuning, f"SATLIB uf{n_vars}"
    evaluation = ksat_bench.generated_set(n_vars, count, seed=n_vars)
    tuning = ksat_bench.generated_set(n_vars, tune_count, seed=10_000 + n_vars)
    return evaluation, tuning, f"random 3-SAT, N = {n_vars}, alpha = 4.26 (CaDiCaL-certified)"


def _runs(method, instances, *, replicas: int, budget: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Each instance's TTS99 in steps (`inf` when unsolved) and mean unsatisfied clauses over its replicas at the
    end (the residual energy); instance `i` runs with key `jr.key(seed + i)`."""
    tts, residual = [], []
    for i, cnf in enumerate(instances):
        t, sol = ksat_bench.instance_tts99(
            method, cnf, replicas=replicas, budget=budget, key=jr.key(seed + i)
        )
        tts.append(t)
        residual.append(float(np.mean(sol.replica_unsat)))
    return np.array(tts), np.array(residual)


def tune(name: str, instances, *, replicas: int, budget: int, seed: int = 0) -> dict:
    """Runs every setting of `name`'s grid (`"hopfield"` or `"annealing"`) on `instances` and picks the one with
    the lowest median TTS99, ties (e.g. nothing solved) broken by the lowest mean residual energy (unsatisfied
    clauses at the end of the runs). Returns `{"grid": [{"setting", "median_tts99_steps", "residual"}], "choice",
    "runs"}` (`runs`: settings x instances, the same for both networks)."""
    if name not in METHODS:
        raise ValueError(f"`name` must be one of {sorted(METHODS)}, got {name!r}.")
    cls, grid = METHODS[name]
    rows, scores = [], []
    for setting in grid:
        tts, residual = _runs(cls(**setting), instances, replicas=replicas, budget=budget, seed=seed)
        med = bootstrap_median_ci(tts)[0]
        rows.append(
            {"setting": setting, "median_tts99_steps": finite(med), "residual": float(np.mean(residual))}
        )
        scores.append((med, float(np.mean(residual))))
    choice = grid[min(range(len(grid)), key=lambda i: scores[i])]
    return {"grid": rows, "choice": choice, "runs": len(grid) * len(instances)}


def unsolved_floor(budget: float, replicas: int) -> float:
    """A 95 % lower bound on the TTS99 of an instance that none of `replicas` runs of `budget` steps solved: by the
    rule of three the success probability of a run is below `3 / replicas` at 95 % confidence, so
    `TTS99 >= budget ln(0.01) / ln(1 - 3 / replicas)` (about 47 budgets for 32 replicas). This assumes runs of
    `budget` steps are the restart unit; both networks re-anneal periodically within a run (every
    `anneal_steps` or `sweeps` steps), which makes success over whole periods close to memoryless."""
    return budget * float(np.log(0.01) / np.log1p(-min(3.0 / replicas, 0.99)))


def _summary(values: np.ndarray, budget: float, replicas: int) -> dict:
    """Median and 95 % interval of per-instance values, and two lower bounds of the median where unsolved
    instances make it infinite: each unsolved instance counted at `budget` (certain: its TTS99 is at least the
    budget), and at `unsolved_floor` (95 % confidence per instance)."""
    med, lo, hi = bootstrap_median_ci(values)
    solved = np.isfinite(values)
    return {
        "median": finite(med),
        "low": finite(lo),
        "high": finite(hi),
        "median_at_least": float(median(np.where(solved, values, budget))),
        "median_at_least_95": float(median(np.where(solved, values, unsolved_floor(budget, replicas)))),
        "solved": int(solved.sum()),
    }


def compare_size(
    n_vars: int,
    *,
    count: int,
    tune_count: int,
    replicas: int,
    progress: Callable[[str], None],
    budget_scale: float = 1.0,
) -> dict:
    """The comparison at one size: tuning of both networks, then TTS99 and ETS per evaluation instance, summaries
    and ratios (quadratic over high-order). See the module docstring."""
    evaluation, tuning, source = instance_sets(n_vars, count, tune_count)
    budget = budgets(n_vars, budget_scale)
    row: dict = {
        "n_vars": n_vars,
        "source": source,
        "instances": len(evaluation),
        "replicas": replicas,
        "budget": budget,
    }
    tts, ets = {}, {}
    for name, (cls, _) in METHODS.items():
        t0 = time.perf_counter()
        tuned = tune(name, tuning, replicas=replicas, budget=budget[name] // 4, seed=10**6)
        method = cls(**tuned["choice"])
        tts[name] = _runs(method, evaluation, replicas=replicas, budget=budget[name], seed=0)[0]
        step_j = np.array([_step_energy_j(name, cnf, method) for cnf in evaluation])
        ets[name] = tts[name] * step_j
        row[name] = {
            "tuning": tuned,
            "tts99_steps": _summary(tts[name], budget[name], replicas),
            "ets_j": _summary(ets[name], budget[name] * float(np.median(step_j)), replicas),
            "step_energy_j": float(np.median(step_j)),
            "instance_tts99_steps": [finite(v) for v in tts[name]],
        }
        progress(
            f"N={n_vars} {name}: tuned {tuned['choice']}, solved {row[name]['tts99_steps']['solved']}/{len(evaluation)}, "
            f"median TTS99 {row[name]['tts99_steps']['median']} steps ({time.perf_counter() - t0:.0f} s)"
        )
    for key, field, values in (("tts_ratio", "tts99_steps", tts), ("ets_ratio", "ets_j", ets)):
        ratio, lo, hi = bootstrap_ratio_ci(values["annealing"], values["hopfield"])
        high_order = row["hopfield"][field]["median"]
        row[key] = {
            "ratio": finite(ratio),
            "low": finite(lo),
            "high": finite(hi),
            "at_least": row["annealing"][field]["median_at_least"] / high_order if high_order else None,
            "at_least_95": row["annealing"][field]["median_at_least_95"] / high_order if high_order else None,
        }
    row["colors"] = int(hnn.QuboAnnealing().prepare(evaluation[0]).colors) if evaluation else None
    return row


def _step_energy_j(name: str, cnf, method) -> float:
    """The energy of one step of one replica on the network's crossbar (PCM calibrated to IBM HERMES)."""
    if name == "hopfield":
        return float(hnn.analog_step_cost(cnf).total_j)
    return float(hnn.qubo_step_cost(cnf, penalty=method.penalty).total_j)


def compare(
    sizes=(20, 50, 75, 100, 150),
    *,
    count: int = 5,
    tune_count: int = 2,
    replicas: int = 32,
    budget_scale: float = 1.0,
    progress=None,
    checkpoint: pathlib.Path | None = None,
) -> dict:
    """`compare_size` for every size (`budget_scale` multiplies every step budget); returns `{"rows", "hpe":
    {"tts_ratio", "ets_ratio", "n_vars"}, "settings", "wall_time_s"}`.

    With `checkpoint` (a JSON path) the result so far is written there atomically after each size, and a rerun
    with the same settings (`count`, `tune_count`, `replicas`, `budget_scale`) keeps the sizes already in the file
    instead of running them again; a file with other settings is an error, not overwritten."""
    if not budget_scale > 0:
        raise ValueError(f"`budget_scale` must be positive, got {budget_scale}.")
    if count < 1 or tune_count < 1 or replicas < 2:
        raise ValueError(
            f"need count >= 1, tune_count >= 1 and replicas >= 2, got {count}, {tune_count}, {replicas}."
        )
    progress = progress or (lambda msg: None)
    settings = {"count": count, "tune_count": tune_count, "replicas": replicas, "budget_scale": budget_scale}
    done = _finished_rows(checkpoint, settings)
    start = time.perf_counter()
    rows = []
    for n in sizes:
        if n in done:
            progress(f"N={n}: kept from {checkpoint}")
            rows.append(done[n])
            continue
        rows.append(
            compare_size(
                n, count=count, tune_count=tune_count, replicas=replicas, progress=progress, budget_scale=budget_scale
            )
        )
        if checkpoint is not None:
            write_json(checkpoint, _result(rows + [r for m, r in done.items() if m not in sizes], settings, start))
    return _result(rows, settings, start)


def _result(rows: list, settings: dict, start: float) -> dict:
    return {
        "rows": rows,
        "hpe": {"tts_ratio": HPE_TTS_RATIO, "ets_ratio": HPE_ETS_RATIO, "n_vars": 150},
        "settings": settings,
        "wall_time_s": time.perf_counter() - start,
    }


def _finished_rows(checkpoint: pathlib.Path | None, settings: dict) -> dict[int, dict]:
    """The rows already in `checkpoint` by size, when it exists and was run with `settings`; a row run with other
    step budgets (`budgets` has changed since) is left out, so it runs again."""
    if checkpoint is None or not pathlib.Path(checkpoint).exists():
        return {}
    try:
        saved = json.loads(pathlib.Path(checkpoint).read_text())
        rows = {int(r["n_vars"]): r for r in saved["rows"]}
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{checkpoint} is not a result of this comparison ({e}); move it away to start over.") from e
    if saved.get("settings") != settings:
        raise ValueError(
            f"{checkpoint} was run with settings {saved.get('settings')}, not {settings}; move it away or "
            "rerun with its settings."
        )
    return {n: r for n, r in rows.items() if r.get("budget") == budgets(n, settings["budget_scale"])}


def _cell(summary: dict, fmt: str = "{:.3g}") -> str:
    """`median [low, high]`, or `>= bound` when the median is unsolved."""
    if summary["median"] is None:
        return f">= {fmt.format(summary['median_at_least'])} (>= {fmt.format(summary['median_at_least_95'])} at 95 %)"
    high = "inf" if summary["high"] is None else fmt.format(summary["high"])
    return f"{fmt.format(summary['median'])} [{fmt.format(summary['low'])}, {high}]"


def _ratio_cell(r: dict) -> str:
    if r["ratio"] is None:
        if r["at_least"] is None:
            return "n/a"
        return f">= {r['at_least']:.3g} (>= {r['at_least_95']:.3g} at 95 %; lower bounds)"
    high = "inf" if r["high"] is None else f"{r['high']:.3g}"
    return f"{r['ratio']:.3g} [{r['low']:.3g}, {high}]"


def format_table(result: dict) -> str:
    """The comparison as a Markdown table (medians with 95 % bootstrap intervals), then the N = 150 ratios next to
    HPE's."""
    lines = [
        "| N | solved HO / QUBO | HO TTS99 (steps) | QUBO SA TTS99 (sweeps) | TTS ratio | HO ETS (J) | QUBO ETS (J) "
        "| ETS ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        ho, sa = r["hopfield"], r["annealing"]
        lines.append(
            f"| {r['n_vars']} | {ho['tts99_steps']['solved']}/{r['instances']} / {sa['tts99_steps']['solved']}/"
            f"{r['instances']} | {_cell(ho['tts99_steps'])} | {_cell(sa['tts99_steps'])} | {_ratio_cell(r['tts_ratio'])} "
            f"| {_cell(ho['ets_j'])} | {_cell(sa['ets_j'])} | {_ratio_cell(r['ets_ratio'])} |"
        )
    at = [r for r in result["rows"] if r["n_vars"] == result["hpe"]["n_vars"]]
    if at:
        r = at[0]
        lines += [
            "",
            f"N = {r['n_vars']}: TTS ratio (QUBO / high-order) {_ratio_cell(r['tts_ratio'])} vs HPE's "
            f"{HPE_TTS_RATIO:.0f}x; ETS ratio {_ratio_cell(r['ets_ratio'])} vs HPE's {HPE_ETS_RATIO:.0f}x.",
        ]
    return "\n".join(lines)


def main(argv=None) -> int:
    """`python -m analogsim_lab.hpe_compare [--sizes 20,50,75,100,150] [--count N] [--tune-count N]
    [--replicas R] [--budget-scale S] [--out FILE.json]`: runs `compare`, prints the table, writes the JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m analogsim_lab.hpe_compare", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", default="20,50,75,100,150", help="comma-separated numbers of variables")
    parser.add_argument("--count", type=int, default=5, help="evaluation instances per size")
    parser.add_argument("--tune-count", type=int, default=2, help="tuning instances per size")
    parser.add_argument(
        "--replicas", type=int, default=32, help="independent runs per instance (TTS99 sample)"
    )
    parser.add_argument("--budget-scale", type=float, default=1.0, help="multiply every step budget by this")
    parser.add_argument(
        "--out", type=pathlib.Path, default=None, help="write the result as JSON here (after each size; a rerun resumes)"
    )
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    try:
        result = compare(
            sizes,
            count=args.count,
            tune_count=args.tune_count,
            replicas=args.replicas,
            budget_scale=args.budget_scale,
            progress=lambda m: print(m, file=sys.stderr, flush=True),
            checkpoint=args.out,
        )
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_table(result))
    if args.out is not None:
        write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
