"""Technology tables: the energy and time of each counted operation, with a source for every number.

Sources (short keys used in the `sources` of each table):

- HERMES: M. Le Gallo et al., "A 64-core mixed-signal in-memory compute chip based on phase-change memory for deep
  neural network inference", Nature Electronics 6, 680 (2023): 14 nm, 64 cores of 256x256 PCM unit cells, 8-bit
  PWM inputs, one ADC per column; one-phase read mode 63.1 TOPS at 9.76 TOPS/W for 8-bit I/O MVMs. Per core:
  63.1 TOPS / 64 = 0.986 TOPS, so one 256x256 MVM (2 * 256^2 = 131,072 ops) takes 133 ns and costs
  131,072 / 9.76e12 = 13.4 nJ.
- NeuRRAM: W. Wan et al., "A compute-in-memory chip based on resistive random-access memory", Nature 608, 504
  (2022): 130 nm, 48 cores of 256x256 1T1R RRAM, bit-serial inputs, voltage-mode sensing, up to 8-bit outputs.
- Leroux2025: N. Leroux et al., "Analog in-memory computing attention mechanism for fast and energy-efficient large
  language models", Nature Computational Science (2025): gain-cell arrays written at run time hold the attention
  keys and values.
- Horowitz2014: M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, 45 nm:
  int32 add 0.1 pJ, fp32 multiply 3.7 pJ, fp16 multiply 1.1 pJ, 8-bit add 0.03 pJ.
- Murmann: B. Murmann, "ADC Performance Survey 1997-2024", https://github.com/bmurmann/ADC-survey: the best Walden
  figure of merit is about 1 fJ/conversion-step and the best Schreier figure of merit about 185 dB at low sample
  rates; both degrade roughly in proportion to the sample rate above a corner of about 100 MS/s.
- aihwkit: IBM analog hardware acceleration kit, PCM statistical model (g_max = 25 uS) and Wan 2022 RRAM fit
  (g_max = 40 uS), as used by `analogsim.devices`.

Numbers marked "assumed" are ours, chosen as stated; the PCM table's periphery energy is the calibration residual
that makes the total match the published HERMES figure (everything measured that the other components do not
explain). The ReRAM and gain-cell tables are bottom-up estimates and *not* calibrated to a measured chip total
(`Technology.calibrated` is `False`): the PCM calibration shows that periphery dominates measured totals, so read
every figure priced with them as a lower bound.
"""

from __future__ import annotations

import equinox as eqx

from .._validate import check_int
from ._check import _positive
from ._hermes import HERMES_MVM_ENERGY_PJ, HERMES_MVM_TIME_S, HERMES_PWM_SLOT_S, HERMES_TILE, pcm_cell_read_fj

_ADC_KINDS = ("walden", "schreier")
_ENCODINGS = ("pwm", "bit_serial")


class ADCModel(eqx.Module):
    """Energy per conversion of an ADC from a survey figure of merit (Murmann's ADC survey).

    - `kind="walden"`: `E = FOM_W * 2^bits` (`fom` in fJ per conversion step);
    - `kind="schreier"`: `E = P / f_s = 0.5 * 10^((SNDR - FOM_S) / 10)` J with `SNDR = 6.02 bits + 1.76` dB
      (`fom` in dB): thermal-noise limited, 4x per extra bit.

    Both are multiplied by `max(1, f_s / f_corner_hz)`: above the corner the survey's best designs lose
    efficiency in proportion to speed. Ideal ENOB = bits is assumed.

    **Arguments:**

    - `kind`: `"walden"` or `"schreier"`.
    - `fom`: the figure of merit (fJ per conversion step for Walden, dB for Schreier).
    - `f_corner_hz`: the sample rate (Hz) above which energy grows in proportion to speed.
    """

    kind: str = eqx.field(static=True, default="walden")
    fom: float = 10.0
    f_corner_hz: float = 100e6

    def __check_init__(self):
        if self.kind not in _ADC_KINDS:
            raise ValueError(f"ADCModel kind must be one of {_ADC_KINDS}, got {self.kind!r}")
        _positive("ADCModel fom", self.fom)
        _positive("ADCModel f_corner_hz", self.f_corner_hz)

    def energy_pj(self, bits: int, sample_rate_hz: float) -> float:
        """Energy (pJ) of one conversion at `bits` and `sample_rate_hz`."""
        check_int(bits, "ADC bits", minimum=1)
        fs = _positive("sample_rate_hz", sample_rate_hz)
        speed = max(1.0, fs / float(self.f_corner_hz))
        if self.kind == "walden":
            e = float(self.fom) * 1e-3 * 2.0**bits
        else:
            sndr = 6.02 * bits + 1.76
            e = 0.5 * 10.0 ** ((sndr - float(self.fom)) / 10.0) * 1e12
        return e * speed


