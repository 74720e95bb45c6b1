"""Tiny transformer with every linear layer trained in situ on pulsed analog arrays, against digital training.

    python examples/insitu_transformer.py [--quick] [--epochs N]
        [--device ecram|capacitor|soft_bounds|constant_step]
        [--optimizer mixed_precision|mixed_precision_expected|mixed_precision_momentum|mixed_precision_adam|
                     tiki_taka_v2|analog_sgd]
        [--lrs 0.1,0.3] [--max-train-windows N] [--json PATH]

The character-level language model of `examples/tiny_transformer.py` (same sizes, corpus and windows). The digital
run is that workload's recipe (AdamW, warm-up and cosine decay); the in-situ run starts from the same weights, takes
the same steps, and trains every `AnalogLinear` (attention projections, MLP, head) on the chosen pulsed device with
the chosen in-situ optimizer (`analogsim.insitu.InsituTrainer`; default: ECRAM, mixed precision with Adam in the
digital unit at peak lr 0.02), the embeddings, positions, LayerNorms and biases
with the same AdamW schedule in the same step; attention's `Q K^T` and `A V` stay digital. Forward and backward
passes read the arrays through a 7-bit DAC, output noise and a 9-bit ADC. The float twin runs the in-situ recipe
without the hardware (the in-situ optimizer's rule at its lr on the linear weights, AdamW on the rest).

JSON: {"digital_ppl", "insitu_ppl", "insitu_ppl_weights", "ratio", "twin_ppl", "ratio_twin", "pulses_per_weight",
"max_pulses_per_cell",
"energy_j", "time_s", "device", "optimizer", "lr", "lrs", "lr_digital", "digital_optimizer", "epochs", "steps",
"sizes", "seconds"}; energy and time of the in-situ run from `analogsim.cost.price_insitu` (the device's pulse table,
HERMES converters).
"""

from __future__ import annotations

import sys

from analogsim_lab.scripts import save_json, script_parser
from analogsim_lab.workloads.insitu_transformer import DEFAULT, DEVICES, OPTIMIZERS, insitu_transformer


def main(argv=None) -> dict:
    p = script_parser(__doc__, quick_help="the quick model and corpus, 2 epochs (under ~2 minutes)")
    p.add_argument("--epochs", type=int, default=None, help="epochs of both runs (default 12; quick: 2)")
    p.add_argument("--device", default=DEFAULT["device"], choices=list(DEVICES))
    p.add_argument("--optimizer", default=DEFAULT["optimizer"], choices=list(OPTIMIZERS))
    p.add_argument("--lrs", default=",".join(str(v) for v in DEFAULT["lrs"]),
                   help="comma-separated in-situ learning rates (the best is kept)")
    p.add_argument("--max-train-windows", type=int, default=None, help="use only this many training windows")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    res = insitu_transformer(
        quick=args.quick, seed=args.seed, device=args.device, optimizer=args.optimizer,
        lrs=tuple(float(v) for v in args.lrs.split(",")), epochs=args.epochs,
        max_train_windows=args.max_train_windows,
        progress=lambda m: print(f"[insitu_transformer] {m}", file=sys.stderr, flush=True),
    )
    print(f"digital perplexity {res['digital_ppl']:.3f}, in situ {res['insitu_ppl']:.3f} (ratio {res['ratio']:.3f}), "
          f"{res['pulses_per_weight']:.1f} pulses per weight, most-pulsed cell {res['max_pulses_per_cell']}, "
          f"{res['energy_j']:.3g} J")
    save_json(args.json, res)
    return res


if __name__ == "__main__":
    main()
