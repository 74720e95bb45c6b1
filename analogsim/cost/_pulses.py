"""The energy and time of in-situ training: per-pulse write tables for training devices, and the price of the
`analogsim.insitu.Counts` of a run.

Sources (short keys used in each table's `sources`):

- Tang2018: J. Tang et al., "ECRAM as scalable synaptic cell for high-speed, low-power neuromorphic computing",
  IEDM 2018: Li-ion ECRAM programmed with gate current pulses down to 5 ns wide; the conductance change scales
  linearly with the charge, "projecting an ultralow switching energy ~1 fJ" for 100 x 100 nm^2 devices.
- Li2018: Y. Li et al., "Capacitor-based cross-point array for analog neural network with record symmetry and
  linearity", VLSI Technology 2018: 14 nm trench-capacitor cells charged and discharged by current-source pulses.
- Gokmen2016: T. Gokmen and Y. Vlasov, "Acceleration of deep neural network training with resistive cross-point
  devices: design considerations", Front. Neurosci. 10, 333 (2016): the update pass is `BL` pulse slots, applied to
  all cells of the array in parallel, so its time is `BL` slot times whatever the array size.

Figures marked "assumed" are ours, with the arithmetic stated.
"""

from __future__ import annotations

import equinox as eqx

from .._validate import check_int
from ._check import _positive
from ._tech import Technology

INSITU_COMPONENTS = ("write", "dac", "adc", "digital")


class PulseTable(eqx.Module):
    """The write cost of one training device: energy of one pulse on one cell and the length of one pulse slot.

    **Arguments:**

    - `name`: label.
    - `e_pulse_fj`: energy of one pulse delivered to one cell (fJ).
    - `t_slot_s`: duration of one pulse slot (s); one update pass takes `BL` slots for the whole array.
    - `sources`: `(field, source)` pairs.
    """

    name: str = eqx.field(static=True)
    e_pulse_fj: float
    t_slot_s: float
    sources: tuple[tuple[str, str], ...] = eqx.field(static=True, default=())

    def __check_init__(self):
        _positive("PulseTable e_pulse_fj", self.e_pulse_fj)
        _positive("PulseTable t_slot_s", self.t_slot_s)


def pulses_ecram_tang2018() -> PulseTable:
    """Li-ion ECRAM (Tang2018): 1 fJ per pulse (the paper's projection for 100 x 100 nm^2 cells), 5 ns slots (the
    shortest pulse shown)."""
    return PulseTable("ECRAM (Tang 2018)", e_pulse_fj=1.0, t_slot_s=5e-9,
                      sources=(("e_pulse_fj", "Tang2018, projected"), ("t_slot_s", "Tang2018")))


def pulses_capacitor_li2018() -> PulseTable:
    """Capacitor training cell (Li2018). Assumed: 1 fJ per pulse (the charge packet itself, `C dV Vdd` with
    `C` = 20 fF, `dV` = 1 V / 400 levels, `Vdd` = 0.8 V, is 0.04 fJ; the switching of the two current-source gates
    of the cell, about 1 fJ at 14 nm, dominates) and 10 ns slots."""
    return PulseTable("capacitor (Li 2018)", e_pulse_fj=1.0, t_slot_s=10e-9,
                      sources=(("e_pulse_fj", "assumed, see docstring"), ("t_slot_s", "assumed")))


def pulses_reram_assumed() -> PulseTable:
    """Filamentary ReRAM with identical SET/RESET pulses. Assumed: `V^2 G t` with `V` = 1.2 V, `G` = 40 uS (the top
    of the Wan 2022 range used by `analogsim.devices.ReRAM`) and `t` = 50 ns: 2.9 pJ per pulse, 50 ns slots."""
    return PulseTable("ReRAM (assumed)", e_pulse_fj=1.2**2 * 40e-6 * 50e-9 * 1e15, t_slot_s=50e-9,
                      sources=(("e_pulse_fj", "assumed: V^2 G t"), ("t_slot_s", "assumed")))


def price_insitu(counts, pulses: PulseTable, tech: Technology, *, dac_bits: int = 8, adc_bits: int = 8,
                 bl: int = 31) -> dict:
    """Energy and time of the in-situ training recorded in `counts` (an `analogsim.insitu.Counts`).

    Energy: every pulse costs `pulses.e_pulse_fj`; every DAC and ADC conversion of the forward, backward and transfer
    reads is priced by `tech` at `dac_bits` / `adc_bits`; every digital accumulator operation costs one add and one
    multiply of `tech`. Array read energy and periphery are left out (their counts depend on the tiling; price the
    forward and backward MVMs with `count_mvm` for those). Time: per sample, one forward and one backward read
    (`t_input + t_convert` each) and one update pass of `bl` slots (Gokmen2016); per transfer, one read.

    **Arguments:**

    - `counts`: the `Counts` of an optimizer state (`state.counts`).
    - `pulses`: the training device's `PulseTable`.
    - `tech`: the converter and digital technology (e.g. `pcm_hermes()`).
    - `dac_bits`, `adc_bits`: converter resolutions. `bl`: the pulse train length.

    **Returns:**

    A dict with `energy_j` (per component in `INSITU_COMPONENTS`), `total_j` and `time_s`.
    """
    if not isinstance(tech, Technology):
        raise ValueError(f"tech must be an analogsim.cost.Technology, got {type(tech).__name__}")
    if not isinstance(pulses, PulseTable):
        raise ValueError(f"pulses must be an analogsim.cost.PulseTable, got {type(pulses).__name__}")
    check_int(dac_bits, "dac_bits", minimum=1)
    check_int(adc_bits, "adc_bits", minimum=1)
    check_int(bl, "bl", minimum=1)
    dac = float(counts.dac_forward + counts.dac_backward + counts.dac_transfer)
    adc = float(counts.adc_forward + counts.adc_backward + counts.adc_transfer)
    energy = {
        "write": float(counts.pulses_total) * float(pulses.e_pulse_fj) * 1e-15,
        "dac": dac * tech.dac_energy_pj(dac_bits) * 1e-12,
        "adc": adc * tech.adc_energy_pj(adc_bits) * 1e-12,
        "digital": float(counts.digital_ops) * (float(tech.e_add_pj) + float(tech.e_mul_pj)) * 1e-12,
    }
    t_read = tech.t_input_s(dac_bits) + tech.t_convert_s(adc_bits)
    samples, reads = float(counts.samples), float(counts.transfer_reads)
    time_s = samples * (2 * t_read + bl * float(pulses.t_slot_s)) + reads * t_read
    return {"energy_j": energy, "total_j": sum(energy.values()), "time_s": time_s}
