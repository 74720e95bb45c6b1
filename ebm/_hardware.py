"""Hardware cost of sampling, as `analogsim.cost.Cost` objects: energy and time per spin update on the measured
digital run, on p-bit machines from the literature, and on the analog-crossbar p-bit sampler.

The crossbar sampler is priced by `analogsim.cost`: `count_pbit_sweep` counts the array reads of one sweep (one MVM
per colour block, `analogsim.cost.count_mvm`), a `analogsim.cost.Technology` prices them (`analogsim.cost.pcm_hermes`
by default: calibrated to IBM HERMES, periphery included; `pbit_bottom_up`: a bottom-up table without periphery, a
lower bound), and `pbit_sweep_cost` adds the p-bit comparators and the state I/O of a `PBitTech`. Numbers marked
"assumed" are engineering assumptions, not published measurements: change them with `eqx.tree_at`.
"""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax

import analogsim as asim
from analogsim import cost

from ._models import AbstractEBM


@dataclasses.dataclass(frozen=True)
class Figure:
    """A published (or assumed) number with its unit and source."""

    value: float
    unit: str
    source: str


LITERATURE = {
    "FPGA sparse p-bit Ising machine (Aadit et al. 2022; Niazi et al. 2024)": {
        "flips_per_s": Figure(
            6.4e10,
            "spin updates / s",
            "Niazi et al., 'Training deep Boltzmann networks with sparse Ising machines', Nat. Electron. 7, 610-619 "
            "(2024), abstract: 'a measured 50 to 64 billion probabilistic flips per second' with 4,264 p-bits on "
            "FPGAs (the upper end is used here); the sparse, graph-coloured p-bit architecture is that of Aadit et "
            "al., 'Massively parallel probabilistic computing with sparse Ising machines', Nat. Electron. 5, "
            "460-468 (2022), whose flip rate scales linearly with the number of p-bits",
        ),
        "watts": Figure(
            15.0,
            "W",
            "assumed: typical power of a mid-size FPGA board; neither paper's abstract reports power or energy "
            "per flip",
        ),
    },
    "sMTJ p-bit, projected (Borders et al. 2019; Singh et al. 2024)": {
        "energy_per_flip_j": Figure(
            2e-15,
            "J",
            "projection, order of magnitude only: Singh et al., 'CMOS plus stochastic nanomagnets: heterogeneous "
            "computers for probabilistic inference and learning', Nat. Commun. 15, 2685 (2024), Fig. 4b compares "
            "the energy per random bit of sMTJ p-bits (repeated from their ref. 28) with digital CMOS p-bits; the "
            "value 2 fJ was not re-read from that figure here (see also Borders et al., Nature 573, 390 (2019))",
        ),
        "flips_per_s_per_pbit": Figure(
            1e9,
            "1 / s",
            "~ns fluctuation times of low-barrier sMTJs (Hayakawa et al., PRL 126, 117202 (2021): 8 ns "
            "relaxation); one p-bit therefore updates about 1e8-1e9 times per second",
        ),
    },
}


class PBitTech(eqx.Module):
    """Energy of the p-bit side of the crossbar sampler: what `analogsim.cost` does not count."""

    e_pbit_fj: float = 100.0
    """Comparator + random source per p-bit update (fJ). Assumed 100 fJ: the digital CMOS p-bit (LFSR + LUT +
    comparator) of Singh et al., Nat. Commun. 15, 2685 (2024) is about 100 fJ per update."""
    e_io_fj_per_bit: float = 10.0
    """Moving one state bit between the array periphery and the p-bit registers (fJ). Assumed 10 fJ: on-chip wire at
    ~1 pJ per byte per mm over a few hundred um. Each update moves 2 bits (read into the DACs, written back)."""


def pbit_bottom_up() -> cost.Technology:
    """A bottom-up `analogsim.cost.Technology` for the crossbar p-bit sampler: DAC drives, cell reads and column
    ADCs only (no digital rescale, no periphery), so a lower bound. One MVM takes a 100 ns read period (127 PWM
    slots of 0.5 ns, then a 36.5 ns conversion; HERMES takes ~133 ns per 256x256 MVM)."""
    return cost.Technology(
        name="p-bit crossbar (bottom-up, no periphery)",
        input_encoding="pwm",
        ref_dac_bits=8,
        ref_adc_bits=8,
        e_dac_pj=0.05,
        e_cell_read_fj=25.0,
        adc=cost.ADCModel("walden", fom=10.0, f_corner_hz=100e6),
        e_add_pj=0.0,
        e_mul_pj=0.0,
        e_cell_write_fj=0.0,
        e_periphery_pj=0.0,
        t_slot_s=0.5e-9,
        t_adc_s=36.5e-9,
        t_add_s=0.0,
        t_write_row_s=0.0,
        sources=(
            (
                "e_dac_pj",
                "assumed 50 fJ per row drive, of the order of an 8-bit current-steering DAC cell at low speed",
            ),
            (
                "e_cell_read_fj",
                "V^2 G t = (0.2 V)^2 x 12.5 uS x 100 ns = 50 fJ per weight, 25 fJ per cell of its differential pair: "
                "sub-0.3 V reads as in HERMES (Le Gallo et al., Nat. Electron. 6, 680, 2023), mean conductance half "
                "the 25 uS g_max of analogsim.devices.PCM, the whole read period",
            ),
            (
                "adc",
                "Walden 10 fJ/step, the efficient SAR range of B. Murmann's ADC Performance Survey 1997-2024",
            ),
            ("e_add_pj", "0: the bottom-up model leaves out digital work"),
            ("e_mul_pj", "0: the bottom-up model leaves out digital work"),
            ("e_cell_write_fj", "0: the couplings are programmed once, not per sweep"),
            ("e_periphery_pj", "0: no periphery (see analogsim.cost.pcm_hermes for a calibrated total)"),
            ("t_slot_s", "assumed; with t_adc_s the 100 ns read period assumed per MVM"),
            ("t_adc_s", "assumed; with the 63.5 ns input window the 100 ns read period assumed per MVM"),
            ("t_add_s", "0: one input tile per block, no adder tree"),
            ("t_write_row_s", "0: no run-time writes"),
        ),
    )


