"""One row of the reproduction table: a figure the paper states, the framework's value, and a status computed from
the two (never written by hand)."""

from __future__ import annotations

import math

RELATIONS = ("~", "<", ">", "order")
"""How a row compares `ours` with `paper`: `"~"` within `tolerance` (relative), `"<"` / `">"` the paper's
inequality ("under \\$1M", "> 500 %/year"), `"order"` the same power of ten ("O(10^26)")."""
TOLERANCE = 0.15
"""Default relative tolerance of a `"~"` row: 15 %."""


def claim_status(ours: float, paper: float, relation: str = "~", tolerance: float = TOLERANCE) -> str:
    """`"reproduced"` if `ours` meets the paper's figure `paper` under `relation` (see `RELATIONS`), else
    `"not reproduced"`.

    **Arguments:**

    - `ours`: the framework's value.
    - `paper`: the paper's figure (the bound of an inequality).
    - `relation`: one of `RELATIONS`.
    - `tolerance`: relative tolerance of a `"~"` row, in [0, 1).

    **Returns:**

    The status string.
    """
    if relation not in RELATIONS:
        raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
    if not 0.0 <= tolerance < 1.0:
        raise ValueError(f"tolerance must be in [0, 1), got {tolerance!r}")
    ours, paper = float(ours), float(paper)
    if not (math.isfinite(ours) and math.isfinite(paper)) or paper == 0.0:
        raise ValueError(f"ours and paper must be finite and paper != 0, got {ours!r}, {paper!r}")
    if relation == "~":
        ok = abs(ours / paper - 1.0) <= tolerance
    elif relation == "<":
        ok = ours < paper
    elif relation == ">":
        ok = ours > paper
    else:
        ok = ours > 0 and paper > 0 and round(math.log10(ours)) == round(math.log10(paper))
    return "reproduced" if ok else "not reproduced"


def claim(
    claim: str,
    paper: float,
    ours: float,
    *,
    unit: str,
    where: str,
    relation: str = "~",
    tolerance: float = TOLERANCE,
    assumption: str = "none: the paper's stated inputs",
    sensitivity=(),
) -> dict:
    """A reproduction-table row; its `status` is `claim_status(ours, paper, relation, tolerance)`.

    **Arguments:**

    - `claim`: what the paper states, in words.
    - `paper`: the paper's figure.
    - `ours`: the framework's value, with the named `assumption`.
    - `unit`: unit of `paper` and `ours`.
    - `where`: where the paper states it (section, table or figure).
    - `relation`, `tolerance`: see `claim_status`.
    - `assumption`: the one assumption beyond the paper's text that `ours` needs.
    - `sensitivity`: `(case, value)` pairs: `ours` with the assumption changed or removed.

    **Returns:**

    A JSON-serializable dict with keys `claim`, `paper`, `ours`, `unit`, `where`, `relation`, `tolerance`,
    `status`, `assumption` and `sensitivity` (a list of `{"case", "ours"}`).
    """
    return {
        "claim": claim,
        "paper": float(paper),
        "ours": float(ours),
        "unit": unit,
        "where": where,
        "relation": relation,
        "tolerance": float(tolerance),
        "status": claim_status(ours, paper, relation, tolerance),
        "assumption": assumption,
        "sensitivity": [{"case": c, "ours": float(v)} for c, v in sensitivity],
    }
