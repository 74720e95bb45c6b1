"""The revolutionary scenario as a model of analog training (the paper's Sec. 4.1: fully connected layers and
attention in the analog domain, "the same architecture can support both inference and training"): every
operation of a training token counted from the model's shapes and priced by `analogsim.cost`.

- Fully connected matrices on weight-stationary arrays: a forward read, a backward read through the transpose and
  an in-situ update (stochastic pulse trains, Gokmen and Vlasov 2016) per token, with the pulses per weight per
  token measured by this library's in-situ optimizers (and Tiki-Taka's transfer reads); tiles from `count_mvm`.
- Attention on gain-cell arrays written at run time (`analogsim.cost.gaincell_leroux`, uncalibrated): forward
  `Q K^T` and `A V`, backward `dO V^T`, `dS K`, `dS^T Q`, `A^T dO`, each key, value, query and output-gradient
  row written once per token.
- The digital remainder op by op (`TransformerShape.digital_ops`), priced per op (Horowitz 2014).
- Data movement: the activations held for the backward pass, written to and read from HBM.

Time: the pipelining rule of `analog_run`. Endurance: pulses per cell over the run against the device's cycles.
"""

from __future__ import annotations

import math

import equinox as eqx

from .. import cost as _cost
from .._config import CrossbarConfig
from .._converters import ADC, DAC
from .._validate import check_int
from ..cost import (
    FP32_ADD_PJ,
    FP32_MUL_PJ,
    HBM3_BYTES_PER_S,
    HBM_PJ_PER_BYTE,
    SPECIAL_FUNCTION_PJ,
    SRAM_PJ_PER_VALUE,
)
from ._arrays import _pos
from ._gpt3 import TransformerShape
from ._training_devices import TrainingDevice

TRAINING_COMPONENTS = ("forward", "backward", "update", "attention", "digital", "data_movement")
"""Energy and time components of a training run, in table order."""
USD_PER_KWH = 0.08
"""Electricity price (USD per kWh): assumed, about the 2023 US industrial average (EIA, Electric Power Monthly)."""


class AnalogSystem(eqx.Module):
    """The chips and prices of an analog training system.

    **Arguments:**

    - `tile`: (rows, cols) of one array (default HERMES's 256x256 cores, Le Gallo et al. 2023).
    - `cores_per_chip`: arrays per chip (default HERMES's 64).
    - `fc_bits`: DAC and ADC resolution of the fully connected reads (8, HERMES).
    - `attention_bits`: DAC and ADC resolution of the attention arrays (6, the gain-cell table's reference).
    - `bl`: pulse slots of one update pass (31, aihwkit's default).
    - `bytes_per_value`: bytes of one activation held for the backward pass (1: the 8-bit DAC input).
    - `hbm_bytes_per_s_per_layer`: HBM bandwidth serving one layer's activations (assumed one HBM3 stack per
      layer, 819 GB/s).
    - `digital_ops_per_s_per_chip`: digital operations per second of one chip's digital units (assumed 1e12:
      64 cores x 16 lanes x 1 GHz).
    - `usd_per_chip_hour`: hardware price of one chip-hour (assumed $0.01: about $400 written off over 5 years).
    - `usd_per_kwh`: electricity price.
    """

    tile: tuple[int, int] = eqx.field(static=True, default=(256, 256))
    cores_per_chip: int = eqx.field(static=True, default=64)
    fc_bits: int = eqx.field(static=True, default=8)
    attention_bits: int = eqx.field(static=True, default=6)
    bl: int = eqx.field(static=True, default=31)
    bytes_per_value: float = 1.0
    hbm_bytes_per_s_per_layer: float = HBM3_BYTES_PER_S
    digital_ops_per_s_per_chip: float = 1e12
    usd_per_chip_hour: float = 0.01
    usd_per_kwh: float = USD_PER_KWH

    def __check_init__(self):
        for f in ("cores_per_chip", "fc_bits", "attention_bits", "bl"):
            check_int(getattr(self, f), f, minimum=1)
        for f in ("bytes_per_value", "hbm_bytes_per_s_per_layer", "digital_ops_per_s_per_chip"):
            _pos(f, getattr(self, f))
        _pos("usd_per_chip_hour", self.usd_per_chip_hour, allow_zero=True)
        _pos("usd_per_kwh", self.usd_per_kwh, allow_zero=True)

    def config(self, bits: int) -> CrossbarConfig:
        """The `analogsim.CrossbarConfig` of an array read with `bits`-bit converters."""
        return CrossbarConfig(dac=DAC(bits=bits), adc=ADC(bits=bits), tile=tuple(self.tile))


