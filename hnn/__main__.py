"""`python -m hnn FILE.cnf [--method M] [--timeout S] [--seed N] [--replicas R]`

Prints SAT-competition output: `c` comment lines, then `s SATISFIABLE` with `v` model lines ending in `v ... 0`,
`s UNSATISFIABLE` (only `--method cadical` can prove it) or `s UNKNOWN` when the budget runs out. Exit codes follow
the competition: 10 satisfiable, 20 unsatisfiable, 0 unknown; 1 on a bad file.
"""

from __future__ import annotations

import argparse
import sys

from ._dimacs import DimacsError, read_dimacs_report
from ._solve import METHODS, RESULTS, solve

DEFAULT_METHOD = "probsat"


def _model_lines(assignment, width: int = 78) -> list[str]:
    """The `v` lines of a model: signed 1-based literals ending in `0`, each line at most `width` characters."""
    lits = [str(i + 1) if a else str(-(i + 1)) for i, a in enumerate(assignment)] + ["0"]
    lines, cur = [], "v"
    for lit in lits:
        if len(cur) + 1 + len(lit) > width:
            lines.append(cur)
            cur = "v"
        cur += " " + lit
    lines.append(cur)
    return lines


def main(argv=None) -> int:
    """Runs the command line `argv` (default `sys.argv[1:]`); returns the competition exit code."""
    parser = argparse.ArgumentParser(prog="python -m hnn", description="Solve a DIMACS CNF file.")
    parser.add_argument("file", help="DIMACS CNF file")
    parser.add_argument("--method", default=DEFAULT_METHOD, choices=METHODS, help="default: %(default)s")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="wall-clock budget in seconds (default 60)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replicas", type=int, default=32)
    args = parser.parse_args(argv)
    if not args.timeout > 0:
        parser.error("--timeout must be positive")
    try:
        cnf, report = read_dimacs_report(args.file)
    except (DimacsError, OSError) as e:
        print(f"c error: {e}", flush=True)
        return 1
    print(f"c method {args.method}")
    print(f"c {cnf.n_vars} variables, {cnf.n_clauses} clauses", flush=True)
    if report.dropped_tautologies:
        print(f"c dropped {len(report.dropped_tautologies)} tautological clauses")
    if report.merged_duplicates:
        print(f"c merged {len(report.merged_duplicates)} duplicate literals")
    key = None
    if args.method != "cadical":
        import jax.random as jr

        key = jr.key(args.seed)
    sol = solve(
        cnf,
        key=key,
        method=args.method,
        replicas=args.replicas,
        max_steps=2**31 - 2,
        timeout_s=args.timeout,
    )
    print(f"c steps {sol.steps} flips {sol.flips} time {sol.wall_time_s:.3f} s")
    if sol.status == RESULTS.satisfied:
        print("s SATISFIABLE")
        print("\n".join(_model_lines(sol.assignment)))
        code = 10
    elif sol.status == RESULTS.unsatisfiable:
        print("s UNSATISFIABLE")
        code = 20
    else:
        print("s UNKNOWN")
        code = 0
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
