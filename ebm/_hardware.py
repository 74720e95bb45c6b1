"""Hardware cost of sampling: energy and time per spin update on the measured digital run, on p-bit machines from
the literature, and on the analog-crossbar p-bit sampler.

The analog sampler is priced two ways: :func:`crossbar_pbit_cost` counts the array reads with ``analogsim.cost``
(DAC, cell reads, ADC and periphery from its technology tables, PCM calibrated to IBM HERMES by default) and adds
the p-bit and state-I/O energy of :class:`AnalogTech`; :func:`analog_pbit_cost` is the simpler bottom-up model of
:class:`AnalogTech` alone (no periphery), a lower bound. Entries marked ``assumed`` are engineering assumptions,
not published measurements: change them with ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Figure:
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


@dataclasses.dataclass(frozen=True)
class AnalogTech:
    """Technology table for the analog-crossbar p-bit sampler (energies in joules, times in seconds).

    Attributes:
        adc_fom_j_per_step: Walden figure of merit of the column ADC: 10 fJ per conversion step, the efficient
            SAR range of B. Murmann's "ADC Performance Survey 1997-2024" (github.com/bmurmann/ADC-survey).
        adc_bits: ADC resolution (energy per conversion = FOM * 2**bits).
        dac_j: energy per row drive (DAC + driver), 50 fJ: assumed, of the order of an 8-bit current-steering DAC
            cell at low speed.
        v_read: read voltage across a cell, 0.2 V (PCM read voltage used in IBM's HERMES chip: Le Gallo et al.,
            Nat. Electron. 6, 680 (2023) apply sub-0.3 V reads); assumed here.
        g_mean_s: mean cell conductance, 12.5 uS (half of the 25 uS g_max of ``analogsim.devices.PCM``).
        t_read_s: integration time per MVM, 100 ns (assumed; HERMES reports ~130 ns per 256x256 MVM).
        pbit_j: comparator + random source per p-bit update: the digital CMOS p-bit (LFSR + LUT + comparator)
            of Singh et al. 2024 is ~100 fJ per update; assumed 100 fJ.
        io_j_per_bit: moving one state bit between the array periphery and the p-bit registers, 10 fJ (assumed:
            on-chip wire at ~1 pJ per byte per mm over a few hundred um).
    """

    adc_fom_j_per_step: float = 10e-15
    adc_bits: int = 8
    dac_j: float = 50e-15
    v_read: float = 0.2
    g_mean_s: float = 12.5e-6
    t_read_s: float = 100e-9
    pbit_j: float = 100e-15
    io_j_per_bit: float = 10e-15


def analog_pbit_cost(mvms: list[tuple[int, int]], n_units: int, tech: AnalogTech | None = None) -> dict:
    """Energy and time per spin update of the crossbar p-bit sampler for a sweep made of the array reads ``mvms``
    (a list of ``(n_in, n_out)`` per colour block, in sequence) that updates ``n_units`` units.

    Per MVM: ``n_in`` DAC drives, ``n_in * n_out`` cell reads (``V^2 G t`` each), ``n_out`` ADC conversions; per
    sweep ``n_units`` p-bit updates and ``2 n_units`` state bits moved (read into the DACs, written back). The sweep
    takes one read period per MVM (blocks in sequence)."""
    tech = tech or AnalogTech()
    if not mvms or n_units < 1:
        raise ValueError(f"need at least one MVM and one unit, got mvms={mvms}, n_units={n_units}")
    e_cell = tech.v_read**2 * tech.g_mean_s * tech.t_read_s
    e_adc = tech.adc_fom_j_per_step * 2**tech.adc_bits
    parts = {
        "dac": sum(i for i, _ in mvms) * tech.dac_j,
        "array": sum(i * o for i, o in mvms) * e_cell,
        "adc": sum(o for _, o in mvms) * e_adc,
        "pbit": n_units * tech.pbit_j,
        "io": n_units * 2 * tech.io_j_per_bit,
    }
    return {
        "energy_per_update_j": sum(parts.values()) / n_units,
        "time_per_update_s": len(mvms) * tech.t_read_s / n_units,
        "breakdown_j_per_sweep": parts,
    }


def crossbar_pbit_cost(
    mvms: list[tuple[int, int]],
    n_units: int,
    *,
    config=None,
    technology=None,
    tech: AnalogTech | None = None,
) -> dict:
    """Energy and time per spin update of the crossbar p-bit sampler priced by ``analogsim.cost``.

    Each array read ``(n_in, n_out)`` of one sweep is counted with :func:`analogsim.cost.count_mvm` on ``config``
    (default: 8-bit DAC and ADC, 256x256 tiles) and priced with ``technology`` (default
    :func:`analogsim.cost.pcm_hermes`); the blocks run in sequence, so a sweep takes the sum of their latencies. The
    ``n_units`` p-bit updates and ``2 n_units`` state bits moved are priced with ``tech`` (:class:`AnalogTech`).
    """
    from analogsim import ADC, DAC, CrossbarConfig, cost

    if not mvms or n_units < 1:
        raise ValueError(f"need at least one MVM and one unit, got mvms={mvms}, n_units={n_units}")
    tech = tech or AnalogTech()
    config = config or CrossbarConfig(dac=DAC(bits=8), adc=ADC(bits=8), tile=(256, 256))
    technology = technology or cost.pcm_hermes()
    counts = [
        cost.count_mvm((n_out, n_in), config, batch=1, name=f"block {i}")
        for i, (n_in, n_out) in enumerate(mvms)
    ]
    rows, total = cost.price_all(counts, technology)
    parts = {f"crossbar {k}": float(v) for k, v in total.energy_j.items()}
    parts["pbit"] = n_units * tech.pbit_j
    parts["io"] = n_units * 2 * tech.io_j_per_bit
    return {
        "energy_per_update_j": sum(parts.values()) / n_units,
        "time_per_update_s": sum(r.latency_s for r in rows) / n_units,
        "breakdown_j_per_sweep": parts,
        "technology": technology.name if hasattr(technology, "name") else str(technology),
    }


def digital_cost(updates_per_s: float, watts: float) -> dict:
    """Energy and time per spin update of a measured digital run: ``watts / rate`` and ``1 / rate``. ``watts`` is the
    power drawn while running (measure it, or use the processor's TDP as an upper bound)."""
    if not updates_per_s > 0 or not watts > 0:
        raise ValueError(f"updates_per_s and watts must be > 0, got {updates_per_s}, {watts}")
    return {"energy_per_update_j": watts / updates_per_s, "time_per_update_s": 1.0 / updates_per_s}


def literature_costs() -> dict:
    """Energy and time per spin update for the p-bit machines of :data:`LITERATURE`."""
    out = {}
    for name, d in LITERATURE.items():
        if "flips_per_s" in d:
            rate = d["flips_per_s"].value
            out[name] = {"energy_per_update_j": d["watts"].value / rate, "time_per_update_s": 1.0 / rate}
        else:
            out[name] = {
                "energy_per_update_j": d["energy_per_flip_j"].value,
                "time_per_update_s": float(1.0 / d["flips_per_s_per_pbit"].value),
            }
    return out


def model_mvms(model) -> tuple[list[tuple[int, int]], int]:
    """The array reads ``[(n_in, n_out), ...]`` of one p-bit sweep of ``model`` (see :mod:`ebm._pbit`) and its
    number of units: RBM: ``W^T`` for the hidden block and ``W`` for the visible block; otherwise the dense
    ``J`` (n, n) read once per colour block."""
    from ._models import RBM

    if isinstance(model, RBM):
        nv, nh = model.n_visible, model.n_hidden
        return [(nh, nv), (nv, nh)], nv + nh
    n = model.n_units
    return [(n, n)] * len(model.blocks), n