class Technology(eqx.Module):
    """Energy and time of every counted analog operation for one technology. Presets: `pcm_hermes`,
    `reram_neurram`, `gaincell_leroux`. `sources` maps each field to where its number comes from.

    **Arguments:**

    - `name`: label.
    - `input_encoding`: `"pwm"` (one pulse whose width encodes the input: width and energy scale with
      `2^(bits-1) - 1` slots) or `"bit_serial"` (one pulse per magnitude bit: `bits - 1` pulses).
    - `ref_dac_bits`, `ref_adc_bits`: the resolution the numbers below are given at (also used for ideal
      converters).
    - `e_dac_pj`: one input conversion at `ref_dac_bits` (pJ; scaled linearly with bits: counters/drivers).
    - `e_cell_read_fj`: one cell's read energy during one MVM at `ref_dac_bits` (fJ; average over typical weights
      and inputs, `G V^2 t`), scaled with the pulses/slots of the encoding.
    - `adc`: the `ADCModel` (sample rate `1 / t_adc_s`).
    - `e_add_pj`, `e_mul_pj`: digital add of tile partial sums and digital rescale multiply (pJ).
    - `e_cell_write_fj`: writing one cell of a dynamic array (fJ).
    - `e_periphery_pj`: energy per tile MVM not in the other components (pJ; control, clocks, local digital, I/O).
    - `t_slot_s`: PWM slot or bit-serial pulse duration (s).
    - `t_adc_s`: ADC conversion and readout time at `ref_adc_bits` (s; scaled linearly with bits).
    - `t_add_s`: one digital adder-tree stage (s).
    - `t_write_row_s`: writing one row of a dynamic array (s).
    - `sources`: `(field, source)` pairs.
    - `calibrated`: whether the table's total is calibrated to a measured chip (`pcm_hermes`: HERMES). A
      bottom-up table (`False`) leaves out the periphery that dominates measured totals: every figure priced
      with it is a lower bound and must say so.
    """

    name: str = eqx.field(static=True)
    input_encoding: str = eqx.field(static=True)
    ref_dac_bits: int = eqx.field(static=True)
    ref_adc_bits: int = eqx.field(static=True)
    e_dac_pj: float
    e_cell_read_fj: float
    adc: ADCModel
    e_add_pj: float
    e_mul_pj: float
    e_cell_write_fj: float
    e_periphery_pj: float
    t_slot_s: float
    t_adc_s: float
    t_add_s: float
    t_write_row_s: float
    sources: tuple[tuple[str, str], ...] = eqx.field(static=True, default=())
    calibrated: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        if self.input_encoding not in _ENCODINGS:
            raise ValueError(f"input_encoding must be one of {_ENCODINGS}, got {self.input_encoding!r}")
        check_int(self.ref_dac_bits, "ref_dac_bits", minimum=1)
        check_int(self.ref_adc_bits, "ref_adc_bits", minimum=1)
        if not isinstance(self.adc, ADCModel):
            raise ValueError(f"adc must be an analogsim.cost.ADCModel, got {type(self.adc).__name__}")
        for f in ("e_dac_pj", "e_cell_read_fj", "e_add_pj", "e_mul_pj", "e_cell_write_fj", "e_periphery_pj"):
            _positive(f, getattr(self, f), zero=True)
        for f in ("t_slot_s", "t_adc_s"):
            _positive(f, getattr(self, f))
        for f in ("t_add_s", "t_write_row_s"):
            _positive(f, getattr(self, f), zero=True)
        if not isinstance(self.calibrated, bool):
            raise ValueError(f"calibrated must be True or False, got {self.calibrated!r}")

    # -- per-operation models ---------------------------------------------------------------------------------
    def _dac_bits(self, dac_bits: int | None) -> int:
        """`dac_bits`, or the reference resolution for an ideal DAC (`None`)."""
        if dac_bits is None:
            return self.ref_dac_bits
        check_int(dac_bits, "dac_bits", minimum=1)
        return dac_bits

    def _adc_bits(self, adc_bits: int | None) -> int:
        """`adc_bits`, or the reference resolution for an ideal ADC (`None`)."""
        if adc_bits is None:
            return self.ref_adc_bits
        check_int(adc_bits, "adc_bits", minimum=1)
        return adc_bits

    def _slots(self, bits: int) -> float:
        """PWM slots (`2^(bits-1) - 1`) or bit-serial pulses (`bits - 1`) of one input, at least 1."""
        if self.input_encoding == "pwm":
            return float(max(2 ** (bits - 1) - 1, 1))
        return float(max(bits - 1, 1))

    def pulses_per_read(self, dac_bits: int | None) -> float:
        """Pulses each cell sees per MVM: 1 for PWM, `bits - 1` for bit-serial inputs."""
        b = self._dac_bits(dac_bits)
        return 1.0 if self.input_encoding == "pwm" else self._slots(b)

    def dac_energy_pj(self, dac_bits: int | None) -> float:
        """Energy (pJ) of one input conversion at `dac_bits` (`None`: the reference resolution)."""
        return float(self.e_dac_pj) * self._dac_bits(dac_bits) / self.ref_dac_bits

    def cell_read_energy_fj(self, dac_bits: int | None) -> float:
        """Energy (fJ) of one cell's read during one MVM with `dac_bits` inputs."""
        b = self._dac_bits(dac_bits)
        return float(self.e_cell_read_fj) * self._slots(b) / self._slots(self.ref_dac_bits)

    def t_input_s(self, dac_bits: int | None) -> float:
        """Time (s) to apply one input vector (PWM window or all bit-serial pulses)."""
        return float(self.t_slot_s) * self._slots(self._dac_bits(dac_bits))

    def t_convert_s(self, adc_bits: int | None) -> float:
        """Time (s) of one conversion and readout at `adc_bits`."""
        return float(self.t_adc_s) * self._adc_bits(adc_bits) / self.ref_adc_bits

    def adc_energy_pj(self, adc_bits: int | None) -> float:
        """Energy (pJ) of one conversion at `adc_bits`, at the sample rate `1 / t_convert_s(adc_bits)`."""
        b = self._adc_bits(adc_bits)
        return self.adc.energy_pj(b, 1.0 / self.t_convert_s(b))

    def source(self, field: str) -> str:
        """Where the number of `field` comes from (`"not documented"` if the table does not say)."""
        return dict(self.sources).get(field, "not documented")


