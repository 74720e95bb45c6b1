"""Pricing counted operations: energy (J), latency and time (s), TOPS/W, and the analog-vs-digital ratio."""

from __future__ import annotations

import math

import equinox as eqx

from .._config import CrossbarConfig
from .._converters import ADC, DAC
from ._counts import MVMCount, count_mvm
from ._digital import DigitalDevice
from ._hermes import HERMES_TILE
from ._tech import Technology, pcm_hermes

COMPONENTS = ("dac", "array", "adc", "digital", "write", "periphery")
"""Energy components, in the order of the stacked bars."""


class Cost(eqx.Module):
    """Energy and time of one counted MVM (or a total over several, `name="total"`), as returned by `price` and
    `price_all`.

    **Attributes:**

    - `name`: label.
    - `energy_j`: component -> joules (keys `COMPONENTS`).
    - `ops`: operations (2 per MAC).
    - `latency_s`: time (s) from the first input to the last output of one vector (tiles in parallel, the tile
      partial sums through an adder tree, the dynamic array written first).
    - `time_s`: time (s) for the whole batch with tile reads pipelined (a new input vector enters every
      `max(input window, conversion)`).
    - `cell_pulses`: cells x pulses of the array reads.
    """

    name: str = eqx.field(static=True)
    energy_j: dict
    ops: float
    latency_s: float
    time_s: float
    cell_pulses: float

    @property
    def total_j(self) -> float:
        """Energy (J) summed over the components."""
        return float(sum(self.energy_j.values()))

    @property
    def tops_per_w(self) -> float:
        """Operations per joule, in TOPS/W (`inf` at zero energy)."""
        return self.ops / self.total_j / 1e12 if self.total_j > 0 else math.inf

    @property
    def throughput_ops_per_s(self) -> float:
        """Operations per second over the whole batch."""
        return self.ops / self.time_s

    def as_dict(self) -> dict:
        """The fields and properties as a JSON-serializable dict."""
        return {
            "name": self.name,
            "energy_j": {k: float(v) for k, v in self.energy_j.items()},
            "total_j": self.total_j,
            "ops": self.ops,
            "tops_per_w": self.tops_per_w,
            "latency_s": self.latency_s,
            "time_s": self.time_s,
            "throughput_ops_per_s": self.throughput_ops_per_s,
            "cell_pulses": self.cell_pulses,
        }


def _check_mvm(mvm, fn: str) -> None:
    if not isinstance(mvm, MVMCount):
        raise ValueError(f"{fn}() takes an MVMCount from count_mvm, got {type(mvm).__name__}")


def price(mvm: MVMCount, tech: Technology) -> Cost:
    """Energy and time of one counted MVM on `tech`.

    Energy: DAC conversions x `dac_energy_pj(bits)`; cell reads x `cell_read_energy_fj(bits)`; ADC conversions x
    the figure-of-merit energy at `bits` and `1 / t_convert`; tile-sum adds and rescale multiplies; dynamic cell
    writes; periphery per tile MVM. Time: all tiles of the matrix work in parallel (weight-stationary, one physical
    tile each), so one vector takes `t_input + t_convert + ceil(log2 n_in_tiles) t_add` (+ the dynamic write of
    `rows` rows per rewrite); a batch is pipelined at one vector per `max(t_input, t_convert)`.

    **Arguments:**

    - `mvm`: an `MVMCount` from `count_mvm`.
    - `tech`: the `Technology` table.

    **Returns:**

    A `Cost`.
    """
    _check_mvm(mvm, "price")
    if not isinstance(tech, Technology):
        raise ValueError(f"tech must be an analogsim.cost.Technology, got {type(tech).__name__}")
    c = mvm.counts
    pj = 1e-12
    energy = {
        "dac": c.dac_conversions * tech.dac_energy_pj(mvm.dac_bits) * pj,
        "array": c.cell_reads * tech.cell_read_energy_fj(mvm.dac_bits) * 1e-15,
        "adc": c.adc_conversions * tech.adc_energy_pj(mvm.adc_bits) * pj,
        "digital": (c.digital_adds * float(tech.e_add_pj) + c.digital_muls * float(tech.e_mul_pj)) * pj,
        "write": c.cell_writes * float(tech.e_cell_write_fj) * 1e-15,
        "periphery": c.tile_mvms * float(tech.e_periphery_pj) * pj,
    }
    t_in = tech.t_input_s(mvm.dac_bits)
    t_conv = tech.t_convert_s(mvm.adc_bits)
    n_in_tiles = mvm.tiles[0]
    t_tree = math.ceil(math.log2(n_in_tiles)) * float(tech.t_add_s) if n_in_tiles > 1 else 0.0
    rows = min(mvm.tile[0], mvm.shape[1])
    n_writes = c.cell_writes / (2.0 * mvm.shape[0] * mvm.shape[1]) if mvm.dynamic else 0.0
    t_write = rows * float(tech.t_write_row_s)
    latency = (t_write if mvm.dynamic else 0.0) + t_in + t_conv + t_tree
    time_s = latency + (mvm.batch - 1) * max(t_in, t_conv) + max(n_writes - 1.0, 0.0) * t_write
    return Cost(
        name=mvm.name,
        energy_j=energy,
        ops=2.0 * c.macs,
        latency_s=latency,
        time_s=time_s,
        cell_pulses=c.cell_reads * tech.pulses_per_read(mvm.dac_bits),
    )


