"""Accuracy of an analog MVM over a year after programming: PCM and ReRAM, with and without drift compensation.

```bash
python examples/crossbar_drift.py [--quick] [--json PATH]
```

Prints the relative error |y - W x| / |W x| (mean and std over independent programmings, vmapped over keys) at
1 s, 1 h, 1 day, 1 month and 1 year, next to the digital int8 baseline.
"""

import equinox as eqx
import jax.random as jr

from analogsim.devices import ReRAM
from analogsim.nn import TIMES
from analogsim_lab.presets import pcm_8bit
from analogsim_lab.scripts import save_json, script_parser
from analogsim_lab.workloads import int8_mvm, mc_errors, mvm_problem, relative_error


def main(argv=None):
    args = script_parser(__doc__, quick_help="a 256x256 problem and 3 programmings").parse_args(argv)
    n, batch, n_prog = (256, 32, 3) if args.quick else (1024, 128, 10)
    W, x = mvm_problem(jr.key(0), n, n, batch)
    pcm = pcm_8bit(read_noise_std=0.01)
    configs = {
        "pcm": pcm,
        "pcm_gdc": pcm_8bit(read_noise_std=0.01, drift_compensation=True),
        "reram": eqx.tree_at(lambda c: c.device, pcm, ReRAM()),
    }
    out = {"digital_int8": float(relative_error(int8_mvm(W, x), x @ W.T))}
    print(f"{n}x{n} MVM, batch {batch}, {n_prog} programmings; digital int8 error {out['digital_int8']:.4f}")
    print("config    " + "".join(f"{t:>16}" for t in TIMES))
    for i, (name, cfg) in enumerate(configs.items()):
        e = mc_errors(W, x, cfg, list(TIMES.values()), n_prog, jr.key(10 + i))
        out[name] = {
            t: {"mean": float(e[:, j].mean()), "std": float(e[:, j].std())} for j, t in enumerate(TIMES)
        }
        print(
            f"{name:10s}" + "".join(f"{e[:, j].mean():9.4f}±{e[:, j].std():.4f}" for j in range(len(TIMES)))
        )
    save_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
