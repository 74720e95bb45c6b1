"""Scaling of the tuned high-order Hopfield network with N on SATLIB uniform random 3-SAT, side by side with probSAT.

For each set (`uf50` ... `uf250`) and each method it runs `replicas` independent runs per instance
(`analogsim_lab.ksat_bench.instance_tts99`: `hnn.solve(..., stop="all")`, TTS99 from the first-hit steps), and
reports the percentage solved within the step budget, median and 90th-percentile TTS99 over instances with 95 %
bootstrap intervals (`analogsim_lab.ksat_stats`), and per method the fitted scaling exponent with its interval.

The methods and what one of their steps is:

- `hopfield`: `hnn.HighOrderHopfield.tuned(N)` (focused parallel updates with the schedule tuned for `N`
  variables; its docstring gives the tuning runs). A step is one parallel sweep: every neuron of a replica reads
  its local field and the eligible ones (variables of unsatisfied clauses) update at once, so one sweep can flip
  several variables. Its TTS99 is also reported in variables flipped (`replica_flips` up to the hit) and in
  neuron updates (sweeps x N).
- `probsat`: `hnn.ProbSAT()` (cb = 2.06, eps = 0.9, one flip per step). A step is one flip.

The fit is that of the report's k-SAT scaling section: `log10 median TTS99 = a + b N` (log-linear, exponential
scaling; `ksat_stats.fit_exponent(against="n")`). The comparison at the largest size gives the exponent ratio
`b_hopfield / b_probsat` (both in steps of their own kind) and the paired bootstrap ratio of median TTS99s.

"Within the timeout": for every instance of the sets named by `--timeout-sets` it also runs
`hnn.solve(cnf, method=hopfield, replicas=32, timeout_s=60, stop="any")` (32 replicas, no step limit but the
time, as `python -m hnn FILE --timeout 60` runs a method), and records whether it solved and how long it took.

Run it (resumable: a set already in `--out` with the same settings is not run again):

```
python -m analogsim_lab.hopfield_scaling --root /work/shared/data/satlib --sets uf50,uf100,uf150,uf200,uf250 \\
    --count 10 --replicas 16 --timeout-sets uf150,uf200,uf250 --out hopfield_scaling.json
```

(about 25 minutes on a shared 2-core CPU; `HighOrderHopfield`'s docstring quotes its result).

The tuning runs behind the schedule are `analogsim_lab.hopfield_tuning`'s.
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
from .ksat_stats import bootstrap_median_ci, bootstrap_ratio_ci, finite, fit_exponent

__all__ = [
    "METHODS",
    "make_method",
    "method_setting",
    "set_files",
    "tts_runs",
    "timeout_check",
    "BUDGETS",
    "summarize",
    "run_set",
    "scaling",
    "run",
    "format_table",
    "parser",
    "parse",
    "main",
]

METHODS = ("hopfield", "probsat")
"""The methods compared: the tuned focused high-order network and probSAT (one flip per step)."""

BUDGETS = {"hopfield": 100_000, "probsat": 1_000_000}
"""Default step budget of each run: parallel sweeps (hopfield) and flips (probSAT)."""


def make_method(name: str, n_vars: int) -> hnn.AbstractMethod:
    """The method `name` (in `METHODS`) configured for formulas of `n_vars` variables."""
    if name == "hopfield":
        return hnn.HighOrderHopfield.tuned(n_vars)
    if name == "probsat":
        return hnn.ProbSAT()
    raise ValueError(f"`name` must be one of {METHODS}, got {name!r}.")


def method_setting(method) -> dict:
    """The parameters of a method of `METHODS` that set its dynamics (recorded with each row)."""
    if isinstance(method, hnn.HighOrderHopfield):
        return {k: getattr(method, k) for k in ("focused", "q", "t_start", "t_end", "anneal_steps")}
    return {"rule": method.rule, "cb": method.cb, "eps": method.eps}


def set_files(root: pathlib.Path, name: str, count: int, *, last: bool = False) -> list[pathlib.Path]:
    """The first (or, with `last`, the last) `count` CNF files of the set directory `root / name`, in file-name
    order; raises `ValueError` when the set has fewer files."""
    files = sorted((pathlib.Path(root) / name).glob("*.cnf"))
    if count < 1 or len(files) < count:
        raise ValueError(f"set {name!r} under {root} has {len(files)} CNF files; asked for {count} (>= 1).")
    return files[len(files) - count :] if last else files[:count]


def tts_runs(method, instances, *, replicas: int, budget: int, seed: int = 0) -> dict:
    """Per instance: TTS99 in steps and in variables flipped (`inf` when no replica solved it), the fraction of
    replicas that solved it, and the sweeps or flips per second of the batched run. Instance `i` runs with key
    `jr.key(seed + i)`."""
    steps, flips, solved, rate = [], [], [], []
    for i, cnf in enumerate(instances):
        if i == 0:  # compile outside the timed runs
            hnn.solve(cnf, key=jr.key(10**6), method=method, replicas=replicas, max_steps=2, stop="all")
        t, sol = ksat_bench.instance_tts99(
            method, cnf, replicas=replicas, budget=budget, key=jr.key(seed + i)
        )
        hit = sol.replica_hit_step >= 0
        steps.append(t)
        flips.append(hnn.tts99(np.where(hit, sol.replica_flips, -1)))
        solved.append(float(np.mean(hit)))
        rate.append(sol.steps / max(sol.wall_time_s, 1e-9))
    return {"tts99_steps": steps, "tts99_flips": flips, "replicas_solved": solved, "steps_per_s": rate}


def timeout_check(method, instances, *, timeout_s: float = 60.0, replicas: int = 32, seed: int = 0) -> dict:
    """`hnn.solve(..., stop="any", timeout_s=timeout_s)` on every instance, as `python -m hnn --timeout` runs it:
    `{"solved", "instances", "wall_s"}` (`wall_s`: each run's seconds, compilation of the first included)."""
    walls, solved = [], 0
    for i, cnf in enumerate(instances):
        sol = hnn.solve(
            cnf, key=jr.key(seed + i), method=method, replicas=replicas, max_steps=2**30, timeout_s=timeout_s
        )
        solved += sol.satisfied
        walls.append(sol.wall_time_s)
    return {"solved": int(solved), "instances": len(instances), "timeout_s": timeout_s, "wall_s": walls}


def summarize(values) -> dict:
    """The percentage of instances with a finite TTS99 (`percent_solved`), and the median and q90 of per-instance
    TTS99 values (`inf`: unsolved) with 95 % bootstrap intervals over instances."""
    v = np.asarray(values, np.float64)
    med, lo, hi = bootstrap_median_ci(v)
    q90 = float(np.quantile(v, 0.9, method="higher"))
    rng = np.random.default_rng(0)
    boot = np.quantile(v[rng.integers(0, v.size, (2000, v.size))], 0.9, axis=1, method="higher")
    return {
        "percent_solved": 100.0 * float(np.mean(np.isfinite(v))),
        "median": finite(med),
        "median_ci": [finite(lo), finite(hi)],
        "q90": finite(q90),
        "q90_ci": [
            finite(float(np.percentile(boot, 2.5, method="lower"))),
            finite(float(np.percentile(boot, 97.5, method="higher"))),
        ],
    }


def run_set(root, name: str, *, count: int, replicas: int, budgets: dict, timeout: bool, progress) -> dict:
    """One set: `tts_runs` of every method on the first `count` files, their summaries, and (with `timeout`) the
    hopfield `timeout_check`."""
    instances = [hnn.read_dimacs(f) for f in set_files(root, name, count)]
    n_vars = instances[0].n_vars
    row: dict = {"set": name, "n_vars": n_vars, "instances": count, "replicas": replicas, "budgets": budgets}
    for m in METHODS:
        t0 = time.perf_counter()
        method = make_method(m, n_vars)
        runs = tts_runs(method, instances, replicas=replicas, budget=budgets[m])
        row[m] = {
            "setting": method_setting(method),
            "instance_tts99_steps": [finite(v) for v in runs["tts99_steps"]],
            "instance_tts99_flips": [finite(v) for v in runs["tts99_flips"]],
            "replicas_solved": runs["replicas_solved"],
            "steps_per_s": float(np.median(runs["steps_per_s"])),
            "tts99_steps": summarize(runs["tts99_steps"]),
            "tts99_flips": summarize(runs["tts99_flips"]),
        }
        progress(f"{name} {m}: {row[m]['tts99_steps']} ({time.perf_counter() - t0:.0f} s)")
    if timeout:
        row["timeout"] = timeout_check(make_method("hopfield", n_vars), instances)
        progress(f"{name} hopfield --timeout 60: solved {row['timeout']['solved']}/{count}")
    return row


def _values(row: dict, method: str, unit: str) -> np.ndarray:
    return np.array([np.inf if v is None else v for v in row[method][f"instance_tts99_{unit}"]])


def scaling(rows: list[dict]) -> dict:
    """The fitted exponents (`log10 median = a + b N`) per method: hopfield in sweeps, in flips and in neuron
    updates (sweeps x N), probSAT in flips; and at the largest N the exponent ratio hopfield (sweeps) / probSAT
    and the paired bootstrap ratio of median TTS99s (hopfield sweeps over probSAT flips)."""
    rows = sorted(rows, key=lambda r: r["n_vars"])
    sizes = [r["n_vars"] for r in rows]
    series = {
        "hopfield_sweeps": [_values(r, "hopfield", "steps") for r in rows],
        "hopfield_flips": [_values(r, "hopfield", "flips") for r in rows],
        "hopfield_updates": [_values(r, "hopfield", "steps") * r["n_vars"] for r in rows],
        "probsat_flips": [_values(r, "probsat", "steps") for r in rows],
    }
    fits = {}
    for key, values in series.items():
        f = fit_exponent(sizes, values, against="n")
        fits[key] = {k: (finite(v) if isinstance(v, float) else v) for k, v in f.items()}
    out: dict = {"fit": "log10 median TTS99 = a + b N", "fits": fits}
    b_h, b_p = fits["hopfield_sweeps"]["slope"], fits["probsat_flips"]["slope"]
    out["exponent_ratio"] = b_h / b_p if b_h is not None and b_p else None
    last = rows[-1]
    ratio, lo, hi = bootstrap_ratio_ci(_values(last, "hopfield", "steps"), _values(last, "probsat", "steps"))
    out["tts_ratio_at_largest"] = {
        "n_vars": last["n_vars"],
        "ratio": finite(ratio),
        "ci": [finite(lo), finite(hi)],
    }
    return out


def _load(path) -> dict:
    p = pathlib.Path(path) if path else None
    return json.loads(p.read_text()) if p is not None and p.exists() else {}


def run(
    root,
    sets,
    *,
    count: int,
    replicas: int,
    budgets=None,
    timeout_sets=("uf150", "uf250"),
    out=None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """`run_set` for every set in `sets`, then `scaling` over them; with `out`, the JSON is written (atomically)
    after every set, and a set already in `out` with the same `count`, `replicas`, budgets and method settings is
    reused."""
    progress = progress or (lambda msg: None)
    budgets = {**BUDGETS, **(budgets or {})}
    done = {r["set"]: r for r in _load(out).get("rows", [])}
    rows = []
    for name in sets:
        old = done.get(name)
        if (
            old
            and (old["instances"], old["replicas"], old["budgets"]) == (count, replicas, budgets)
            and ("timeout" in old or name not in timeout_sets)
            and all(old[m]["setting"] == method_setting(make_method(m, old["n_vars"])) for m in METHODS)
        ):
            progress(f"{name}: reused from {out}")
            rows.append(old)
        else:
            rows.append(
                run_set(
                    root,
                    name,
                    count=count,
                    replicas=replicas,
                    budgets=budgets,
                    timeout=name in timeout_sets,
                    progress=progress,
                )
            )
        result = {"rows": rows, "scaling": scaling(rows) if len(rows) > 1 else None}
        if out:
            write_json(out, result)
    return result


def format_table(result: dict) -> str:
    """The result as a Markdown table, one line per (set, method, unit), and the scaling summary. "Solved by a
    replica" counts the instances that at least one replica solved within the budget; "finite TTS99 %" those
    whose TTS99 could be estimated (`hnn.tts99` needs a success in both halves of the replicas)."""
    lines = [
        "| set | method | solved by a replica | finite TTS99 % | median TTS99 [95 % CI] | q90 TTS99 [95 % CI] "
        "| unit |",
        "|---|---|---|---|---|---|---|",
    ]
    fmt = lambda v: "inf" if v is None else f"{v:,.0f}"  # noqa: E731
    for r in result["rows"]:
        for m, unit_key, unit in (
            ("hopfield", "tts99_steps", "sweeps"),
            ("hopfield", "tts99_flips", "flips"),
            ("probsat", "tts99_steps", "flips"),
        ):
            s = r[m][unit_key]
            hit = sum(f > 0 for f in r[m]["replicas_solved"])
            lines.append(
                f"| {r['set']} | {m} | {hit}/{r['instances']} | {s['percent_solved']:.0f} | {fmt(s['median'])} "
                f"[{fmt(s['median_ci'][0])}, {fmt(s['median_ci'][1])}] | {fmt(s['q90'])} "
                f"[{fmt(s['q90_ci'][0])}, {fmt(s['q90_ci'][1])}] | {unit} |"
            )
    sc = result.get("scaling")
    if sc:
        lines.append("")
        for k, f in sc["fits"].items():
            lines.append(f"- {k}: b = {f['slope']} [{f['low']}, {f['high']}] decades per variable")
        lines.append(f"- exponent ratio hopfield (sweeps) / probSAT (flips): {sc['exponent_ratio']}")
        lines.append(
            f"- TTS ratio at N = {sc['tts_ratio_at_largest']['n_vars']}: {sc['tts_ratio_at_largest']}"
        )
    for r in result["rows"]:
        if "timeout" in r:
            t = r["timeout"]
            lines.append(
                f"- {r['set']}: hopfield solved {t['solved']}/{t['instances']} within {t['timeout_s']:.0f} s "
                f"(slowest {max(t['wall_s']):.1f} s)"
            )
    return "\n".join(lines)


def parser(prog: str, doc: str, *, sets: str, count: int, count_help: str) -> argparse.ArgumentParser:
    """The command line shared by this module and `analogsim_lab.hopfield_tuning`: `--root`, `--sets`, `--count`,
    `--replicas` and `--out`."""
    p = argparse.ArgumentParser(prog=prog, description=doc.split("\n")[0])
    p.add_argument("--root", type=pathlib.Path, default=None, help="SATLIB directory (default: $HNN_SATLIB)")
    p.add_argument("--sets", default=sets, help="comma-separated SATLIB set names")
    p.add_argument("--count", type=int, default=count, help=count_help)
    p.add_argument("--replicas", type=int, default=16)
    p.add_argument("--out", type=pathlib.Path, default=None)
    return p


def parse(p: argparse.ArgumentParser, argv) -> tuple[argparse.Namespace, pathlib.Path, list[str], Callable]:
    """`(args, SATLIB root, set names, progress printer to stderr)`; exits with a usage error without a root."""
    args = p.parse_args(argv)
    root = args.root or ksat_bench.find_satlib()
    if root is None:
        p.error("no SATLIB directory: pass --root or set HNN_SATLIB")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    return args, root, [s for s in args.sets.split(",") if s], log


def main(argv=None) -> int:
    """`python -m analogsim_lab.hopfield_scaling [--root DIR] [--sets uf50,...] [--count K] [--replicas R]
    [--hopfield-budget S] [--probsat-budget F] [--timeout-sets uf150,...] [--out FILE.json]`: runs `run`, prints
    `format_table`."""
    p = parser(
        "python -m analogsim_lab.hopfield_scaling",
        __doc__,
        sets="uf50,uf100,uf150,uf200,uf250",
        count=10,
        count_help="instances per set (its first files)",
    )
    p.add_argument("--hopfield-budget", type=int, default=BUDGETS["hopfield"], help="sweeps per run")
    p.add_argument("--probsat-budget", type=int, default=BUDGETS["probsat"], help="flips per run")
    p.add_argument("--timeout-sets", default="uf150,uf250", help="sets checked with --timeout 60 runs")
    args, root, sets, log = parse(p, argv)
    budgets = {"hopfield": args.hopfield_budget, "probsat": args.probsat_budget}
    result = run(
        root,
        sets,
        count=args.count,
        replicas=args.replicas,
        budgets=budgets,
        timeout_sets=tuple(s for s in args.timeout_sets.split(",") if s),
        out=args.out,
        progress=log,
    )
    print(format_table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