def price_all(mvms, tech: Technology) -> tuple[list[Cost], Cost]:
    """Price each counted MVM and their total. The layers run one after another: total latency and time are the
    sums of the layers' (no pipelining across layers is assumed)."""
    rows = [price(m, tech) for m in mvms]
    if not rows:
        raise ValueError("nothing to price: pass at least one MVMCount")
    tot = Cost(
        name="total",
        energy_j={k: sum(r.energy_j[k] for r in rows) for k in COMPONENTS},
        ops=sum(r.ops for r in rows),
        latency_s=sum(r.latency_s for r in rows),
        time_s=sum(r.time_s for r in rows),
        cell_pulses=sum(r.cell_pulses for r in rows),
    )
    return rows, tot


class DigitalCost(eqx.Module):
    """Roofline price of the same MVM on a digital device, as returned by `price_digital`.

    **Attributes:**

    - `name`: label of the MVM.
    - `device`: name of the `DigitalDevice`.
    - `flops`: floating-point operations (2 per MAC).
    - `bytes_moved`: bytes read and written.
    - `time_s`: roofline time (s).
    - `energy_j`: `power * time` (J).
    - `bound`: `"compute"` or `"memory"`, whichever term sets the time.
    """

    name: str = eqx.field(static=True)
    device: str = eqx.field(static=True)
    flops: float
    bytes_moved: float
    time_s: float
    energy_j: float
    bound: str = eqx.field(static=True)

    def as_dict(self) -> dict:
        """The fields as a JSON-serializable dict (`bytes_moved` under `"bytes"`)."""
        return {
            "name": self.name,
            "device": self.device,
            "flops": self.flops,
            "bytes": self.bytes_moved,
            "time_s": self.time_s,
            "energy_j": self.energy_j,
            "bound": self.bound,
        }


def price_digital(mvm: MVMCount, device: DigitalDevice) -> DigitalCost:
    """The same matrix product on `device`: `2 out in batch` FLOPs; bytes = weights once plus inputs and outputs
    (`(out in + batch (in + out)) * bytes_per_element`; a dynamic matrix is read from memory as well); roofline
    time; energy `power * time`."""
    _check_mvm(mvm, "price_digital")
    if not isinstance(device, DigitalDevice):
        raise ValueError(f"device must be an analogsim.cost.DigitalDevice, got {type(device).__name__}")
    out, n_in = mvm.shape
    flops = 2.0 * mvm.counts.macs
    nbytes = float(out * n_in + mvm.batch * (n_in + out)) * device.bytes_per_element
    t, bound = device.roofline(flops, nbytes)
    return DigitalCost(
        name=mvm.name,
        device=device.name,
        flops=flops,
        bytes_moved=nbytes,
        time_s=t,
        energy_j=t * float(device.power_w),
        bound=bound,
    )


def compare(mvms, tech: Technology, device: DigitalDevice) -> dict:
    """Per-layer and total analog vs digital: energy, time and ratios (analog / digital; below 1 means analog wins).

    **Returns:**

    A JSON-serializable dict: `"technology"`, `"device"`, `"layers"` (one dict per MVM: the `Cost.as_dict` fields
    plus `"digital_energy_j"`, `"digital_time_s"`, `"energy_ratio"`, `"time_ratio"`, `"digital_bound"`) and
    `"total"` (the same for the sum, without `"digital_bound"`).
    """
    mvms = list(mvms)
    rows, tot = price_all(mvms, tech)
    dig = [price_digital(m, device) for m in mvms]

    def row(a: Cost, d_energy: float, d_time: float) -> dict:
        return {
            **a.as_dict(),
            "digital_energy_j": d_energy,
            "digital_time_s": d_time,
            "energy_ratio": a.total_j / d_energy,
            "time_ratio": a.time_s / d_time,
        }

    layers = [
        {**row(a, d.energy_j, d.time_s), "digital_bound": d.bound} for a, d in zip(rows, dig, strict=True)
    ]
    total = row(tot, sum(d.energy_j for d in dig), sum(d.time_s for d in dig))
    return {"technology": tech.name, "device": device.name, "layers": layers, "total": total}


def hermes_mvm(tech: Technology | None = None) -> Cost:
    """Price one 256x256 MVM with 8-bit DAC and ADC on 256x256 tiles (IBM HERMES's core) on `tech` (default
    `pcm_hermes()`)."""
    cfg = CrossbarConfig(dac=DAC(bits=8), adc=ADC(bits=8), tile=HERMES_TILE)
    return price(count_mvm(HERMES_TILE, cfg, batch=1, name="256x256 8-bit MVM"), tech or pcm_hermes())
