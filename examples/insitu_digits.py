"""Digits MLP trained in situ on analog arrays: analog SGD, mixed precision, Tiki-Taka v2 and chopped Tiki-Taka v2
on pulsed devices, against digital SGD with the same schedule.

    python examples/insitu_digits.py [--epochs N] [--lrs 0.005,0.01,0.02,0.03] [--seeds 0,1,2] [--json PATH]
        [--devices soft_bounds,constant_step,...] [--optimizers analog_sgd,mixed_precision,...]
        [--pulse bit_trains|moments] [--leakage-sweep]

A 64-64-10 sigmoid MLP on scikit-learn's bundled 8x8 digits (inputs scaled to [0, 1], 80/20 split, random_state=0),
batch 10, the setting of IBM aihwkit's published comparison. Both weight matrices live on pulsed devices and are
trained by the chosen in-situ optimizer; forward and backward passes read them through the array's periphery
(`analogsim.insitu.AnalogIO`: 7-bit DAC, output noise, 9-bit ADC), the backward pass through the transpose. Biases
train digitally with plain SGD. Digital SGD trains the same model in float32 with the same per-sample learning rate
schedule.

Every learning rate of `--lrs` runs with every seed of `--seeds` in one vmapped program per (device, optimizer);
a row reports the lr whose seed-mean final accuracy is highest, with the mean and standard deviation over seeds
(`analogsim_lab.workloads.insitu.best_lr`). With `--json`, the file is rewritten after every row, and a rerun with
the same settings skips the rows it already holds (resume an interrupted run by repeating the command).

JSON: {"digital_sgd_acc", "digital_sgd_std", "epochs", "lrs", "seeds", "pulse", "rows": [{"device", "optimizer",
"test_acc", "test_acc_std", "test_acc_per_seed", "lr", "acc_by_lr", "acc_per_epoch", "pulses_per_weight",
"max_pulses_per_cell", "energy_j", "time_s"}], "leakage": [...] with `--leakage-sweep`}, accuracies in percent;
energy and time of the in-situ run from `analogsim.cost.price_insitu` (the device's pulse table, HERMES
converters).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from analogsim import insitu, io
from analogsim_lab.workloads import insitu as lab, load_digits_split

say = lambda m: print(f"[insitu_digits] {m}", file=sys.stderr, flush=True)


def _parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.02, help="per-sample learning rate (lr / dw_min <= 31)")
    p.add_argument("--lrs", default=None,
                   help="comma-separated learning rates: report the best of them per row and for digital SGD "
                        "(aihwkit's comparison: best of four)")
    p.add_argument("--seeds", default=None, help="comma-separated seeds (default: --seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--transfer-lr", type=float, default=0.1, help="Tiki-Taka's transfer_lr")
    p.add_argument("--devices", default=",".join(lab.DEVICES))
    p.add_argument("--optimizers", default=",".join(lab.OPTIMIZERS))
    p.add_argument("--pulse", default="bit_trains", choices=("bit_trains", "moments"),
                   help="the update pass: the bit-train reference or the batch fast path (PulseUpdate mode)")
    p.add_argument("--leakage-sweep", action="store_true",
                   help="also sweep the capacitor's leakage time constant (analog SGD, best lr of the capacitor row "
                        "or --lr)")
    p.add_argument("--json", default=None, help="write the figures to this file (and resume from it)")
    return p.parse_args(argv)


def _resume(path, settings) -> dict:
    """The figures of an earlier run with the same settings in `path`, or a fresh result."""
    if path and os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
        if {k: old.get(k) for k in settings} == settings:
            say(f"resuming {path}: {len(old['rows'])} rows done")
            return old
        say(f"{path} holds a run with other settings: starting afresh")
    return {**settings, "rows": []}


def _save(path, result):
    if path:
        io.write_json(path, result)


def main(argv=None) -> dict:
    args = _parse(argv)
    data = load_digits_split()
    lrs = [float(v) for v in args.lrs.split(",")] if args.lrs else [args.lr]
    seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else [args.seed]
    settings = {"epochs": args.epochs, "lrs": lrs, "seeds": seeds, "transfer_lr": args.transfer_lr,
                "pulse": args.pulse}
    result = _resume(args.json, settings)
    if "digital_sgd_acc" not in result:
        best = lab.best_lr(lab.train_digital_runs(data, lrs=lrs, seeds=seeds, epochs=args.epochs), lrs)
        result.update(digital_sgd_acc=best["test_acc"], digital_sgd_std=best["test_acc_std"],
                      digital_sgd_lr=best["lr"], digital_sgd_acc_by_lr=best["acc_by_lr"])
        _save(args.json, result)
    say(f"digital SGD {result['digital_sgd_acc']:.2f} +- {result['digital_sgd_std']:.2f} % "
        f"(lr {result['digital_sgd_lr']:g}; all: {result['digital_sgd_acc_by_lr']})")
    pulse = insitu.PulseUpdate(mode=args.pulse)
    done = {(r["device"], r["optimizer"]) for r in result["rows"]}
    for dev_name in args.devices.split(","):
        for opt_name in args.optimizers.split(","):
            if (dev_name, opt_name) in done:
                continue
            dev = lab.DEVICES[dev_name]()
            opt_lrs = [min(lr, 31 * float(dev.dw_min)) for lr in lrs]
            make = lambda lr, dev=dev, opt_name=opt_name: lab.OPTIMIZERS[opt_name](dev, lr, args.transfer_lr, pulse)
            tag = f"{dev_name:14s} {opt_name:24s}"
            accs, states = lab.train_insitu_runs(
                data, make, opt_lrs, seeds=seeds, lr_bias=lrs, epochs=args.epochs,
                progress=lambda e, a, tag=tag: say(f"{tag} epoch {e}: {[round(float(v), 1) for v in a]}"))
            row = lab.summarize_runs(dev_name, opt_name, accs, states, opt_lrs)
            result["rows"].append(row)
            _save(args.json, result)
            say(f"{tag} best {row['test_acc']:6.2f} +- {row['test_acc_std']:.2f} % at lr {row['lr']:g} "
                f"(by lr: {row['acc_by_lr']})")
    if args.leakage_sweep and "leakage" not in result:
        cap = [r for r in result["rows"] if r["device"] == "capacitor" and r["optimizer"] == "analog_sgd"]
        lr = cap[0]["lr"] if cap else args.lr
        result["leakage"] = lab.leakage_sweep(data, lab.LEAKAGE_TAUS_S, lr=lr, seeds=seeds, epochs=args.epochs,
                                              pulse=pulse, progress=say)
        _save(args.json, result)
    return result


if __name__ == "__main__":
    main()
