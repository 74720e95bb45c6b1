"""The training devices of the analog rows of the "training a GPT-3-class model" table: how their arrays are read,
what one update pulse costs, how many pulses an in-situ optimizer fires per weight per token (measured with this
library's in-situ training), how many cycles a cell endures, and the accuracy penalty measured in this library's
in-situ runs.

Endurance sources:

- Burr2016: G. W. Burr et al., "Recent progress in phase-change memory technology", IEEE J. Emerg. Sel. Topics
  Circuits Syst. 6, 146 (2016): PCM cells endure about 1e8 to 1e9 SET/RESET cycles.
- Wong2012: H.-S. P. Wong et al., "Metal-oxide RRAM", Proc. IEEE 100, 1951 (2012): filamentary metal-oxide RRAM
  endures 1e6 to 1e9 cycles (device dependent; a few stacks more).
- Tang2018: J. Tang et al., "ECRAM as scalable synaptic cell for high-speed, low-power neuromorphic computing",
  IEDM 2018: Li-ion ECRAM cycled beyond 1e8 pulses without loss of the conductance window (a lower bound: no
  wear-out was reached).
- Li2018: Y. Li et al., "Capacitor-based cross-point array for analog neural network with record symmetry and
  linearity", VLSI Technology 2018; Leroux2025 (gain cells, see `analogsim.cost`): a capacitor or gain cell stores
  charge on a transistor-gated node; writing it does not wear anything out (no endurance limit), the charge leaks
  and is refreshed instead.

Every pulse is counted as one endurance cycle: a conservative reading, since the quoted endurances are full
SET/RESET cycles and an update pulse moves a cell by one small step.
"""

from __future__ import annotations

import math

import equinox as eqx

from .. import cost as _cost
from ._arrays import _pos

DIGITS_ACCURACY = {
    "digital SGD": 94.72,
    "SoftBounds, Tiki-Taka v2": 95.83,
    "SoftBounds, analog SGD": 55.56,
    "SoftBounds, mixed precision": 94.44,
    "capacitor, analog SGD": 94.44,
}
"""Test accuracy (%) of the digits MLP (64-64-10, batch 10) trained 8 epochs with 1 seed by this library's in-situ
optimizers (`analogsim_lab.workloads.insitu`, as run by `examples/insitu_digits.py` for the in-situ training
issue), and by digital SGD with the same schedule.
A small MLP on 8x8 digits, not a transformer: the penalty it shows is the library's own measurement, not a
prediction for GPT-3."""

PULSES_PER_WEIGHT_PER_SAMPLE = {
    "SoftBounds, Tiki-Taka v2": (0.3483, 0.07528),
    "SoftBounds, analog SGD": (0.3108,),
    "SoftBounds, mixed precision": (0.1287,),
    "ECRAM, analog SGD": (0.1781,),
    "capacitor, analog SGD": (0.07535,),
}
"""Mean pulses per weight per training sample (one rank-one update) on each analog array of the optimizer
(Tiki-Taka v2: the fast array `A`, then the weight array `C`), measured in this library: one epoch (1430 samples,
batch 10) of the digits MLP of `analogsim_lab.workloads.insitu` (`train_insitu`, seed 0, learning rate
`min(0.02, 31 dw_min)`, transfer_lr 0.1, batch fast path `PulseUpdate(mode="moments")`): the optimizer state's
`counts.pulses` summed over both layers, over 4736 weights and 1430 samples. Tiki-Taka v2 also reads one column
of `A` per sample (`transfer_every=1`). The GPT-3 model takes one sample to be one token and assumes these rates
carry over; they scale with `lr / dw_min` (about 20 pulses per unit update here)."""


class TrainingDevice(eqx.Module):
    """An analog training technology: the arrays of the fully connected layers and their in-situ update.

    **Arguments:**

    - `name`: label of the table row.
    - `read`: the `analogsim.cost.Technology` that prices the forward and backward (transpose) reads.
    - `pulses`: the `analogsim.cost.PulseTable` of one update pulse.
    - `optimizer`: the in-situ optimizer whose pulse counts are used (a key of `PULSES_PER_WEIGHT_PER_SAMPLE`).
    - `pulses_per_token`: mean pulses per weight per token on each array of the optimizer (one array per weight
      for analog SGD, two for Tiki-Taka v2).
    - `transfer_reads_per_token`: column reads of a Tiki-Taka transfer per token per matrix (0 for analog SGD).
    - `endurance`: `(low, high)` cycles a cell endures (`inf` where writing wears nothing out).
    - `endurance_source`: where the endurance comes from.
    - `accuracy`: the key of `DIGITS_ACCURACY` of the in-situ run that stands for this device, or `None`.
    - `accuracy_note`: how that run relates to this device.
    """

    name: str = eqx.field(static=True)
    read: _cost.Technology
    pulses: _cost.PulseTable
    optimizer: str = eqx.field(static=True)
    pulses_per_token: tuple[float, ...] = eqx.field(static=True)
    transfer_reads_per_token: float = eqx.field(static=True)
    endurance: tuple[float, float] = eqx.field(static=True)
    endurance_source: str = eqx.field(static=True)
    accuracy: str | None = eqx.field(static=True, default=None)
    accuracy_note: str = eqx.field(static=True, default="")

    def __check_init__(self):
        if not self.pulses_per_token:
            raise ValueError("pulses_per_token needs one rate per array of the optimizer, got none")
        _pos("pulses_per_token", self.pulses_per_token, allow_zero=True)
        _pos("transfer_reads_per_token", self.transfer_reads_per_token, allow_zero=True)
        lo, hi = self.endurance
        if not (lo > 0 and hi >= lo):
            raise ValueError(f"endurance must be (low, high) with 0 < low <= high, got {self.endurance!r}")
        if self.accuracy is not None and self.accuracy not in DIGITS_ACCURACY:
            raise ValueError(f"accuracy must be None or one of {tuple(DIGITS_ACCURACY)}, got {self.accuracy!r}")

    @property
    def arrays_per_weight(self) -> int:
        """Analog arrays holding one weight (2 for Tiki-Taka's `A` and `C`)."""
        return len(self.pulses_per_token)

    @property
    def accuracy_penalty_pt(self) -> float | None:
        """Digital SGD's accuracy minus the stand-in in-situ run's (percentage points; < 0: the analog run was
        better), or `None` where no run stands for the device."""
        if self.accuracy is None:
            return None
        return DIGITS_ACCURACY["digital SGD"] - DIGITS_ACCURACY[self.accuracy]

    def endurance_status(self, writes_per_cell: float) -> str:
        """`"no wear-out (volatile)"`, `"within endurance"`, `"beyond the low end"`, `"beyond the demonstrated
        cycles"` (only a lower bound is known) or `"wears out"`, comparing `writes_per_cell` with `endurance`."""
        lo, hi = self.endurance
        if math.isinf(lo):
            return "no wear-out (volatile)"
        if writes_per_cell > hi:
            return "wears out"
        if math.isinf(hi) and writes_per_cell > lo:
            return "beyond the demonstrated cycles"
        return "beyond the low end" if writes_per_cell > lo else "within endurance"


