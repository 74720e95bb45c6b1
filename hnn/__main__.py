"""`python -m hnn FILE.cnf [FILE.cnf | DIR ...] [--method M] [--timeout S] [--seed N] [--replicas R] [--no-cache]`

Prints SAT-competition output on stdout: `c` comment lines, then `s SATISFIABLE` with `v` model lines ending in
`v ... 0` (a formula without clauses is satisfiable: its model is the single line `v 0`), `s UNSATISFIABLE` (only
`--method cadical` can prove it, except for a formula holding an empty clause) or `s UNKNOWN` when the budget runs
out. Errors go to stderr as one line.

Several files (or directories, whose `*.cnf` files are taken in name order) are solved one after the other in the same
process, so JAX's start-up and compilation are paid once: each file's block starts with `c file PATH` and has its
own `s` line (and `v` lines); `--timeout` applies to each file.

Compiled programs are kept on disk, so that a second run neither traces nor compiles the search: the search
programs as serialised XLA executables (`hnn.solve(program_cache=...)`, keyed by method, parameters and bucketed
size), the few other small programs in JAX's persistent compilation cache. Both live in `$HNN_CACHE_DIR`, else
`$XDG_CACHE_HOME/hnn/jax`, else `~/.cache/hnn/jax`; `--no-cache` (or `HNN_CACHE_DIR=off`) turns both off and writes
nothing. Only the command line sets them; `hnn` used as a library leaves JAX's configuration alone.

Exit codes (the SAT competition's, plus the usual error codes):

- 10: satisfiable (a verified model was printed; with several files: every file);
- 20: unsatisfiable (proved by CaDiCaL, or the formula holds an empty clause; with several files: every file);
- 0: unknown (the time budget ran out; with several files: any other mix of answers);
- 1: a file cannot be read or is not valid DIMACS CNF (the other files are still solved);
- 2: bad command-line arguments (argparse's code).
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import sys

from ._dimacs import DimacsError, read_dimacs_report
from ._solve import METHODS, RESULTS, solve

DEFAULT_METHOD = "probsat"
EXIT_SAT, EXIT_UNSAT, EXIT_UNKNOWN, EXIT_ERROR, EXIT_USAGE = 10, 20, 0, 1, 2
EPILOG = f"""exit codes (with several files: 10 or 20 when every file says so, 1 if any file is bad, else 0):
  {EXIT_SAT}  satisfiable (s SATISFIABLE and a verified model on v lines)
  {EXIT_UNSAT}  unsatisfiable (s UNSATISFIABLE: CaDiCaL's proof, or an empty clause)
  {EXIT_UNKNOWN}   unknown (s UNKNOWN: the time budget ran out)
  {EXIT_ERROR}   a file cannot be read or is not valid DIMACS CNF (message on stderr)
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
    parser.add_argument("files", nargs="+", metavar="FILE", help="DIMACS CNF files, or directories of *.cnf files")
    parser.add_argument("--method", default=DEFAULT_METHOD, choices=METHODS, help="default: %(default)s")
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=60.0, help="wall-clock budget in seconds (default 60)"
    )
    parser.add_argument("--seed", type=_int_in(0, 2**32, "an integer in [0, 2**32)"), default=0, help="PRNG seed in [0, 2**32) (default 0)")
    parser.add_argument("--replicas", type=_int_in(1, None, "a positive integer"), default=32, help="parallel replicas (default 32)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the cache of compiled programs")
    return parser


def cache_dir(environ=os.environ) -> pathlib.Path | None:
    """Where the command line keeps JAX's persistent compilation cache, or `None` when `HNN_CACHE_DIR=off`."""
    if "HNN_CACHE_DIR" in environ:
        value = environ["HNN_CACHE_DIR"]
        return None if value.strip().lower() in ("", "off", "0", "none") else pathlib.Path(value)
    base = environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "hnn" / "jax"


