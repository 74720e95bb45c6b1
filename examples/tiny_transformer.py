"""Character-level tiny transformer on the Python standard library's source: digital vs analog.

```bash
python examples/tiny_transformer.py [--quick] [--json PATH] [--checkpoint-dir DIR] [--seed N]
```

A decoder-only, pre-norm transformer trained on a fixed list of standard-library modules (read from
`sysconfig.get_paths()["stdlib"]`, so the corpus is on every machine) and validated on other, held-out modules.
Compared: the digital float32 model; its projections and MLP on PCM crossbars (hardware-aware trained); and the fully
analog model, whose attention products also run on gain-cell arrays (3-bit K/V, 4-bit Q, 5-bit output; hardware-aware
trained). Validation perplexity is the mean over programmings at 1 h and 1 day after programming. Target: the fully
analog model within 10 % of the digital perplexity at 1 day.

JSON: {"digital_ppl": p, "analog_proj_ppl": {t: p}, "analog_full_ppl": {t: p}}.
"""

from analogsim_lab.scripts import run_workload_script, save_json
from analogsim_lab.workloads import tiny_transformer


def main(argv=None) -> dict:
    args, res = run_workload_script(
        tiny_transformer,
        __doc__,
        argv,
        tag="transformer",
        quick_help="smaller model, fewer epochs and programmings",
        programmings="default 5 (quick: 2)",
    )
    fig = res["figures"]
    print(f"digital float32 validation perplexity {fig['digital_ppl']:.3f}")
    for name in ("analog_proj_ppl", "analog_full_ppl"):
        print(f"{name:16s}" + "".join(f"  {t}: {v:.3f}" for t, v in fig[name].items()))
    r = res["details"]["ratio_full_vs_digital_1d"]
    print(f"fully analog / digital at 1 day: {r:.3f} (target <= 1.10)")
    save_json(args.json, fig)
    return res


if __name__ == "__main__":
    main()