def _default_config() -> asim.CrossbarConfig:
    return asim.CrossbarConfig(dac=asim.DAC(bits=8), adc=asim.ADC(bits=8), tile=(256, 256))


def count_pbit_sweep(model: AbstractEBM, config: asim.CrossbarConfig | None = None) -> list[cost.MVMCount]:
    """The array reads of one p-bit sweep of one chain: one MVM per colour block through the coupling matrix that
    block reads (`AbstractEBM.block_matrices`), counted by `analogsim.cost.count_mvm` on `config` (default: 8-bit
    DAC and ADC, 256x256 tiles). An RBM reads `W` for its visible block and `W^T` for its hidden block; the other
    pairwise models read their dense `J` (n, n) once per colour block."""
    config = _default_config() if config is None else config
    shapes = [m.shape for m in jax.eval_shape(model.coupling_matrices)]
    return [
        cost.count_mvm(tuple(shapes[i]), config, batch=1, name=f"block {c}")
        for c, i in enumerate(model.block_matrices)
    ]


def pbit_sweep_cost(
    model: AbstractEBM,
    technology: cost.Technology | None = None,
    *,
    config: asim.CrossbarConfig | None = None,
    pbit: PBitTech | None = None,
) -> cost.Cost:
    """Energy and time of one p-bit sweep of one chain of `model` on crossbars.

    **Arguments:**

    - `model`: a pairwise model (`coupling_matrices` defined).
    - `technology`: prices the array reads (default `analogsim.cost.pcm_hermes()`; `pbit_bottom_up()` for the
        bottom-up lower bound).
    - `config`: the crossbar configuration counted (see `count_pbit_sweep`).
    - `pbit`: the p-bit and state-I/O energies (default `PBitTech()`).

    **Returns:**

    An `analogsim.cost.Cost` whose `energy_j` holds the crossbar components of `analogsim.cost.COMPONENTS` plus
    `"pbit"` (one update per unit) and `"io"` (two state bits per unit); the blocks run in sequence, so its latency
    and time are the sums of the blocks'. Divide by the units with `per_spin_update`.
    """
    technology = cost.pcm_hermes() if technology is None else technology
    pbit = PBitTech() if pbit is None else pbit
    _, total = cost.price_all(count_pbit_sweep(model, config), technology)
    n = model.n_units
    energy = dict(total.energy_j)
    energy["pbit"] = n * float(pbit.e_pbit_fj) * 1e-15
    energy["io"] = n * 2 * float(pbit.e_io_fj_per_bit) * 1e-15
    return cost.Cost(
        name=f"p-bit sweep of a {type(model).__name__} ({technology.name})",
        energy_j=energy,
        ops=total.ops,
        latency_s=total.latency_s,
        time_s=total.time_s,
        cell_pulses=total.cell_pulses,
    )


def per_spin_update(sweep: cost.Cost, n_units: int) -> cost.Cost:
    """The cost of one spin update: a sweep's energies, operations and times divided over its `n_units` updates
    (the time is then the machine's time per update, its inverse throughput)."""
    if isinstance(n_units, bool) or not isinstance(n_units, int) or n_units < 1:
        raise ValueError(f"n_units must be an int >= 1, got {n_units!r}")
    return cost.Cost(
        name=f"{sweep.name}, per spin update",
        energy_j={k: v / n_units for k, v in sweep.energy_j.items()},
        ops=sweep.ops / n_units,
        latency_s=sweep.latency_s / n_units,
        time_s=sweep.time_s / n_units,
        cell_pulses=sweep.cell_pulses / n_units,
    )


def _per_update(name: str, component: str, energy_j: float, time_s: float) -> cost.Cost:
    return cost.Cost(
        name=name, energy_j={component: energy_j}, ops=0.0, latency_s=time_s, time_s=time_s, cell_pulses=0.0
    )


def digital_cost(
    updates_per_s: float, power_w: float = cost.CPU_POWER_W, *, name: str = "digital"
) -> cost.Cost:
    """Energy and time per spin update of a measured digital run (CPU or GPU): `power_w / rate` (component
    `"digital"`) and `1 / rate`. `power_w` is the power drawn while running: by default the assumed CPU package
    power `analogsim.cost.CPU_POWER_W`; pass a measured figure, or a GPU's board power."""
    if not updates_per_s > 0 or not power_w > 0:
        raise ValueError(f"updates_per_s and power_w must be > 0, got {updates_per_s}, {power_w}")
    return _per_update(name, "digital", power_w / updates_per_s, 1.0 / updates_per_s)


def literature_costs() -> dict[str, cost.Cost]:
    """Energy and time per spin update of the p-bit machines of `LITERATURE` (component `"pbit"`)."""
    out = {}
    for name, d in LITERATURE.items():
        if "flips_per_s" in d:
            rate = d["flips_per_s"].value
            out[name] = _per_update(name, "pbit", d["watts"].value / rate, 1.0 / rate)
        else:
            out[name] = _per_update(
                name, "pbit", d["energy_per_flip_j"].value, float(1.0 / d["flips_per_s_per_pbit"].value)
            )
    return out
