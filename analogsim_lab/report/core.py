from __future__ import annotations

import dataclasses
import datetime
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jax

from analogsim import io as _io


@dataclasses.dataclass
class SectionResult:
    title: str
    markdown: str
    figures: dict
    """JSON-serializable numbers shown in the section."""


@dataclasses.dataclass
class Context:
    out: Path
    quick: bool
    seed: int
    progress: Callable[[str], None]

    @property
    def checkpoint_dir(self) -> Path:
        """Where sections keep training checkpoints: inside the report directory, one folder per mode and seed, so a
        killed or repeated report resumes its training instead of starting over."""
        return self.out / "checkpoints" / f"{'quick' if self.quick else 'full'}-seed{self.seed}"

    def save_figure(self, fig, name: str) -> str:
        """Save a matplotlib figure atomically as ``name`` (PNG) in the report directory; return its file name."""
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        _io.write_bytes(self.out / name, buf.getvalue())
        return name


def _crossbar_section(ctx: Context) -> SectionResult:
    from .crossbar import crossbar_section

    return crossbar_section(ctx)


def _speed_section(ctx: Context) -> SectionResult:
    from .crossbar import speed_section

    return speed_section(ctx)


def _cost_section(ctx: Context) -> SectionResult:
    from .cost import cost_section

    return cost_section(ctx)


def _roadmap_section(ctx: Context) -> SectionResult:
    from .roadmap import roadmap_section

    return roadmap_section(ctx)


def _nn_digits_section(ctx: Context) -> SectionResult:
    from .nn import digits_section

    return digits_section(ctx)


def _nn_transformer_section(ctx: Context) -> SectionResult:
    from .nn import transformer_section

    return transformer_section(ctx)


def _ksat_section(ctx: Context) -> SectionResult:
    # Imported lazily: hnn builds on analogsim, never the other way round; the report sits on top of both.
    from .ksat import ksat_section

    return ksat_section(ctx)


def _ebm_section(ctx: Context) -> SectionResult:
    from .ebm import ebm_section

    return ebm_section(ctx)


SECTIONS: list[tuple[str, Callable[[Context], SectionResult]]] = [
    ("crossbar", _crossbar_section),
    ("nn_digits", _nn_digits_section),
    ("nn_transformer", _nn_transformer_section),
    ("cost", _cost_section),
    ("roadmap", _roadmap_section),
    ("ksat", _ksat_section),
    ("ebm", _ebm_section),
    ("speed", _speed_section),
]


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
    """Run the report sections and write ``index.md``, ``results.json`` and the PNG plots into ``out``.

    Args:
        out: output directory (created if needed; files in it are replaced atomically).
        quick: smaller problems and fewer Monte-Carlo repetitions (for CI; about a minute).
        seed: the PRNG seed every section derives its keys from.
        sections: names of the sections to run (default: all, in order).
        progress: called with one-line progress messages (default: print to stderr with elapsed time).
    """
    start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    progress = progress or _default_progress(start)
    names = [n for n, _ in SECTIONS]
    if sections is not None:
        unknown = sorted(set(sections) - set(names))
        if unknown:
            raise ValueError(f"unknown report section(s) {unknown}; available: {names}")
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
    meta = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": quick,
        "seed": seed,
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "devices": [str(d) for d in jax.devices()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - start, 2),
    }
    header = (
        "# analogsim report: analog hardware vs digital baselines\n\n"
        f"Generated {meta['generated']} on {meta['platform']} (JAX {meta['jax']}, backend {meta['backend']}), "
        f"{'quick mode' if quick else 'full mode'}, seed {seed}, in {meta['seconds']} s. "
        "Every number below is in `results.json`; rerun with `analogsim report"
        f"{' --quick' if quick else ''} --seed {seed}`.\n\n"
        "Contents: "
        + ", ".join(f"[{results[n]['title']}](#{_anchor(results[n]['title'])})" for n, _ in todo)
        + "\n"
    )
    _io.write_json(out / "results.json", {"meta": meta, "sections": results})
    _io.write_text(out / "index.md", header + "\n" + "\n".join(blocks))
    progress(f"wrote {out / 'index.md'} ({meta['seconds']} s)")
    return out


def _anchor(title: str) -> str:
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return keep.replace(" ", "-")
