"""What a report section gets (`Context`) and gives back (`SectionResult`), and the plotting back end they share."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

from analogsim import io as atomic


@dataclasses.dataclass
class SectionResult:
    """What one section contributes to the report.

    **Arguments:**

    - `title`: the section's heading (also its anchor in the table of contents).
    - `markdown`: the section's body, with links to the PNG files it saved.
    - `figures`: every number shown, JSON-serializable; stored under the section's name in `results.json`.
    """

    title: str
    markdown: str
    figures: dict


@dataclasses.dataclass
class Context:
    """What every section is given.

    **Arguments:**

    - `out`: the report directory.
    - `quick`: smaller problems and fewer repetitions (CI mode).
    - `seed`: the PRNG seed every section derives its keys from.
    - `progress`: gets one-line progress messages.
    """

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
        """Save a matplotlib figure atomically as `name` (PNG) in the report directory, close it and return `name`."""
        plt = pyplot()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        atomic.write_bytes(self.out / name, buf.getvalue())
        return name


def pyplot():
    """`matplotlib.pyplot` on the non-interactive Agg back end (the report writes PNG files, never opens windows).
    Imported on first use so that importing the report does not load matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def label_axes(
    ax,
    xlabel: str | None,
    ylabel: str | None,
    title: str | None,
    *,
    title_size: float | None = None,
    legend_size: float | None = None,
    which: str = "major",
    axis: str = "both",
) -> None:
    """Label a plot the report's way: axis labels, a title, a legend and a light grid (`alpha=0.3`).

    **Arguments:**

    - `ax`: the matplotlib axes.
    - `xlabel`, `ylabel`, `title`: texts (`None`: left as they are).
    - `title_size`, `legend_size`: font sizes (`None`: matplotlib's default).
    - `which`, `axis`: the grid lines drawn (`ax.grid`'s arguments, with its defaults).
    """
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title) if title_size is None else ax.set_title(title, fontsize=title_size)
    ax.legend() if legend_size is None else ax.legend(fontsize=legend_size)
    ax.grid(alpha=0.3, which=which, axis=axis)