def _tiki_taka(name: str, read, pulses, endurance, source: str, note: str) -> TrainingDevice:
    key = "SoftBounds, Tiki-Taka v2"
    return TrainingDevice(name, read, pulses, key, PULSES_PER_WEIGHT_PER_SAMPLE[key], 1.0, endurance, source,
                          key, note)


def pulses_pcm_assumed() -> _cost.PulseTable:
    """One partial-SET pulse on a PCM cell. Assumed: 10 pJ (one of the "several ~10 pJ pulses" of
    `analogsim.cost.pcm_hermes`'s 100 pJ program-and-verify) and 50 ns slots."""
    return _cost.PulseTable("PCM partial SET (assumed)", e_pulse_fj=1.0e4, t_slot_s=50e-9,
                            sources=(("e_pulse_fj", "assumed, see docstring"), ("t_slot_s", "assumed")))


def pcm_training() -> TrainingDevice:
    """PCM arrays read as HERMES (`analogsim.cost.pcm_hermes`, calibrated) and trained by Tiki-Taka v2 with
    `pulses_pcm_assumed`. `analogsim.insitu` has no PCM pulse model: the asymmetric SoftBounds device stands in
    for its pulse counts and accuracy."""
    return _tiki_taka("analog PCM", _cost.pcm_hermes(), pulses_pcm_assumed(), (1e8, 1e9), "Burr2016",
                      "SoftBounds stands in for PCM (no PCM pulse model in analogsim.insitu)")


def reram_training() -> TrainingDevice:
    """ReRAM arrays read as NeuRRAM (`analogsim.cost.reram_neurram`, uncalibrated) and trained by Tiki-Taka v2
    with `analogsim.cost.pulses_reram_assumed`; SoftBounds is the asymmetric ReRAM model of the in-situ runs."""
    return _tiki_taka("analog ReRAM", _cost.reram_neurram(), _cost.pulses_reram_assumed(), (1e6, 1e9), "Wong2012",
                      "SoftBounds: the asymmetric filamentary ReRAM model of the in-situ runs")


def ecram_training() -> TrainingDevice:
    """Li-ion ECRAM trained by analog SGD (`analogsim.cost.pulses_ecram_tang2018`). Its reads are priced with the
    gain-cell table (`analogsim.cost.gaincell_leroux`, uncalibrated): both are three-terminal cells read through
    a channel conductance at low voltage. No accuracy measured for 8 epochs."""
    key = "ECRAM, analog SGD"
    return TrainingDevice("analog ECRAM", _cost.gaincell_leroux(), _cost.pulses_ecram_tang2018(), key,
                          PULSES_PER_WEIGHT_PER_SAMPLE[key], 0.0, (1e8, math.inf), "Tang2018 (lower bound)")


def cmos_training() -> TrainingDevice:
    """Analog CMOS: capacitor cells (Li2018) trained by analog SGD (`analogsim.cost.pulses_capacitor_li2018`),
    read like gain cells (`analogsim.cost.gaincell_leroux`, uncalibrated): the roadmap's choice for training."""
    key = "capacitor, analog SGD"
    return TrainingDevice("analog CMOS (capacitor / gain cell)", _cost.gaincell_leroux(),
                          _cost.pulses_capacitor_li2018(), key, PULSES_PER_WEIGHT_PER_SAMPLE[key], 0.0,
                          (math.inf, math.inf), "Li2018, Leroux2025: volatile, refreshed", key,
                          "capacitor device of the in-situ runs")


def training_devices() -> tuple[TrainingDevice, ...]:
    """The analog rows of the table: PCM, ReRAM, ECRAM, analog CMOS."""
    return (pcm_training(), reram_training(), ecram_training(), cmos_training())
