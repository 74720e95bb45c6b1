"""The GPU training system of the paper's Table 3 (baseline and optimized, Sec. 3.1) and the expected time and
cost of a training run on it (the model behind the paper's Fig. 7)."""

from __future__ import annotations

import equinox as eqx
import numpy as np

from ._arrays import _pos
from ._compute import moe_flops
from ._paper import (
    CHECKPOINT_GB_S,
    CPU_MTBF_HOURS,
    FLOPS_PER_GPU,
    GPU_MEMORY_GB,
    GPU_MTBF_HOURS,
    GPUS_PER_CPU,
    GROUP_RECOVERY_HOURS,
    N_GROUPS,
    SEQUENTIAL_FRACTION,
    TOLERATED_GROUPS,
    USD_PER_GPU_HOUR,
)
from ._reliability import (
    amdahl_speedup,
    checkpoint_hours,
    daly_interval_hours,
    expected_wall_hours,
    k_of_n_mtti_hours,
    mtti_hours,
)


class TrainingSystem(eqx.Module):
    """The GPU training system of the paper's Table 3. Build the two published variants with `baseline` and
    `optimized`; tweak one with `eqx.tree_at` or `dataclasses.replace`.

    **Arguments:**

    Defaults are the paper's Table 3 baseline.

    - `name`: a label.
    - `gpu_memory_gb`, `gpu_mtbf_hours`, `cpu_mtbf_hours`, `gpus_per_cpu`, `flops_per_gpu`, `sequential_fraction`,
      `checkpoint_gb_s`, `usd_per_gpu_hour`: see the constants of the same names in `analogsim.roadmap`.
    - `checkpoint_memory_fraction`: fraction of GPU memory written per checkpoint (0.5 in the optimized system).
    - `n_groups`, `tolerated_groups`, `group_recovery_hours`: K-of-N tolerance (the baseline tolerates 0 failed
      groups: any failure interrupts the job; the optimized tolerates 5 of 100).
    - `bytes_per_param`: model state per parameter for the Amdahl unit (16 B: bf16 weights and gradients plus fp32
      Adam moments and master weights; Rajbhandari et al., ZeRO, SC 2020). Our assumption, see `time_to_train`.
    """

    name: str = eqx.field(static=True, default="baseline")
    gpu_memory_gb: float = GPU_MEMORY_GB
    gpu_mtbf_hours: float = GPU_MTBF_HOURS
    cpu_mtbf_hours: float = CPU_MTBF_HOURS
    gpus_per_cpu: float = GPUS_PER_CPU
    flops_per_gpu: float = FLOPS_PER_GPU
    sequential_fraction: float = SEQUENTIAL_FRACTION
    checkpoint_gb_s: float = CHECKPOINT_GB_S
    checkpoint_memory_fraction: float = 1.0
    n_groups: int = eqx.field(static=True, default=N_GROUPS)
    tolerated_groups: int = eqx.field(static=True, default=0)
    group_recovery_hours: float = GROUP_RECOVERY_HOURS
    usd_per_gpu_hour: float = USD_PER_GPU_HOUR
    bytes_per_param: float = 16.0

    def __check_init__(self):
        for f in (
            "gpu_memory_gb",
            "gpu_mtbf_hours",
            "cpu_mtbf_hours",
            "gpus_per_cpu",
            "flops_per_gpu",
            "checkpoint_gb_s",
            "checkpoint_memory_fraction",
            "bytes_per_param",
        ):
            _pos(f, getattr(self, f))
        _pos("group_recovery_hours", self.group_recovery_hours, allow_zero=True)
        _pos("usd_per_gpu_hour", self.usd_per_gpu_hour, allow_zero=True)
        amdahl_speedup(1.0, self.sequential_fraction)
        k_of_n_mtti_hours(1.0, self.n_groups, self.tolerated_groups, 1.0)


def baseline() -> TrainingSystem:
    """The paper's baseline system (Table 3): 500 GB/s checkpoints of all GPU memory, no failure tolerance."""
    return TrainingSystem()


def optimized() -> TrainingSystem:
    """The paper's optimized system (Sec. 3.1): 2 TB/s checkpointing, 50 % less checkpoint memory, 5 failed
    data-parallel groups of 100 tolerated."""
    return TrainingSystem(
        name="optimized",
        checkpoint_gb_s=2000.0,
        checkpoint_memory_fraction=0.5,
        tolerated_groups=TOLERATED_GROUPS,
    )


