"""Accuracy of an analog MVM over a year after programming: PCM and ReRAM, with and without drift compensation.

    python examples/crossbar_drift.py [--quick] [--json PATH]

Prints the relative error |y - W x| / |W x| (mean and std over independent programmings, vmapped over keys) at
1 s, 1 h, 1 day, 1 month and 1 year, next to the digital int8 baseline.
"""

import argparse

import jax.random as jr

import analogsim as asim
from analogsim_lab.report.crossbar import TIMES, _int8_digital, _problem, _rel_err, mc_errors


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", default=None, help="write the figures to this file")
    args = p.parse_args(argv)
    n, batch, n_prog = (256, 32, 3) if args.quick else (1024, 128, 10)
    W, x = _problem(jr.key(0), n, n, batch)
    io = dict(dac=asim.DAC(bits=8), adc=asim.ADC(bits=8), read_noise=asim.ReadNoise(0.01))
    configs = {
        "pcm": asim.CrossbarConfig(device=asim.devices.PCM(), **io),
        "pcm_gdc": asim.CrossbarConfig(device=asim.devices.PCM(), drift_compensation=True, **io),
        "reram": asim.CrossbarConfig(device=asim.devices.ReRAM(), **io),
    }
    out = {"digital_int8": float(_rel_err(_int8_digital(W, x), x @ W.T))}
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
    if args.json:
        asim.io.write_json(args.json, out)
        print(f"wrote {args.json}")
    return out


if __name__ == "__main__":
    main()