def _table(
    name: str,
    input_encoding: str,
    ref_dac_bits: int,
    ref_adc_bits: int,
    *,
    calibrated: bool = False,
    **entries,
) -> Technology:
    """A `Technology` from `field=(value, source)` pairs: every number stands next to where it comes from."""
    return Technology(
        name=name,
        input_encoding=input_encoding,
        ref_dac_bits=ref_dac_bits,
        ref_adc_bits=ref_adc_bits,
        **{f: value for f, (value, _) in entries.items()},
        sources=tuple((f, src) for f, (_, src) in entries.items()),
        calibrated=calibrated,
    )


# --- shared entries ------------------------------------------------------------------------------------------------
_ADD_INT32 = (0.1, "int32 add, 0.1 pJ (Horowitz2014, 45 nm)")
_MUL_FP32 = (3.7, "fp32 multiply, 3.7 pJ (Horowitz2014, 45 nm)")
_MUL_FP16 = (1.1, "fp16 multiply, 1.1 pJ (Horowitz2014, 45 nm)")
_ADDER_STAGE = (1.0e-9, "assumed one 1 GHz clock cycle per adder-tree stage")
_UNCALIBRATED = (0.0, "0: not calibrated to a measured total (see module docstring)")


def _bottom_up(name: str, input_encoding: str, ref_dac_bits: int, ref_adc_bits: int, **entries) -> Technology:
    """A table estimated from its components, not calibrated to a measured chip total (a lower bound): int32
    tile-sum adds in one clock cycle per adder stage, no periphery energy; `entries` give the other fields."""
    return _table(
        name,
        input_encoding,
        ref_dac_bits,
        ref_adc_bits,
        e_add_pj=_ADD_INT32,
        e_periphery_pj=_UNCALIBRATED,
        t_add_s=_ADDER_STAGE,
        **entries,
    )