def _enable_cache(path: pathlib.Path) -> None:
    """Turn on JAX's persistent compilation cache in `path` for every program, however quick to compile: the search
    programs are stored by `hnn.solve(program_cache=...)`, and this cache serves the small eager programs some
    methods still compile around them (`qubo` and `analog` build their problems with jnp operations), each of which
    would otherwise compile again at every start-up (a warm `probsat`, `walksat` or `hopfield` run compiles
    nothing)."""
    import jax

    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def _key(seed: int):
    """`jax.random.key(seed)`, built on the host where the default PRNG is threefry: `jax.random.key` traces and
    compiles two small programs, a tenth of a warm start-up. threefry's key for `0 <= seed < 2**32` is the word pair
    `(0, seed)` (`jax.random.key_data(jax.random.key(seed))`)."""
    import jax
    import numpy as np

    if jax.config.jax_default_prng_impl == "threefry2x32" and 0 <= seed < 2**32:
        return jax.random.wrap_key_data(np.array([0, seed], np.uint32), impl="threefry2x32")
    return jax.random.key(seed)


def _expand(paths: list[str]) -> list[str]:
    """File arguments with each directory replaced by its `*.cnf` files in name order (an empty directory is kept
    as itself, so it is reported as an error)."""
    out = []
    for p in paths:
        found = sorted(str(f) for f in pathlib.Path(p).glob("*.cnf")) if os.path.isdir(p) else []
        out.extend(found or [p])
    return out


def main(argv=None, *, use_cache: bool = False) -> int:
    """Runs the command line `argv` (default `sys.argv[1:]`); returns the exit code (see the module docstring).

    `use_cache=True` (what `python -m hnn` passes) turns on the persistent compilation cache unless `--no-cache`
    or `HNN_CACHE_DIR=off` says otherwise.
    """
    args = _parser().parse_args(argv)
    path = cache_dir() if use_cache and not args.no_cache else None
    if path is not None:
        _enable_cache(path)
    files = _expand(args.files)
    codes = []
    for f in files:
        if len(files) > 1:
            print(f"c file {f}", flush=True)
        codes.append(_solve_file(f, args, path))
    if EXIT_ERROR in codes:
        return EXIT_ERROR
    return codes[0] if len(set(codes)) == 1 else EXIT_UNKNOWN


def _solve_file(path: str, args, cache: pathlib.Path | None) -> int:
    """Solve one file and print its block, with the compiled programs kept in `cache` (None: not kept); returns its
    exit code."""
    try:
        cnf, report = read_dimacs_report(path)
    except (DimacsError, OSError) as e:
        print(f"c error: {e}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    print(f"c method {args.method}")
    print(f"c {cnf.n_vars} variables, {cnf.n_clauses} clauses", flush=True)
    if report.dropped_tautologies:
        print(f"c dropped {len(report.dropped_tautologies)} tautological clauses")
    if report.merged_duplicates:
        print(f"c merged {len(report.merged_duplicates)} duplicate literals")
    key = None if args.method == "cadical" else _key(args.seed)
    sol = solve(
        cnf,
        key=key,
        method=args.method,
        replicas=args.replicas,
        max_steps=2**31 - 2,
        timeout_s=args.timeout,
        program_cache=cache,
    )
    print(f"c steps {sol.steps} flips {sol.flips} time {sol.wall_time_s:.3f} s")
    if sol.satisfied:
        print("s SATISFIABLE")
        # no clauses: every assignment is a model, and the empty model `v 0` says so
        print("\n".join(_model_lines(sol.assignment if cnf.n_clauses else [])))
        code = EXIT_SAT
    # compared by message: `==` on enumeration items is a JAX op, which would compile at every start-up
    elif RESULTS[sol.status] == RESULTS[RESULTS.unsatisfiable]:
        print("s UNSATISFIABLE")
        code = EXIT_UNSAT
    else:
        print("s UNKNOWN")
        code = EXIT_UNKNOWN
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    code = main(use_cache=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # Every answer is printed and every cache file written (atomically): skip the interpreter's teardown of JAX's
    # runtime, which takes about a fifth of a run from a warm cache.
    os._exit(code)
