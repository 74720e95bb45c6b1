"""What the example scripts share: their command-line options, running a workload with progress on stderr, and
writing their JSON figures."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from analogsim import io


def script_parser(doc: str, *, quick_help: str) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of the script's docstring `doc`, with `--quick` (help
    `quick_help`) and `--json PATH`."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=quick_help)
    p.add_argument("--json", default=None, help="write the figures to this file")
    return p


def run_workload_script(
    workload: Callable[..., dict], doc: str, argv, *, tag: str, quick_help: str, programmings: str
) -> tuple[argparse.Namespace, dict]:
    """Parse the options of a trained workload's script and run it, printing its progress to stderr as
    `[tag] message`.

    **Arguments:**

    - `workload`: `analogsim_lab.workloads.digits_mlp` or `tiny_transformer` (or a function with their keywords).
    - `doc`: the script's docstring (its first paragraph describes the script).
    - `argv`: the command line (`None`: `sys.argv`).
    - `tag`: the prefix of the progress messages.
    - `quick_help`, `programmings`: help of `--quick` and of `--programmings` (its default).

    **Returns:**

    The parsed options (`--quick`, `--json`, `--checkpoint-dir`, `--seed`, `--programmings`) and the workload's
    result.
    """
    p = script_parser(doc, quick_help=quick_help)
    p.add_argument("--checkpoint-dir", default=None, help="checkpoint training here (resumes if present)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--programmings", type=int, default=None, help=programmings)
    args = p.parse_args(argv)
    res = workload(
        quick=args.quick,
        seed=args.seed,
        n_programmings=args.programmings,
        checkpoint_dir=args.checkpoint_dir,
        progress=lambda m: print(f"[{tag}] {m}", file=sys.stderr, flush=True),
    )
    return args, res


def save_json(path: str | os.PathLike | None, data) -> None:
    """Write `data` as JSON to `path` (atomically) and say so; do nothing when `path` is `None`."""
    if path:
        io.write_json(path, data)
        print(f"wrote {path}")
