"""The comparison report: analog / physics-based workloads against their digital baselines.

``analogsim report [--out DIR] [--quick]`` (or :func:`write_report`) runs every registered section and writes a
self-contained directory: ``index.md`` (the report), one PNG per plot and ``results.json`` (every number shown).
Each section is a function ``section(ctx) -> SectionResult``; other packages add theirs to ``SECTIONS``.
"""

from .core import (
    SECTIONS as SECTIONS,
    Context as Context,
    SectionResult as SectionResult,
    write_report as write_report,
)
