"""The report's runner: the registry of sections (`SECTIONS`) and `write_report`, which runs them and writes
`index.md`, `results.json` and the plots."""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jax

from analogsim import io as atomic

from .context import Context as Context, SectionResult as SectionResult
from .cost import cost_section
from .crossbar import crossbar_section
from .ebm import ebm_section
from .ksat import ksat_section
from .nn import digits_section, transformer_section
from .roadmap import roadmap_section
from .speed import speed_section

SECTIONS: list[tuple[str, Callable[[Context], SectionResult]]] = [
    ("crossbar", crossbar_section),
    ("nn_digits", digits_section),
    ("nn_transformer", transformer_section),
    ("cost", cost_section),
    ("roadmap", roadmap_section),
    ("ksat", ksat_section),
    ("ebm", ebm_section),
    ("speed", speed_section),
]
"""Every section of the report, by name, in the order they run and appear. A section is a function
`section(ctx: Context) -> SectionResult`; a new one is written in this package and added here."""


def _default_progress(start: float) -> Callable[[str], None]:
    def progress(msg: str) -> None:
        print(f"[report {time.perf_counter() - start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    return progress


def write_report(
    out: str | os.PathLike = "analogsim-report",
    *,
    quick: bool = False,
    seed: int = 0,
    sections: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Run the report sections and write `index.md`, `results.json` and the PNG plots into `out`.

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
    out = Path(out)
    names = [n for n, _ in SECTIONS]
    if sections is not None:
        unknown = sorted(set(sections) - set(names))
        if unknown:
            raise ValueError(f"unknown report section(s) {unknown}; available: {names}")
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or _default_progress(start)
    ctx = Context(out=out, quick=quick, seed=seed, progress=progress)
    results = {}
    blocks = []
    todo = [(n, f) for n, f in SECTIONS if sections is None or n in sections]
    for i, (name, fn) in enumerate(todo):
        progress(f"section {i + 1}/{len(todo)}: {name}")
        t0 = time.perf_counter()
        res = fn(ctx)
        results[name] = {"title": res.title, "seconds": round(time.perf_counter() - t0, 2), **res.figures}
        blocks.append(f"## {res.title}\n\n{res.markdown.strip()}\n")
    meta = _meta(quick, seed, time.perf_counter() - start)
    atomic.write_json(out / "results.json", {"meta": meta, "sections": results})
    atomic.write_text(
        out / "index.md", _header(meta, [results[n]["title"] for n, _ in todo]) + "\n" + "\n".join(blocks)
    )
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
