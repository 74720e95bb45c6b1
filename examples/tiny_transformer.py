"""Character-level tiny transformer on the Python standard library's source: digital vs analog.

    python examples/tiny_transformer.py [--quick] [--json PATH] [--checkpoint-dir DIR] [--seed N]

A decoder-only, pre-norm transformer trained on a fixed list of standard-library modules (read from
``sysconfig.get_paths()["stdlib"]``, so the corpus is on every machine) and validated on other, held-out modules.
Compared: the digital float32 model; its projections and MLP on PCM crossbars (hardware-aware trained); and the fully
analog model, whose attention products also run on gain-cell arrays (3-bit K/V, 4-bit Q, 5-bit output; hardware-aware
trained). Validation perplexity is the mean over programmings at 1 h and 1 day after programming. Target: the fully
analog model within 10 % of the digital perplexity at 1 day.

JSON: {"digital_ppl": p, "analog_proj_ppl": {t: p}, "analog_full_ppl": {t: p}}.
"""

import argparse
import sys

from analogsim import io as _io
from analogsim_lab.workloads import tiny_transformer


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller model, fewer epochs and programmings")
    p.add_argument("--json", default=None, help="write the figures to this file")
    p.add_argument("--checkpoint-dir", default=None, help="checkpoint training here (resumes if present)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--programmings", type=int, default=None, help="default 5 (quick: 2)")
    args = p.parse_args(argv)
    res = tiny_transformer(
        quick=args.quick,
        seed=args.seed,
        n_programmings=args.programmings,
        checkpoint_dir=args.checkpoint_dir,
        progress=lambda m: print(f"[transformer] {m}", file=sys.stderr, flush=True),
    )
    fig = res["figures"]
    print(f"digital float32 validation perplexity {fig['digital_ppl']:.3f}")
    for name in ("analog_proj_ppl", "analog_full_ppl"):
        print(f"{name:16s}" + "".join(f"  {t}: {v:.3f}" for t, v in fig[name].items()))
    r = res["details"]["ratio_full_vs_digital_1d"]
    print(f"fully analog / digital at 1 day: {r:.3f} (target <= 1.10)")
    if args.json:
        _io.write_json(args.json, fig)
        print(f"wrote {args.json}")
    return res


if __name__ == "__main__":
    main()
