"""The comparison report: analog and physics-based workloads against their digital baselines.

`analogsim report [--out DIR] [--quick]` (or `write_report`) runs every section of `SECTIONS` and writes a
self-contained directory: `index.md` (the report), one PNG per plot, `results.json` (every number shown) and
`sections/<name>.json` (each finished section on its own: `--sections` adds to a report, and a killed report started
again keeps what it had finished). Each section is a function `section(ctx: Context) -> SectionResult`; the lab owns
all of them (crossbar, nn, cost, roadmap, k-SAT, EBM, speed), and `SECTIONS` in `analogsim_lab.report.core` lists
them.
"""

from .context import Context as Context, SectionResult as SectionResult, pyplot as pyplot
from .core import (
    RUN_FILE as RUN_FILE,
    SECTIONS as SECTIONS,
    check_out_dir as check_out_dir,
    stored_section as stored_section,
    write_report as write_report,
)