class TrainingEstimate(eqx.Module):
    """Energy, time, cost and wear of one training run on one system (a row of `training_table`).

    **Attributes:**

    - `name`, `technology`: the row and the table that priced it.
    - `calibrated`: whether the table pricing the fully connected reads is calibrated to a measured chip
      (`False`: a lower bound). The attention component is always priced on the uncalibrated gain-cell table.
    - `energy_j`: joules by component (`TRAINING_COMPONENTS`).
    - `time_s`: busy time (s) of the units doing each component over the run.
    - `wall_s`: the run's wall time (s). `bottleneck`: the stage that sets it.
    - `devices`: GPUs or chips. `arrays`: analog arrays (tiles).
    - `writes_per_cell`: pulses on the most-pulsed array's mean cell over the run (0 for GPUs).
    - `endurance`: `(low, high)` cycles; `endurance_status`: how the writes compare.
    - `usd`: `{"electricity", "hardware"}` dollars.
    - `accuracy_penalty_pt`: digital minus in-situ test accuracy on the library's digits runs (`None`: not
      measured); `accuracy_source`: which run.
    - `sources`: where every priced figure comes from (`{what: {field: source}}` or `{what: source}`).
    """

    name: str = eqx.field(static=True)
    technology: str = eqx.field(static=True)
    calibrated: bool = eqx.field(static=True)
    energy_j: dict
    time_s: dict
    wall_s: float
    bottleneck: str = eqx.field(static=True)
    devices: float
    arrays: float
    writes_per_cell: float
    endurance: tuple[float, float] = eqx.field(static=True)
    endurance_status: str = eqx.field(static=True)
    usd: dict
    accuracy_penalty_pt: float | None = eqx.field(static=True)
    accuracy_source: str = eqx.field(static=True)
    sources: dict

    @property
    def total_j(self) -> float:
        """Energy summed over the components (J)."""
        return float(sum(self.energy_j.values()))

    @property
    def total_usd(self) -> float:
        """Electricity plus hardware (USD)."""
        return float(sum(self.usd.values()))

    def as_dict(self) -> dict:
        """The attributes, `total_j`, `total_usd` and `wall_days` as a JSON-serializable dict (`inf` endurance
        as `None`)."""
        return {
            "name": self.name, "technology": self.technology, "calibrated": self.calibrated,
            "energy_j": {k: float(v) for k, v in self.energy_j.items()}, "total_j": self.total_j,
            "time_s": {k: float(v) for k, v in self.time_s.items()}, "wall_s": float(self.wall_s),
            "wall_days": float(self.wall_s) / 86400.0, "bottleneck": self.bottleneck,
            "devices": float(self.devices), "arrays": float(self.arrays),
            "writes_per_cell": float(self.writes_per_cell),
            "endurance": [None if math.isinf(e) else float(e) for e in self.endurance],
            "endurance_status": self.endurance_status,
            "usd": {k: float(v) for k, v in self.usd.items()}, "total_usd": self.total_usd,
            "accuracy_penalty_pt": self.accuracy_penalty_pt, "accuracy_source": self.accuracy_source,
            "sources": self.sources,
        }


def _interval(tech: _cost.Technology, bits: int) -> float:
    """Time (s) between two vectors through one array: `max(input window, conversion)` (`analogsim.cost.price`'s
    pipelining of a batch)."""
    return max(tech.t_input_s(bits), tech.t_convert_s(bits))


def fc_per_token(shape: TransformerShape, device: TrainingDevice, system: AnalogSystem) -> dict:
    """Energy (J) per training token of the fully connected matrices: `forward` (`count_mvm` of each `(out, in)`
    matrix, priced on `device.read`), `backward` (the transpose `(in, out)`), `update` (pulses x the pulse
    energy; one pulse-train driver per row and column, priced as a DAC conversion; Tiki-Taka's transfer reads: a
    one-hot read `count_mvm((out, 1))` and `2 out` digital filter operations each); and `tiles`, the arrays of
    all copies (`arrays_per_weight` per weight)."""
    cfg, tech, bits = system.config(system.fc_bits), device.read, system.fc_bits
    e_digital = (float(tech.e_add_pj) + float(tech.e_mul_pj)) * 1e-12
    out = {"forward": 0.0, "backward": 0.0, "update": 0.0, "tiles": 0.0}
    for m in shape.fc_matrices():
        n_out, n_in = m.shape
        fwd = _cost.count_mvm((n_out, n_in), cfg, name=m.name)
        out["forward"] += m.per_token * _cost.price(fwd, tech).total_j
        out["backward"] += m.per_token * _cost.price(_cost.count_mvm((n_in, n_out), cfg), tech).total_j
        pulses = sum(device.pulses_per_token) * n_out * n_in * float(device.pulses.e_pulse_fj) * 1e-15
        drivers = (n_in + n_out) * tech.dac_energy_pj(bits) * 1e-12
        column = _cost.price(_cost.count_mvm((n_out, 1), cfg), tech).total_j + 2 * n_out * e_digital
        out["update"] += m.per_token * (pulses + drivers + device.transfer_reads_per_token * column)
        out["tiles"] += m.copies * device.arrays_per_weight * fwd.tiles[0] * fwd.tiles[1]
    return out


