"""Digits MLP trained in situ on analog arrays: analog SGD, mixed precision and Tiki-Taka v2 on pulsed devices,
against digital SGD with the same schedule.

    python examples/insitu_digits.py [--epochs N] [--lrs 0.005,0.01,0.02,0.03] [--json PATH]
        [--devices soft_bounds,constant_step,...] [--optimizers analog_sgd,mixed_precision,...]

A 64-64-10 sigmoid MLP on scikit-learn's bundled 8x8 digits (inputs scaled to [0, 1], 80/20 split, random_state=0),
batch 10, the setting of IBM aihwkit's published comparison. Both weight matrices live on pulsed devices and are
trained by the chosen in-situ optimizer; forward and backward passes read them through the array's periphery
(`analogsim.insitu.AnalogIO`: 7-bit DAC, output noise, 9-bit ADC), the backward pass through the transpose. Biases
train digitally with plain SGD. Digital SGD trains the same model in float32 with the same per-sample learning rate
schedule.

JSON: {"digital_sgd_acc", "epochs", "rows": [{"device", "optimizer", "test_acc", "acc_per_epoch",
"pulses_per_weight", "max_pulses_per_cell", "energy_j", "time_s"}]}, accuracies in percent; energy and time of the
in-situ run from `analogsim.cost.price_insitu` (ECRAM pulse table, HERMES converters), `null` where that is missing.
"""

from __future__ import annotations

import argparse
import sys

from analogsim import io
from analogsim_lab.workloads import load_digits_split
from analogsim_lab.workloads.insitu import DEVICES, OPTIMIZERS, summarize, train_digital, train_insitu


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.02, help="per-sample learning rate (lr / dw_min <= 31)")
    p.add_argument("--lrs", default=None,
                   help="comma-separated learning rates: report the best of them per row and for digital SGD "
                        "(aihwkit's comparison: best of four)")
    p.add_argument("--transfer-lr", type=float, default=0.1, help="Tiki-Taka's transfer_lr")
    p.add_argument("--devices", default=",".join(DEVICES))
    p.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    p.add_argument("--json", default=None, help="write the figures to this file")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    data = load_digits_split()
    lrs = [float(v) for v in args.lrs.split(",")] if args.lrs else [args.lr]
    say = lambda m: print(f"[insitu_digits] {m}", file=sys.stderr, flush=True)
    digital = {lr: train_digital(data, lr=lr, epochs=args.epochs, seed=args.seed) for lr in lrs}
    best_lr = max(digital, key=digital.get)
    result = {"epochs": args.epochs, "lrs": lrs, "transfer_lr": args.transfer_lr,
              "digital_sgd_acc": digital[best_lr], "digital_sgd_lr": best_lr, "rows": []}
    say(f"digital SGD {result['digital_sgd_acc']:.2f} % (lr {best_lr:g}; all: {digital})")
    for dev_name in args.devices.split(","):
        for opt_name in args.optimizers.split(","):
            best = None
            for lr_arg in lrs:
                dev = DEVICES[dev_name]()
                lr = min(lr_arg, 31 * float(dev.dw_min))
                accs, states = train_insitu(data, OPTIMIZERS[opt_name](dev, lr, args.transfer_lr), lr_bias=lr_arg,
                                            epochs=args.epochs, seed=args.seed)
                say(f"{dev_name:14s} {opt_name:24s} lr {lr:g}: {accs[-1]:6.2f} %")
                if best is None or accs[-1] > best[0][-1]:
                    best = (accs, states, lr)
            accs, states, lr = best
            row = summarize(dev_name, opt_name, accs, states)
            row["lr"] = lr
            result["rows"].append(row)
            say(f"{dev_name:14s} {opt_name:24s} best {accs[-1]:6.2f} % at lr {lr:g} "
                f"(per epoch: {[round(a, 1) for a in accs]})")
    if args.json:
        io.write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
