"""Pricing counted operations: energy (J), latency and time (s), TOPS/W, and the analog-vs-digital ratio."""

from __future__ import annotations

import math

import equinox as eqx

from ._counts import MVMCount
from ._digital import DigitalDevice
from ._tech import Technology

COMPONENTS = ("dac", "array", "adc", "digital", "write", "periphery")
"""Energy components, in the order of the stacked bars."""


class Cost(eqx.Module):
    """Energy and time of one counted MVM (or a total over several, ``name="total"``).

    Attributes:
        name: label.
        energy_j: component -> joules (keys :data:`COMPONENTS`).
        ops: operations (2 per MAC).
        latency_s: time from the first input to the last output of one vector (tiles in parallel, the tile partial
            sums through an adder tree, the dynamic array written first).
        time_s: time for the whole batch with tile reads pipelined (a new input vector enters every
            ``max(input window, conversion)``).
        cell_pulses: cells x pulses of the array reads.
    """

    name: str = eqx.field(static=True)
    energy_j: dict
    ops: float
    latency_s: float
    time_s: float
    cell_pulses: float

    @property
    def total_j(self) -> float:
        return float(sum(self.energy_j.values()))

    @property
    def tops_per_w(self) -> float:
        return self.ops / self.total_j / 1e12 if self.total_j > 0 else math.inf

    @property
    def throughput_ops_per_s(self) -> float:
        return self.ops / self.time_s

    def as_dict(self) -> dict:
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


def price(mvm: MVMCount, tech: Technology) -> Cost:
    """Energy and time of one counted MVM on ``tech``.

    Energy: DAC conversions x ``dac_energy(bits)``; cell reads x ``cell_read_energy(bits)``; ADC conversions x the
    figure-of-merit energy at ``bits`` and ``1 / t_convert``; tile-sum adds and rescale multiplies; dynamic cell
    writes; periphery per tile MVM. Time: all tiles of the matrix work in parallel (weight-stationary, one physical
    tile each), so one vector takes ``t_input + t_convert + ceil(log2 n_in_tiles) t_add`` (+ the dynamic write of
    ``rows`` rows per rewrite); a batch is pipelined at one vector per ``max(t_input, t_convert)``.
    """
    if not isinstance(mvm, MVMCount):
        raise ValueError(f"price() takes an MVMCount from count_mvm, got {type(mvm).__name__}")
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
    """Roofline price of the same MVM on a digital device."""

    name: str = eqx.field(static=True)
    device: str = eqx.field(static=True)
    flops: float
    bytes_moved: float
    time_s: float
    energy_j: float
    bound: str = eqx.field(static=True)

    def as_dict(self) -> dict:
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
    """The same matrix product on ``device``: ``2 out in batch`` FLOPs; bytes = weights once plus inputs and
    outputs (``(out in + batch (in + out)) * bytes_per_element``; a dynamic matrix is read from memory as well);
    roofline time; energy ``power * time``."""
    if not isinstance(mvm, MVMCount):
        raise ValueError(f"price_digital() takes an MVMCount from count_mvm, got {type(mvm).__name__}")
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
    Returns a JSON-serializable dict with ``"layers"`` and ``"total"``."""
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
