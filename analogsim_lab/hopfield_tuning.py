"""Tuning of the focused high-order Hopfield network's schedule on SATLIB sets: the grids and the runs behind
`hnn.HighOrderHopfield.tuned` (its docstring gives the results and the tuning budget).

A grid setting is run on the *last* `count` files of a set, which the scaling measurement
(`analogsim_lab.hopfield_scaling`, the first files) does not use; each instance's TTS99 in parallel sweeps comes
from `replicas` runs of `budget` sweeps, and the setting with the lowest median TTS99 over the instances wins.

Run it:

```
python -m analogsim_lab.hopfield_tuning --sets uf150 --count 5 --replicas 16 --budget 30000 --grid coarse \\
    --out tune.json
python -m analogsim_lab.hopfield_tuning --sets uf250 --count 4 --budget 100000 \\
    --settings '[{"q": 0.4, "t_start": 1.5, "t_end": 0.15, "anneal_steps": 2000}]'
```
"""

from __future__ import annotations

import json

import numpy as np

import hnn
from analogsim.io import write_json

from . import hopfield_scaling as hs
from .ksat_stats import bootstrap_median_ci, finite

__all__ = ["TUNING_GRID", "REFINE_GRID", "GRIDS", "tune", "parse_settings", "main"]

TUNING_GRID = tuple(
    {"q": q, "t_start": t0, "t_end": t1, "anneal_steps": a}
    for q in (0.2, 0.4, 0.7)
    for t0, t1 in ((1.0, 0.1), (1.5, 0.15), (2.5, 0.25))
    for a in (2000, 10_000)
)
"""The first tuning grid of the focused network (18 settings): update probability, temperature range, period."""

REFINE_GRID = tuple(
    {"q": q, "t_start": t0, "t_end": t1, "anneal_steps": a}
    for q in (0.85, 1.0)
    for t0, t1 in ((0.5, 0.05), (0.7, 0.07), (1.0, 0.1))
    for a in (2000, 10_000)
)
"""The second tuning grid (12 settings), towards the corner the first grid's best settings point at (on uf150:
higher `q`, lower temperatures)."""

GRIDS = {"coarse": TUNING_GRID, "refine": REFINE_GRID}


def tune(root, name: str, *, count: int, replicas: int, budget: int, grid=TUNING_GRID, progress=None) -> dict:
    """Every setting of `grid` (focused network) on the last `count` files of set `name`; the setting with the
    lowest median TTS99 (ties: more replicas solved) wins. Returns `{"set", "grid": [...], "choice", "runs"}`."""
    progress = progress or (lambda msg: None)
    instances = [hnn.read_dimacs(f) for f in hs.set_files(root, name, count, last=True)]
    rows = []
    for setting in grid:
        runs = hs.tts_runs(
            hnn.HighOrderHopfield(focused=True, **setting), instances, replicas=replicas, budget=budget
        )
        med = bootstrap_median_ci(runs["tts99_steps"])[0]
        rows.append(
            {
                "setting": setting,
                "median_tts99_steps": finite(med),
                "instance_tts99_steps": [finite(v) for v in runs["tts99_steps"]],
                "replicas_solved": float(np.mean(runs["replicas_solved"])),
            }
        )
        progress(f"tune {name} {setting}: median TTS99 {rows[-1]['median_tts99_steps']}")
    best = min(rows, key=lambda r: (r["median_tts99_steps"] or np.inf, -r["replicas_solved"]))
    return {
        "set": name,
        "grid": rows,
        "choice": best["setting"],
        "runs": len(grid) * count,
        "replicas": replicas,
        "budget": budget,
    }


def parse_settings(text: str) -> tuple[dict, ...]:
    """The settings of `--settings`: a JSON list of dicts of `hnn.HighOrderHopfield` fields."""
    settings = json.loads(text)
    if not isinstance(settings, list) or not settings or not all(isinstance(s, dict) for s in settings):
        raise ValueError(f"--settings must be a non-empty JSON list of objects, got {text!r}.")
    return tuple(settings)


def main(argv=None) -> int:
    """`python -m analogsim_lab.hopfield_tuning [--root DIR] [--sets uf150,...] [--count K] [--replicas R]
    [--budget S] [--grid coarse|refine | --settings JSON] [--out FILE.json]`: runs `tune` per set, prints each
    set's choice."""
    p = hs.parser(
        "python -m analogsim_lab.hopfield_tuning",
        __doc__,
        sets="uf150",
        count=5,
        count_help="tuning instances per set (its last files)",
    )
    p.add_argument("--budget", type=int, default=30_000, help="sweeps per run")
    p.add_argument("--grid", choices=sorted(GRIDS), default="coarse")
    p.add_argument("--settings", default=None, help="a JSON list of settings, run instead of --grid")
    args, root, sets, log = hs.parse(p, argv)
    grid = parse_settings(args.settings) if args.settings else GRIDS[args.grid]
    kw = dict(count=args.count, replicas=args.replicas, budget=args.budget, grid=grid, progress=log)
    result = {"tuning": [tune(root, s, **kw) for s in sets]}
    if args.out:
        write_json(args.out, result)
    print(json.dumps([t["choice"] for t in result["tuning"]]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