class TrainingRun(eqx.Module):
    """Result of `time_to_train`: all float64 NumPy values, broadcast over the inputs."""

    flops: np.ndarray
    """Training compute (FLOP)."""
    n_gpus: np.ndarray
    """GPUs of the run."""
    compute_hours: np.ndarray
    """Failure-free wall time (with Amdahl)."""
    mtti_hours: np.ndarray
    """Mean time to interrupt of the job, K-of-N tolerance included."""
    checkpoint_hours: np.ndarray
    """Time to write one checkpoint."""
    interval_hours: np.ndarray
    """Compute time between checkpoints (Daly's optimum)."""
    wall_hours: np.ndarray
    """Expected wall time with checkpoints, failures and restarts."""
    gpu_hours: np.ndarray
    """`n_gpus * wall_hours`: what is paid for."""
    cost_usd: np.ndarray
    """`gpu_hours` at the system's GPU-hour price."""

    @property
    def wall_days(self):
        """`wall_hours` in days."""
        return self.wall_hours / 24.0


def amdahl_unit_gpus(n_params, system: TrainingSystem):
    """GPUs of one model replica: `ceil(bytes_per_param * P / gpu_memory)` (at least 1)."""
    p = _pos("n_params", n_params)
    return np.maximum(np.ceil(system.bytes_per_param * p / (system.gpu_memory_gb * 1e9)), 1.0)


def time_to_train(
    n_params, n_gpus, system: TrainingSystem | None = None, *, n_experts=1, flops=None
) -> TrainingRun:
    """Expected time and cost to train a `n_params` model on `n_gpus` GPUs (the paper's Fig. 7 model).

    Steps: compute `C = 120 P^2 / K` (or `flops`); failure-free time with Amdahl's law; system MTTI from the
    Table 3 MTBFs, per data-parallel group, then with K-of-N tolerance; checkpoint time from GPU memory and file
    system bandwidth; Daly's optimal interval and expected wall time; restart time = group recovery + checkpoint
    read (at the write bandwidth); GPU-hours paid = `n_gpus * wall`.

    Assumption (ours; the paper does not state its Amdahl formulation): Amdahl applies across model replicas,
    `speedup = amdahl(n_gpus / n_unit)` with `n_unit = ceil(16 B * P / 80 GB)` GPUs holding one copy of the model
    state, so `compute = C / (n_unit * rate * speedup)`. Applied to single GPUs, a 1 % sequential fraction would
    cap any run at 100 GPUs' worth of speed.

    **Arguments:**

    - `n_params`: parameters `P`.
    - `n_gpus`: GPUs of the run.
    - `system`: the `TrainingSystem` (default `baseline()`).
    - `n_experts`: mixture-of-experts experts `K`.
    - `flops`: the training compute (FLOP), instead of `120 P^2 / K`.

    **Returns:**

    A `TrainingRun`.
    """
    system = baseline() if system is None else system
    if not isinstance(system, TrainingSystem):
        raise ValueError(f"system must be an analogsim.roadmap.TrainingSystem, got {type(system).__name__}")
    n = _pos("n_gpus", n_gpus)
    c = np.asarray(
        moe_flops(n_params, n_experts) if flops is None else _pos("flops", flops), dtype=np.float64
    )
    unit = amdahl_unit_gpus(n_params, system)
    replicas = np.maximum(n / unit, 1.0)
    speed = np.minimum(n, unit) * system.flops_per_gpu * amdahl_speedup(replicas, system.sequential_fraction)
    compute_h = c / speed / 3600.0
    m_sys = np.asarray(
        mtti_hours(
            n,
            gpu_mtbf_hours=system.gpu_mtbf_hours,
            cpu_mtbf_hours=system.cpu_mtbf_hours,
            gpus_per_cpu=system.gpus_per_cpu,
        )
    )
    group_m = m_sys * system.n_groups
    m = np.vectorize(
        lambda g: k_of_n_mtti_hours(g, system.n_groups, system.tolerated_groups, system.group_recovery_hours)
    )(group_m)
    d = np.asarray(
        checkpoint_hours(
            n,
            gpu_memory_gb=system.gpu_memory_gb,
            memory_fraction=system.checkpoint_memory_fraction,
            bandwidth_gb_s=system.checkpoint_gb_s,
        )
    )
    tau = np.asarray(daly_interval_hours(d, m))
    wall = np.asarray(expected_wall_hours(compute_h, m, d, system.group_recovery_hours + d, tau))
    gh = n * wall
    return TrainingRun(
        flops=c,
        n_gpus=np.broadcast_to(n, wall.shape),
        compute_hours=compute_h,
        mtti_hours=m,
        checkpoint_hours=d,
        interval_hours=tau,
        wall_hours=wall,
        gpu_hours=gh,
        cost_usd=gh * system.usd_per_gpu_hour,
    )
