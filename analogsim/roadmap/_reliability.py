"""Failures, checkpoints and parallel speedup of a training run.

The paper gives the inputs (Table 3: MTBFs, checkpoint memory and bandwidth, K-of-N tolerance, recovery time,
sequential fraction) and the result (Fig. 7: about 2x saving at 50k GPUs) but not its formulas. These are the
standard models: a series system of parts with independent exponential failures, a finite-source birth-death chain
for K-of-N tolerance (our formulation), Young's (1974) and Daly's (2006) checkpoint intervals, Daly's expected wall
time, and Amdahl's (1967) law.
"""

from __future__ import annotations

import math

import numpy as np

from .._validate import check_int
from ._arrays import _out, _pos
from ._paper import (
    CHECKPOINT_GB_S,
    CPU_MTBF_HOURS,
    GPU_MEMORY_GB,
    GPU_MTBF_HOURS,
    GPUS_PER_CPU,
    N_GROUPS,
    SEQUENTIAL_FRACTION,
)


def system_mtti_hours(counts, mtbfs_hours):
    """Mean time to interrupt of a system that stops when any one part fails (independent, exponential failures):
    `1 / sum_i (n_i / MTBF_i)`. `counts` and `mtbfs_hours` are sequences of the same length."""
    counts = [_pos("part count", c, allow_zero=True) for c in counts]
    mtbfs = [_pos("MTBF", m) for m in mtbfs_hours]
    if len(counts) != len(mtbfs) or not counts:
        raise ValueError("counts and mtbfs_hours must be non-empty and of the same length")
    rate = sum(c / m for c, m in zip(counts, mtbfs, strict=True))
    if np.any(rate <= 0):
        raise ValueError("the system has no parts (all counts are 0): its MTTI is infinite")
    return _out(1.0 / rate)


def mtti_hours(
    n_gpus,
    *,
    gpu_mtbf_hours: float = GPU_MTBF_HOURS,
    cpu_mtbf_hours: float = CPU_MTBF_HOURS,
    gpus_per_cpu: float = GPUS_PER_CPU,
):
    """System mean time to interrupt (hours) of `n_gpus` GPUs and `n_gpus / gpus_per_cpu` host CPUs with the
    paper's Table 3 MTBFs (950k h per GPU, 1.5M h per CPU, 4 GPUs per CPU). For 50,000 GPUs: 16.4 h."""
    n = _pos("n_gpus", n_gpus)
    return system_mtti_hours([n, n / _pos("gpus_per_cpu", gpus_per_cpu)], [gpu_mtbf_hours, cpu_mtbf_hours])


def k_of_n_mtti_hours(group_mtti_hours, n_groups: int = N_GROUPS, tolerated: int = 0, recovery_hours=2.0):
    """Mean time to interrupt of `n_groups` data-parallel groups when up to `tolerated` failed groups are
    tolerated while they are recovered (each in `recovery_hours`, in parallel).

    Model (standard finite-source birth-death chain; our formulation of the paper's K-of-N tolerance): each group
    fails at rate `lam = 1 / group_mtti_hours` and is repaired at rate `1 / recovery_hours`; with `j` groups
    down, the stationary probabilities are `pi_j ~ C(N, j) (lam R)^j` for `j <= tolerated`, and the job is
    interrupted at rate `pi_k (N - k) lam` (the transition to `k + 1` failed groups). `tolerated=0` gives
    back `group_mtti_hours / n_groups`; instant repair with any tolerance gives `inf` (never interrupted).
    """
    check_int(n_groups, "n_groups", minimum=1)
    if (
        isinstance(tolerated, bool)
        or not isinstance(tolerated, (int, np.integer))
        or not 0 <= tolerated < n_groups
    ):
        raise ValueError(f"tolerated must be an integer in [0, n_groups), got {tolerated!r}")
    lam = 1.0 / _pos("group_mtti_hours", group_mtti_hours)
    a = lam * _pos("recovery_hours", recovery_hours, allow_zero=True)
    w = [math.comb(n_groups, j) * a**j for j in range(tolerated + 1)]
    rate = w[-1] / sum(w) * (n_groups - tolerated) * lam
    with np.errstate(divide="ignore"):
        return _out(np.where(rate > 0, 1.0 / np.maximum(rate, 1e-300), np.inf))