def attention_mvms(shape: TransformerShape, system: AnalogSystem) -> list:
    """The six gain-cell products of one head over one sequence (`count_mvm`, batch `seq_len`, each a dynamic
    array written once, `1 + 1 / d_head` cells per value): forward `Q K^T` (keys written) and `A V` (values);
    backward `dA = dO V^T` and `dQ = dS K` (values and keys written again into the backward pass's arrays),
    `dK = dS^T Q` (queries written) and `dV = A^T dO` (output gradients written)."""
    s, dh, cfg = shape.seq_len, shape.d_head, system.config(system.attention_bits)
    kw = dict(batch=s, dynamic=True, cells_per_weight=1.0 + 1.0 / dh)
    return [
        _cost.count_mvm((s, dh), cfg, name="Q K^T", **kw),
        _cost.count_mvm((dh, s), cfg, name="A V", **kw),
        _cost.count_mvm((s, dh), cfg, name="dA = dO V^T", **kw),
        _cost.count_mvm((dh, s), cfg, name="dQ = dS K", **kw),
        _cost.count_mvm((dh, s), cfg, name="dK = dS^T Q", **kw),
        _cost.count_mvm((dh, s), cfg, name="dV = A^T dO", **kw),
    ]


def digital_op_j(adds: float, muls: float, special: float) -> float:
    """Energy (J) of digital operations: fp32 adds and multiplies and special functions (`analogsim.cost`'s
    Horowitz 2014 figures; 46 pJ per special function, assumed), each reading one operand from an 8 KB SRAM."""
    pj = adds * FP32_ADD_PJ + muls * FP32_MUL_PJ + special * SPECIAL_FUNCTION_PJ
    return (pj + (adds + muls + special) * SRAM_PJ_PER_VALUE) * 1e-12


def _stage_times(shape, device, system, chips: float) -> dict:
    """Per-token occupancy (s) of each unit of one layer: the FC arrays' forward and backward reads and update
    pass; an attention array (each of the six arrays of a head reads one vector and writes one row per token);
    the digital units (all digital operations of a token over every chip's digital units); the HBM stack."""
    t_fc = _interval(device.read, system.fc_bits)
    att = _cost.gaincell_leroux()
    n_digital = sum(sum(v) for v in shape.digital_ops().values())
    stash_bytes = sum(shape.stash_values().values()) * system.bytes_per_value
    return {
        "forward": t_fc,
        "backward": t_fc,
        "update": system.bl * float(device.pulses.t_slot_s) + device.transfer_reads_per_token * t_fc,
        "attention": _interval(att, system.attention_bits) + float(att.t_write_row_s),
        "digital": n_digital / (chips * system.digital_ops_per_s_per_chip),
        "data_movement": 2 * stash_bytes / shape.n_layers / system.hbm_bytes_per_s_per_layer,
    }


def pipeline_wall_s(shape: TransformerShape, stage_s: dict) -> tuple[float, str]:
    """Wall time of the run and its bottleneck from the per-token occupancies of one layer's units.

    Rule: the forward read, backward read and update of a fully connected matrix use the same arrays, so they add
    (`fc`); the attention arrays, the digital units and the HBM stack work alongside. Every layer is a pipeline
    stage and every unit works on a different token at once, so tokens leave at one per the busiest unit's
    occupancy `t_b`. In-situ updates are applied per token, so the pipeline never drains at batch boundaries
    (the weights a token sees are up to a pipeline depth stale, as in asynchronous pipeline training, PipeDream:
    Narayanan et al., SOSP 2019); it fills once, for one sequence's forward and backward pass through every layer:
    `wall = (n_tokens + seq_len + 2 n_layers) t_b`."""
    units = {
        "fully connected arrays": stage_s["forward"] + stage_s["backward"] + stage_s["update"],
        "attention arrays": stage_s["attention"],
        "digital units": stage_s["digital"],
        "HBM": stage_s["data_movement"],
    }
    bottleneck = max(units, key=units.get)
    t_b = units[bottleneck]
    return (float(shape.n_tokens) + shape.seq_len + 2 * shape.n_layers) * t_b, bottleneck


