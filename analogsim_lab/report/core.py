"""The report's runner: the registry of sections (`SECTIONS`) and `write_report`, which runs them and writes
`index.md`, `results.json` and the plots.

Each finished section is stored on its own (`sections/<name>.json` in the report directory: its title, Markdown,
figures and the mode and seed it ran with), and `index.md` and `results.json` are rebuilt from every stored section
of the same mode and seed, in registry order. So `--sections X` adds X to an existing report without dropping the
others, and a report killed half-way and started again with the same arguments keeps the sections it had finished
(the interrupted request is recorded in `report-run.json`, removed once the report is written) and resumes the
section it was in from that section's training checkpoints.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import jax

from analogsim import io as atomic

from .context import Context as Context, SectionResult as SectionResult
from .cost import cost_section
from .crossbar import crossbar_section
from .ebm import ebm_section
from .insitu import insitu_section
from .insitu_transformer import insitu_transformer_section
from .ksat import ksat_section
from .nn import digits_section, transformer_section
from .roadmap import roadmap_section
from .speed import speed_section

SECTIONS: list[tuple[str, Callable[[Context], SectionResult]]] = [
    ("crossbar", crossbar_section),
    ("nn_digits", digits_section),
    ("nn_transformer", transformer_section),
    ("insitu", insitu_section),
    ("insitu_transformer", insitu_transformer_section),
    ("cost", cost_section),
    ("roadmap", roadmap_section),
    ("ksat", ksat_section),
    ("ebm", ebm_section),
    ("speed", speed_section),
]
"""Every section of the report, by name, in the order they run and appear. A section is a function
`section(ctx: Context) -> SectionResult`; a new one is written in this package and added here."""

RUN_FILE = "report-run.json"
"""The request of a report in progress (mode, seed, sections and an id), in the report directory; a report started
again with the same request keeps the sections that request had finished."""


def _default_progress(start: float) -> Callable[[str], None]:
    def progress(msg: str) -> None:
        print(f"[report {time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    return progress


def check_out_dir(out: str | os.PathLike) -> Path:
    """`out` as a `Path` if it can be the report directory: an existing directory or a path that does not exist yet
    (created by `write_report`), with no existing file on the way to it.

    **Arguments:**

    - `out`: the intended report directory.

    **Returns:**

    `Path(out)`; a `ValueError` if `out` or one of its parents is an existing file.
    """
    out = Path(out)
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                raise ValueError(
                    f"the report directory {str(out)!r} cannot be created: {str(p)!r} is an existing file "
                    "(pass a directory, existing or not)"
                )
            break
    return out


def stored_section(out: str | os.PathLike, name: str) -> dict | None:
    """The stored result of section `name` in report directory `out` (`None` if it has not finished there).

    **Returns:**

    A dict with `"title"`, `"markdown"`, `"figures"`, `"seconds"` (its run time), `"run"` (`{"quick", "seed"}`)
    and `"run_id"` (the report run that wrote it).
    """
    path = Path(out) / "sections" / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):  # absent, or not written by this version: the section runs again
        return None


def _start_run(out: Path, run: dict, names: list[str], progress: Callable[[str], None]) -> str:
    """The id of this report run: that of an interrupted run of the same request (whose finished sections are
    kept), else a fresh one, recorded in `RUN_FILE`."""
    try:
        pending = json.loads((out / RUN_FILE).read_text())
    except (OSError, ValueError):
        pending = None
    if pending is not None and pending.get("run") == run and pending.get("sections") == names:
        progress("resuming an interrupted report: its finished sections are kept")
        return pending["id"]
    run_id = uuid.uuid4().hex
    atomic.write_json(out / RUN_FILE, {"run": run, "sections": names, "id": run_id})
    return run_id


def _run_section(ctx: Context, name: str, fn, run: dict, run_id: str) -> None:
    """Run one section and store its result (`stored_section`)."""
    t0 = time.perf_counter()
    res = fn(ctx)
    atomic.write_json(
        ctx.out / "sections" / f"{name}.json",
        {
            "title": res.title,
            "markdown": res.markdown,
            "figures": res.figures,
            "seconds": round(time.perf_counter() - t0, 2),
            "run": run,
            "run_id": run_id,
        },
    )


def _finished(out: Path, run: dict, progress: Callable[[str], None]) -> dict[str, dict]:
    """Every stored section of this mode and seed, in registry order (stored results of another mode or seed are
    left out of the report, and said so)."""
    done = {}
    for name, _ in SECTIONS:
        s = stored_section(out, name)
        if s is None:
            continue
        if s.get("run") != run:
            progress(f"{name}: the stored result is of another run ({s.get('run')}), left out of this report")
            continue
        done[name] = s
    return done


def write_report(
    out: str | os.PathLike = "analogsim-report",
    *,
    quick: bool = False,
    seed: int = 0,
    sections: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Run the report sections and write `index.md`, `results.json` and the PNG plots into `out`.

    `index.md` and `results.json` hold every section stored in `out` with this `quick` and `seed`: those run now
    and those of earlier runs (`--sections` adds to a report). A run killed half-way and started again with the same
    arguments keeps the sections it had finished and resumes the interrupted one from its training checkpoints.

    **Arguments:**

    - `out`: output directory (created if needed; files in it are replaced atomically).
    - `quick`: smaller problems and fewer Monte-Carlo repetitions (for CI; about a minute).
    - `seed`: the PRNG seed every section derives its keys from.
    - `sections`: names of the sections to run (default: all of `SECTIONS`, in order).
    - `progress`: called with one-line progress messages (default: print to stderr with elapsed time).

    **Returns:**

    The report directory.
    """
    start = time.perf_counter()
    out = check_out_dir(out)
    names = [n for n, _ in SECTIONS]
    if sections is not None:
        unknown = sorted(set(sections) - set(names))
        if unknown:
            raise ValueError(f"unknown report section(s) {unknown}; available: {names}")
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or _default_progress(start)
    ctx = Context(out=out, quick=quick, seed=seed, progress=progress)
    run = {"quick": quick, "seed": seed}
    todo = [(n, f) for n, f in SECTIONS if sections is None or n in sections]
    run_id = _start_run(out, run, [n for n, _ in todo], progress)
    for i, (name, fn) in enumerate(todo):
        kept = (stored_section(out, name) or {}).get("run_id") == run_id
        progress(
            f"section {i + 1}/{len(todo)}: {name}{' (finished before the interruption: kept)' if kept else ''}"
        )
        if not kept:
            _run_section(ctx, name, fn, run, run_id)
    done = _finished(out, run, progress)
    results = {n: {"title": s["title"], "seconds": s["seconds"], **s["figures"]} for n, s in done.items()}
    meta = _meta(quick, seed, time.perf_counter() - start)
    atomic.write_json(out / "results.json", {"meta": meta, "sections": results})
    blocks = [f"## {s['title']}\n\n{s['markdown'].strip()}\n" for s in done.values()]
    atomic.write_text(
        out / "index.md", _header(meta, [s["title"] for s in done.values()]) + "\n" + "\n".join(blocks)
    )
    (out / RUN_FILE).unlink(missing_ok=True)
    progress(f"wrote {out / 'index.md'} ({meta['seconds']} s)")
    return out


def _meta(quick: bool, seed: int, seconds: float) -> dict:
    """When, where and how the report was made."""
    return {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
        "seed": seed,
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "seconds": round(seconds, 2),
    }


def _header(meta: dict, titles: list[str]) -> str:
    """The report's title, provenance line and table of contents."""
    quick, seed = meta["quick"], meta["seed"]
    return (
        "# analogsim report: analog hardware vs digital baselines\n\n"
        f"Generated {meta['generated']} on {meta['platform']} (JAX {meta['jax']}, backend {meta['backend']}), "
        f"{'quick mode' if quick else 'full mode'}, seed {seed}, in {meta['seconds']} s. "
        "Every number below is in `results.json`; rerun with `analogsim report"
        f"{' --quick' if quick else ''} --seed {seed}`.\n\n"
        "Contents: " + ", ".join(f"[{t}](#{_anchor(t)})" for t in titles) + "\n"
    )


def _anchor(title: str) -> str:
    """GitHub's heading anchor of `title`."""
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return keep.replace(" ", "-")
