"""Digits MLP on simulated PCM: digital float32 / int8 vs analog, without and with hardware-aware training.

```bash
python examples/digits_mlp.py [--quick] [--json PATH] [--checkpoint-dir DIR] [--seed N]
```

A 64-256-256-10 MLP on scikit-learn's bundled 8x8 digits (test split 20 %, random_state=0). The analog model runs
its three layers on PCM crossbars (aihwkit's statistical PCM model, 8-bit DAC/ADC, global drift compensation);
accuracy is the mean over independent programmings (vmapped over keys) at 1 s, 1 h, 1 day, 1 month and 1 year after
programming. Target: hardware-aware trained PCM within 1.0 point of digital float32 at 1 day, 2.0 points at 1 year.

JSON: {"digital_float32", "digital_int8", "analog_no_hwa": {t: acc}, "analog_hwa": {t: acc},
"analog_hwa_std": {t: std}, "programmings": n}, accuracies in percent, compensation on.
"""

from analogsim_lab.scripts import run_workload_script, save_json
from analogsim_lab.workloads import digits_mlp


def main(argv=None) -> dict:
    args, res = run_workload_script(
        digits_mlp,
        __doc__,
        argv,
        tag="digits",
        quick_help="fewer epochs and programmings (about a minute)",
        programmings="default 10 (quick: 5)",
    )
    fig = res["figures"]
    print(f"digital float32 {fig['digital_float32']:.2f} %, digital int8 {fig['digital_int8']:.2f} %")
    print(f"analog PCM, global drift compensation, mean over {fig['programmings']} programmings:")
    print("t        " + "".join(f"{t:>10}" for t in fig["analog_hwa"]))
    print("no HWA   " + "".join(f"{v:10.2f}" for v in fig["analog_no_hwa"].values()))
    print("HWA      " + "".join(f"{v:10.2f}" for v in fig["analog_hwa"].values()))
    print("HWA std  " + "".join(f"{v:10.2f}" for v in fig["analog_hwa_std"].values()))
    gap = res["details"]["gap_hwa_vs_float32"]
    print(
        f"gap to float32 (HWA): 1 day {gap['1d']:.2f} points (target <= 1.0), 1 year {gap['1y']:.2f} (target <= 2.0)"
    )
    save_json(args.json, fig)
    return res


if __name__ == "__main__":
    main()
