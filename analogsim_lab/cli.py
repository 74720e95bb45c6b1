"""The `analogsim` command: `analogsim report [--out DIR] [--quick] [--seed N] [--sections ...]` writes the
comparison report (`analogsim_lab.report`); `analogsim bench [...]` runs the speed benchmark
(`python -m analogsim_lab.bench`, same options).

Exit status: 0 on success, 2 for a usage error (an unknown section, an `--out` that is a file: one line on stderr,
as argparse reports bad arguments)."""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analogsim",
        description="Simulate analog in-memory computing and energy-based hardware against digital baselines.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write the comparison report (Markdown, PNG plots, JSON figures)")
    rep.add_argument("--out", default="analogsim-report", help="output directory (default: analogsim-report)")
    rep.add_argument("--quick", action="store_true", help="small problems, few repetitions (about a minute)")
    rep.add_argument("--seed", type=int, default=0, help="PRNG seed (default 0)")
    rep.add_argument(
        "--sections",
        nargs="+",
        default=None,
        help="run only these sections (added to the report already in --out: its other sections stay)",
    )
    b = sub.add_parser("bench", help="time analog vs digital MVMs (same as python -m analogsim_lab.bench)")
    b.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv=None) -> int:
    """Parse `argv` (default: the command line), run the command and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    # The report and the benchmark load JAX and every library: imported only once a command needs them, so that
    # `--help` and usage errors answer at once.
    if args.command == "report":
        from .report import SECTIONS, check_out_dir, write_report

        names = [n for n, _ in SECTIONS]
        if args.sections:
            bad = [s for s in args.sections if s not in names]
            if bad:
                parser.error(f"unknown section(s) {bad}; available: {names}")
        try:
            check_out_dir(args.out)
        except ValueError as e:
            parser.error(f"--out: {e}")
        out = write_report(args.out, quick=args.quick, seed=args.seed, sections=args.sections)
        print(f"report written to {out / 'index.md'}")
        return 0
    from . import bench

    return bench.main(args.args)


if __name__ == "__main__":
    sys.exit(main())