def checkpoint_hours(
    n_gpus,
    *,
    gpu_memory_gb: float = GPU_MEMORY_GB,
    memory_fraction: float = 1.0,
    bandwidth_gb_s: float = CHECKPOINT_GB_S,
):
    """Time to write one checkpoint (hours): every GPU's memory (times `memory_fraction`; 0.5 in the optimized
    system) through a file system of `bandwidth_gb_s`. For 50,000 GPUs of 80 GB at 500 GB/s: 2.2 h."""
    gb = (
        _pos("n_gpus", n_gpus)
        * _pos("gpu_memory_gb", gpu_memory_gb)
        * _pos("memory_fraction", memory_fraction)
    )
    return _out(gb / _pos("bandwidth_gb_s", bandwidth_gb_s) / 3600.0)


def _mtti(mtti_hours_) -> np.ndarray:
    """A mean time to interrupt as a float64 array: `> 0`, `np.inf` meaning no failures."""
    m = np.asarray(mtti_hours_, dtype=np.float64)
    if np.any(np.isnan(m) | (m <= 0)):
        raise ValueError(f"mtti_hours must be > 0 (np.inf: no failures), got {mtti_hours_!r}")
    return m


def young_interval_hours(checkpoint_hours_, mtti_hours_):
    """Young's (1974) optimal checkpoint interval `sqrt(2 delta M)` (compute time between checkpoints) for
    checkpoint time `delta` and mean time to interrupt `M`."""
    return _out(np.sqrt(2.0 * _pos("checkpoint_hours", checkpoint_hours_) * _pos("mtti_hours", mtti_hours_)))


def daly_interval_hours(checkpoint_hours_, mtti_hours_):
    """Daly's (2006, FGCS 22:303) higher-order optimal interval:
    `sqrt(2 d M) [1 + sqrt(d / 2M) / 3 + (d / 2M) / 9] - d` for `d < 2M`, else `M` (`np.inf` when `M` is
    infinite: never checkpoint)."""
    d = _pos("checkpoint_hours", checkpoint_hours_)
    m = _mtti(mtti_hours_)
    m_f = np.where(np.isfinite(m), m, 1.0)
    r = d / (2.0 * m_f)
    tau = np.sqrt(2.0 * d * m_f) * (1.0 + np.sqrt(r) / 3.0 + r / 9.0) - d
    return _out(np.where(np.isfinite(m), np.where(d < 2.0 * m_f, tau, m_f), np.inf))


def expected_wall_hours(solve_hours, mtti_hours_, checkpoint_hours_, restart_hours, interval_hours=None):
    """Expected wall time of `solve_hours` of failure-free work with checkpoint/restart under exponential
    interrupts (Daly 2006, Eq. 20): `M e^(R/M) (e^((tau + d)/M) - 1) T_s / tau`.

    **Arguments:**

    - `solve_hours`: failure-free compute time `T_s` (hours).
    - `mtti_hours_`: mean time to interrupt `M` (hours; `np.inf`: no failures, only checkpoint overhead).
    - `checkpoint_hours_`: time `d` to write one checkpoint (hours).
    - `restart_hours`: time `R` from an interrupt until work resumes (recovery plus checkpoint read; hours).
    - `interval_hours`: compute time `tau` between checkpoints (hours); default Daly's optimum.

    **Returns:**

    The expected wall time (hours), broadcast over the inputs.
    """
    ts = _pos("solve_hours", solve_hours, allow_zero=True)
    m = _mtti(mtti_hours_)
    d = _pos("checkpoint_hours", checkpoint_hours_, allow_zero=True)
    r = _pos("restart_hours", restart_hours, allow_zero=True)
    finite = np.isfinite(m)
    m_f = np.where(finite, m, 1.0)
    if interval_hours is None:
        tau = np.where(finite, daly_interval_hours(np.maximum(d, 1e-300), m_f), np.inf)
    else:
        tau = np.asarray(interval_hours, dtype=np.float64)
        if np.any(np.isnan(tau) | (tau <= 0)):
            raise ValueError(f"interval_hours must be > 0 (np.inf: never checkpoint), got {interval_hours!r}")
    with np.errstate(over="ignore", invalid="ignore"):
        wall_fail = m_f * np.exp(r / m_f) * np.expm1((tau + d) / m_f) * ts / tau
        wall_nofail = np.where(np.isfinite(tau), ts * (1.0 + d / tau), ts)
    return _out(np.where(finite, wall_fail, wall_nofail))


def amdahl_speedup(n, sequential_fraction: float = SEQUENTIAL_FRACTION):
    """Amdahl's (1967) law: speedup on `n` workers of a job with sequential fraction `s`: `1 / (s + (1 - s) / n)`."""
    s = np.asarray(sequential_fraction, dtype=np.float64)
    if np.any(~np.isfinite(s) | (s < 0) | (s > 1)):
        raise ValueError(f"sequential_fraction must be in [0, 1], got {sequential_fraction!r}")
    return _out(1.0 / (s + (1.0 - s) / _pos("n", n)))
