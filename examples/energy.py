"""Energy and time of analog in-memory computing vs digital baselines, from counted operations.

```bash
python examples/energy.py [--json PATH] [--quick]
```

Prices one 256x256 8-bit MVM on the HERMES-calibrated PCM table (the calibration check: about 13.4 nJ, 133 ns,
9.76 TOPS/W), the same MVM on the ReRAM and gain-cell tables, an ADC-resolution sweep, and a small analog MLP
(per layer and total) against the A100, H100, H200 and this machine's CPU (measured), with the analog/digital
energy and time ratios. Every technology number has its source in `analogsim.cost` (`tech.sources`).
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")

from analogsim import cost  # noqa: E402
from analogsim_lab.scripts import save_json, script_parser  # noqa: E402
from analogsim_lab.workloads import (  # noqa: E402
    ADC_BITS,
    MLP_SHAPES,
    adc_sweep,
    digital_devices,
    mlp_counts,
    technologies,
)


def run(quick: bool = False, batch: int = 128) -> dict:
    hermes = cost.hermes_mvm()
    out = {
        "hermes_mvm_energy_nj": hermes.total_j * 1e9,
        "hermes_mvm_latency_ns": hermes.latency_s * 1e9,
        "hermes_tops_per_w": hermes.tops_per_w,
        "hermes_paper": {
            "energy_nj": cost.HERMES_MVM_ENERGY_PJ / 1e3,
            "latency_ns": cost.HERMES_MVM_TIME_S * 1e9,
            "tops_per_w": cost.HERMES_TOPS_PER_W,
        },
        "hermes_breakdown_nj": {k: v * 1e9 for k, v in hermes.energy_j.items()},
    }
    techs = technologies()
    out["mvm_256_by_tech"] = {n: cost.hermes_mvm(t).as_dict() for n, t in techs.items()}
    out["adc_bits_sweep_pcm"] = [
        {"adc_bits": bits, "energy_nj": c.total_j * 1e9, "adc_nj": c.energy_j["adc"] * 1e9}
        for bits, c in zip(ADC_BITS, adc_sweep(techs["pcm_hermes"]), strict=True)
    ]
    layers = mlp_counts(batch, label="layer{i} {out}x{inp}")
    devices = digital_devices(quick)
    out["mlp"] = {
        "batch": batch,
        "shapes": [list(s) for s in MLP_SHAPES],
        "counts": [m.counts.as_dict() for m in layers],
        "cpu_measured": {"flops_per_s": devices[-1].flops_per_s, "bytes_per_s": devices[-1].bytes_per_s},
        "compare": {f"{t}_vs_{d.name}": cost.compare(layers, techs[t], d) for t in techs for d in devices},
    }
    return out


def main(argv=None):
    args = script_parser(__doc__, quick_help="smaller CPU measurement").parse_args(argv)
    out = run(quick=args.quick)
    print(
        f"HERMES 256x256 8-bit MVM: {out['hermes_mvm_energy_nj']:.2f} nJ, {out['hermes_mvm_latency_ns']:.1f} ns, "
        f"{out['hermes_tops_per_w']:.2f} TOPS/W (paper: 13.4 nJ, 133 ns, 9.76 TOPS/W)"
    )
    print("  breakdown (nJ): " + ", ".join(f"{k} {v:.3f}" for k, v in out["hermes_breakdown_nj"].items()))
    print(f"MLP {out['mlp']['shapes']} batch {out['mlp']['batch']}: analog/digital energy and time ratios")
    for k, v in out["mlp"]["compare"].items():
        t = v["total"]
        print(
            f"  {k:32s} energy {t['total_j']:.3e} J vs {t['digital_energy_j']:.3e} J (x{t['energy_ratio']:.3g}),"
            f" time {t['time_s']:.3e} s vs {t['digital_time_s']:.3e} s (x{t['time_ratio']:.3g})"
        )
    save_json(args.json, out)
    return out


if __name__ == "__main__":
    main()