def pcm_hermes() -> Technology:
    """PCM in-memory computing calibrated to IBM HERMES (Le Gallo et al., Nature Electronics 2023).

    One 256x256 MVM with 8-bit DAC and ADC (512 cells per column pair, no tile sum) prices at the published
    13.4 nJ and 133 ns. Components: DAC, cell reads, ADC (Walden model), digital rescale, from the stated sources
    or assumptions; `e_periphery_pj` is the residual per tile MVM (about 81 % of the total: the measured chip
    energy is dominated by its periphery, not by the array).
    """
    t_slot = HERMES_PWM_SLOT_S
    t_adc = HERMES_MVM_TIME_S - 127 * t_slot  # the rest of the published 133 ns: conversion and readout
    adc = ADCModel("walden", fom=10.0, f_corner_hz=100e6)
    e_dac, e_cell, e_mul = 0.3, pcm_cell_read_fj(), _MUL_FP32[0]
    rows, cols = HERMES_TILE
    known = (
        rows * e_dac
        + 2 * rows * cols * e_cell * 1e-3
        + cols * adc.energy_pj(8, 1.0 / t_adc)
        + cols * e_mul  # digital rescale of each output (no tile sum within one core)
    )
    return _table(
        "PCM (HERMES-calibrated)",
        "pwm",
        8,
        8,
        calibrated=True,
        e_dac_pj=(
            e_dac,
            "assumed: 8-bit PWM counter (~10 8-bit adds at 0.03 pJ, Horowitz2014) plus word-line drive",
        ),
        e_cell_read_fj=(
            e_cell,
            "pcm_cell_read_fj: G V^2 t of one cell of a differential pair, g_max 25 uS (aihwkit PCM) x mean |w| 0.3 "
            "/ 2, 0.2 V read (assumed), 127 ns window x mean input 0.3: 5.7 fJ",
        ),
        adc=(
            adc,
            "Walden model, 10 fJ/step: assumed 10x the survey envelope (Murmann) for a compact column ADC",
        ),
        e_add_pj=_ADD_INT32,
        e_mul_pj=_MUL_FP32,
        e_cell_write_fj=(
            1.0e5,
            "assumed ~100 pJ per iterative PCM program-and-verify (several ~10 pJ pulses)",
        ),
        e_periphery_pj=(
            HERMES_MVM_ENERGY_PJ - known,
            "calibration residual: HERMES 13.4 nJ per 256x256 MVM (9.76 TOPS/W) minus the components above",
        ),
        t_slot_s=(
            t_slot,
            "assumed 1 ns PWM slot (127 slots); the 133 ns total is HERMES's 63.1 TOPS over 64 cores",
        ),
        t_adc_s=(t_adc, "HERMES 133 ns per MVM minus the 127 ns input window"),
        t_add_s=_ADDER_STAGE,
        t_write_row_s=(
            1.0e-6,
            "assumed 1 us program-and-verify per row (PCM is programmed once, not per MVM)",
        ),
    )


def reram_neurram() -> Technology:
    """HfOx RRAM in-memory computing after NeuRRAM (Wan et al., Nature 2022): bit-serial 4-bit inputs, 8-bit
    outputs, 256x256 cores. Bottom-up estimate, not calibrated to a measured chip total (`calibrated=False`):
    no periphery energy, so every figure priced with it is a lower bound."""
    return _bottom_up(
        "ReRAM (NeuRRAM-like, bottom-up)",
        "bit_serial",
        4,
        8,
        e_dac_pj=(0.1, "assumed: one bit-serial pulse driver per row (binary: no counter)"),
        e_cell_read_fj=(
            4.0,
            "G V^2 t per read of 3 pulses: g_max 40 uS (aihwkit Wan2022 fit), 0.1 V, 10 ns, ~1/3 mean: ~1.3 fJ/pulse",
        ),
        adc=(
            ADCModel("walden", fom=50.0, f_corner_hz=100e6),
            "Walden 50 fJ/step: assumed for a 130 nm charge-domain neuron ADC (NeuRRAM node); not measured",
        ),
        e_mul_pj=_MUL_FP32,
        e_cell_write_fj=(1.0e4, "assumed ~10 pJ per write-verify iteration of 1T1R RRAM"),
        t_slot_s=(10e-9, "assumed 10 ns input pulse"),
        t_adc_s=(100e-9, "assumed 100 ns charge-domain conversion"),
        t_write_row_s=(1.0e-6, "assumed 1 us write-verify per row"),
    )


def gaincell_leroux() -> Technology:
    """Gain-cell (capacitive, written at run time) in-memory computing for attention after Leroux et al. 2025.
    Bottom-up order-of-magnitude estimate (not the paper's tables; `calibrated=False`): cheap writes, PWM inputs,
    6-bit outputs, no periphery energy, so every figure priced with it is a lower bound."""
    return _bottom_up(
        "gain cell (Leroux-2025-like, bottom-up)",
        "pwm",
        6,
        6,
        e_dac_pj=(0.1, "assumed: 6-bit PWM generator"),
        e_cell_read_fj=(0.5, "assumed: ~1 fF storage node read through a transistor, ~0.5 fJ"),
        adc=(ADCModel("walden", fom=10.0, f_corner_hz=100e6), "Walden 10 fJ/step (assumed, as PCM)"),
        e_mul_pj=_MUL_FP16,
        e_cell_write_fj=(10.0, "assumed: charge a ~1 fF node and its write line at ~1 V, ~10 fJ"),
        t_slot_s=(0.5e-9, "assumed 0.5 ns PWM slot"),
        t_adc_s=(10e-9, "assumed 10 ns conversion"),
        t_write_row_s=(5e-9, "assumed 5 ns row write (gain cells write like SRAM/DRAM)"),
    )
