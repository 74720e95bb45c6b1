"""`python -m hnn FILE.cnf [--method M] [--timeout S] [--seed N] [--replicas R]`

Prints SAT-competition output on stdout: `c` comment lines, then `s SATISFIABLE` with `v` model lines ending in
`v ... 0` (a formula without clauses is satisfiable: its model is the single line `v 0`), `s UNSATISFIABLE` (only
`--method cadical` can prove it, except for a formula holding an empty clause) or `s UNKNOWN` when the budget runs out. Errors go to stderr as one line.

Exit codes (the SAT competition's, plus the usual error codes):

- 10: satisfiable (a verified model was printed);
- 20: unsatisfiable (proved by CaDiCaL, or the formula holds an empty clause);
- 0: unknown (the time budget ran out);
- 1: the file cannot be read or is not valid DIMACS CNF;
- 2: bad command-line arguments (argparse's code).
"""

from __future__ import annotations

import argparse
import math
import sys

from ._dimacs import DimacsError, read_dimacs_report
from ._solve import METHODS, RESULTS, solve

DEFAULT_METHOD = "probsat"
EXIT_SAT, EXIT_UNSAT, EXIT_UNKNOWN, EXIT_ERROR, EXIT_USAGE = 10, 20, 0, 1, 2
EPILOG = f"""exit codes:
  {EXIT_SAT}  satisfiable (s SATISFIABLE and a verified model on v lines)
  {EXIT_UNSAT}  unsatisfiable (s UNSATISFIABLE: CaDiCaL's proof, or an empty clause)
  {EXIT_UNKNOWN}   unknown (s UNKNOWN: the time budget ran out)
  {EXIT_ERROR}   the file cannot be read or is not valid DIMACS CNF (message on stderr)
  {EXIT_USAGE}   bad command-line arguments (message on stderr)"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (no usage block) and exit with code 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _int_in(low: int, high: int | None, what: str):
    """An argparse `type` that accepts integers in `[low, high)` (`high=None`: no upper bound), naming `what`."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            v = None
        if v is None or v < low or (high is not None and v >= high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return v

    return parse


def _positive_seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"expected a positive, finite number of seconds, got {text!r}")
    return v


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


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m hnn",
        description="Solve a DIMACS CNF file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="DIMACS CNF file")
    parser.add_argument("--method", default=DEFAULT_METHOD, choices=METHODS, help="default: %(default)s")
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=60.0, help="wall-clock budget in seconds (default 60)"
    )
    parser.add_argument("--seed", type=_int_in(0, 2**32, "an integer in [0, 2**32)"), default=0, help="PRNG seed in [0, 2**32) (default 0)")
    parser.add_argument("--replicas", type=_int_in(1, None, "a positive integer"), default=32, help="parallel replicas (default 32)")
    return parser


def main(argv=None) -> int:
    """Runs the command line `argv` (default `sys.argv[1:]`); returns the exit code (see the module docstring)."""
    args = _parser().parse_args(argv)
    try:
        cnf, report = read_dimacs_report(args.file)
    except (DimacsError, OSError) as e:
        print(f"c error: {e}", file=sys.stderr, flush=True)
        return EXIT_ERROR
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
        # no clauses: every assignment is a model, and the empty model `v 0` says so
        print("\n".join(_model_lines(sol.assignment if cnf.n_clauses else [])))
        code = EXIT_SAT
    elif sol.status == RESULTS.unsatisfiable:
        print("s UNSATISFIABLE")
        code = EXIT_UNSAT
    else:
        print("s UNKNOWN")
        code = EXIT_UNKNOWN
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
