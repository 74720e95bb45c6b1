"""The paper's LLM-training cost framework (Faraboschi et al., arXiv:2404.08811), reproduced and extended.

```bash
python examples/roadmap.py [--json PATH] [--quick]
```

Prints the reproduction table (every figure the paper's text states, ours against the paper's with the tolerance,
the status computed from the two, the one named assumption beyond the text and how ours moves without it), the optimized-vs-baseline saving at 50k GPUs (Fig. 7), the cost of the largest run by
year for the Table 1 scenarios, and the revolutionary scenario: the table "training a GPT-3-class model" (GPU,
analog PCM, ReRAM, ECRAM, CMOS rows: energy and time by component, dollars, writes per cell against endurance, the
accuracy penalty of the library's in-situ runs) for GPT-3 175B and its 8-expert MoE variant; JSON key
`revolutionary`: `{"dense": table, "moe": table}` (`analogsim.roadmap.training_table`).
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

from analogsim import roadmap  # noqa: E402
from analogsim_lab.scripts import save_json, script_parser  # noqa: E402


def main(argv=None):
    args = script_parser(__doc__, quick_help="fewer points on the Fig. 7 curves").parse_args(argv)
    out = roadmap.summary(quick=args.quick)
    for r in out["reproduction"]:
        test = f"within {r['tolerance']:.0%}" if r["relation"] == "~" else f"ours {r['relation']} paper"
        print(
            f"[{r['status']:>14s}] {r['claim']}: paper {r['paper']:.3g}, ours {r['ours']:.3g} {r['unit']} ({test})"
        )
        print(f"{'':17s}assumption: {r['assumption']}")
        for c in r["sensitivity"]:
            print(f"{'':17s}  {c['case']}: {c['ours']:.3g}")
    print(f"saving at 50k GPUs (baseline / optimized wall time): {out['saving_at_50k_gpus']:.2f}x")
    proj = out["projection"]
    for name, vals in proj["scenarios"].items():
        print(
            f"largest run (GPU cost, parameters x{proj['param_growth_per_year']:g}/year), {name:10s}: "
            + ", ".join(f"{y} ${v / 1e9:.2f}B" for y, v in zip(proj["years"], vals, strict=True))
        )
    for table in out["revolutionary"].values():
        print(f"training {table['model']} ({table['n_params'] / 1e9:.0f}B parameters):")
        for r in table["rows"]:
            flag = "" if r["calibrated"] else " [uncalibrated reads: a lower bound]"
            wear = "" if r["name"].startswith("GPU") else f", {r['writes_per_cell']:.2g} writes/cell: "
            print(
                f"  {r['name']:36s} {r['total_j'] / 3.6e9:9.3g} MWh {r['wall_days']:7.3g} days "
                f"${r['total_usd'] / 1e3:9.1f}k{wear}{r['endurance_status'] if wear else ''}{flag}"
            )
    save_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