def analog_run(
    shape: TransformerShape, device: TrainingDevice, system: AnalogSystem | None = None
) -> TrainingEstimate:
    """Energy, time, dollars and wear of training `shape` with its fully connected matrices on `device`'s arrays
    and its attention on gain cells.

    Energy per token: `fc_per_token`; attention: the six `attention_mvms` of a head priced on
    `analogsim.cost.gaincell_leroux`, times heads and layers over `seq_len`; digital: `shape.digital_ops()` priced
    by `digital_op_j`; data movement: `shape.stash_values()` bytes written to and read from HBM at 3.9 pJ/bit.
    Each times `n_tokens`. Time: `pipeline_wall_s`. Chips: the fully connected tiles over `cores_per_chip`, plus
    gain-cell chips of as many arrays for the attention tiles (six arrays per head per layer). Writes per cell: the busiest array's pulses per token
    times the tokens one copy sees.

    **Arguments:**

    - `shape`: the `TransformerShape` (`gpt3()`, `gpt3_moe()`).
    - `device`: the `TrainingDevice` (`pcm_training()`, ...).
    - `system`: the `AnalogSystem` (default `AnalogSystem()`).

    **Returns:**

    A `TrainingEstimate`.
    """
    if not isinstance(shape, TransformerShape):
        raise ValueError(f"shape must be an analogsim.roadmap.TransformerShape, got {type(shape).__name__}")
    if not isinstance(device, TrainingDevice):
        raise ValueError(f"device must be an analogsim.roadmap.TrainingDevice, got {type(device).__name__}")
    system = AnalogSystem() if system is None else system
    t = float(shape.n_tokens)
    fc = fc_per_token(shape, device, system)
    att_tech, mvms = _cost.gaincell_leroux(), attention_mvms(shape, system)
    heads_per_token = shape.n_layers * shape.n_heads / shape.seq_len
    att_j = sum(_cost.price(m, att_tech).total_j for m in mvms) * heads_per_token
    att_tiles = sum(m.tiles[0] * m.tiles[1] for m in mvms) * shape.n_layers * shape.n_heads
    per_token = {
        "forward": fc["forward"], "backward": fc["backward"], "update": fc["update"], "attention": att_j,
        "digital": sum(digital_op_j(*ops) for ops in shape.digital_ops().values()),
        "data_movement": 2 * sum(shape.stash_values().values()) * system.bytes_per_value * HBM_PJ_PER_BYTE * 1e-12,
    }
    chips = math.ceil(fc["tiles"] / system.cores_per_chip) + math.ceil(att_tiles / system.cores_per_chip)
    stage = _stage_times(shape, device, system, chips)
    wall, bottleneck = pipeline_wall_s(shape, stage)
    energy = {k: per_token[k] * t for k in TRAINING_COMPONENTS}
    share = max(m.token_share for m in shape.fc_matrices())
    writes = max(device.pulses_per_token) * t * share
    return TrainingEstimate(
        name=device.name, technology=device.read.name, calibrated=bool(device.read.calibrated),
        energy_j=energy, time_s={k: stage[k] * t for k in TRAINING_COMPONENTS}, wall_s=wall, bottleneck=bottleneck,
        devices=float(chips), arrays=float(fc["tiles"] + att_tiles), writes_per_cell=writes,
        endurance=device.endurance, endurance_status=device.endurance_status(writes),
        usd={"electricity": sum(energy.values()) / 3.6e6 * system.usd_per_kwh,
             "hardware": chips * wall / 3600.0 * system.usd_per_chip_hour},
        accuracy_penalty_pt=device.accuracy_penalty_pt,
        accuracy_source=f"{device.accuracy}: {device.accuracy_note}" if device.accuracy else "not measured",
        sources=_sources(device, att_tech),
    )


def _sources(device: TrainingDevice, att_tech: _cost.Technology) -> dict:
    """Where the figures of an analog row come from: the tables' own `sources`, the pulse rates, the digital and
    memory figures, the endurance."""
    pulses = device.pulses
    return {
        "reads (forward, backward, transfer)": {"table": device.read.name, **dict(device.read.sources)},
        "update pulse": {"table": pulses.name, **dict(pulses.sources),
                         "pulses per token": f"PULSES_PER_WEIGHT_PER_SAMPLE[{device.optimizer!r}]"},
        "attention": {"table": att_tech.name, **dict(att_tech.sources)},
        "digital": f"Horowitz 2014: fp32 add {FP32_ADD_PJ} pJ, multiply {FP32_MUL_PJ} pJ, {SRAM_PJ_PER_VALUE} pJ "
        f"per 32-bit operand of an 8 KB SRAM; special functions {SPECIAL_FUNCTION_PJ:.0f} pJ (assumed)",
        "data_movement": f"HBM {HBM_PJ_PER_BYTE / 8:g} pJ/bit (O'Connor et al., MICRO 2017); bandwidth per layer "
        "AnalogSystem.hbm_bytes_per_s_per_layer (default one HBM3 stack, 819 GB/s, JESD238)",
        "endurance": device.endurance_source,
    }
