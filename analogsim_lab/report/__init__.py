"""The comparison report: analog and physics-based workloads against their digital baselines.

`analogsim report [--out DIR] [--quick]` (or `write_report`) runs every section of `SECTIONS` and writes a
self-contained directory: `index.md` (the report), one PNG per plot and `results.json` (every number shown). Each
section is a function `section(ctx: Context) -> SectionResult`; the lab owns all of them (crossbar, nn, cost, roadmap,
k-SAT, EBM, speed), and `SECTIONS` in `analogsim_lab.report.core` lists them.
"""

from .context import Context as Context, SectionResult as SectionResult, pyplot as pyplot
from .core import SECTIONS as SECTIONS, write_report as write_report
