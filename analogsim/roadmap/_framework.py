"""The analytical LLM-training cost framework of Faraboschi, Giles, Hotard, Owczarek and Wheeler, *Reducing the
Barriers to Entry for Foundation Model Training* (Hewlett Packard Enterprise, arXiv:2404.08811, 2024), "the paper"
below.

Everything here is a closed form in plain Python/NumPy float64 (the numbers span 1 to 1e27, beyond float32's
comfortable range); every function broadcasts over NumPy arrays so a sweep is one call.

Where the paper's text was not available to check a formula (the full text could not be retrieved in the session
that wrote this module: only its abstract and the issue's summary of Table 3 were), the docstring says which
standard model is used instead (Young 1974, Daly 2006, Amdahl 1967) and what was assumed.
"""

from __future__ import annotations

import math

import equinox as eqx
import numpy as np

# --- Table 3 of the paper (as summarized in issue 6) -----------------------------------------------------------
GPU_MEMORY_GB = 80.0
"""GPU memory (GB) checkpointed per GPU. Paper, Table 3."""
GPU_MTBF_HOURS = 950e3
"""Mean time between failures of one GPU (hours). Paper, Table 3."""
CPU_MTBF_HOURS = 1.5e6
"""Mean time between failures of one host CPU (hours). Paper, Table 3."""
GPUS_PER_CPU = 4
"""GPUs per host CPU. Paper, Table 3."""
FLOPS_PER_GPU = 150e12
"""Sustained training throughput per GPU (FLOP/s). Paper, Table 3."""
TOKEN_SCALING_EXPONENT = 1.91
"""Empirical exponent of compute vs parameters, ``C ~ P^1.91`` (2.0 in theory, ``T = 20 P``). Paper, Table 3."""
TOKENS_PER_PARAM = 20.0
"""Training tokens per parameter (Chinchilla: Hoffmann et al. 2022). Paper, Table 3."""
FLOPS_PER_PARAM_TOKEN = 6.0
"""Training FLOP per parameter per token (2 forward + 4 backward; Kaplan et al. 2020). Paper, Table 3."""
SEQUENTIAL_FRACTION = 0.01
"""Amdahl sequential fraction. Paper, Table 3."""
N_GROUPS = 100
"""Data-parallel groups for K-of-N tolerance. Paper, Table 3."""
TOLERATED_GROUPS = 5
"""Failed data-parallel groups tolerated (K-of-N). Paper, Table 3 (the optimized system)."""
GROUP_RECOVERY_HOURS = 2.0
"""Time to recover (replace and reload) a failed group (hours). Paper, Table 3."""
CHECKPOINT_GB_S = 500.0
"""Checkpoint file-system bandwidth (GB/s); 2000 GB/s in the optimized system. Paper, Table 3."""
USD_PER_GPU_HOUR = 2.5
"""Price of one GPU-hour (USD). Paper, Table 3."""
GPU_PERF_GROWTH_PER_YEAR = 1.69
"""GPU performance growth per year (x1.69 = +69 %/year). Paper, Sec. on cost projection (as quoted in issue 6)."""


def _pos(name: str, value, *, allow_zero: bool = False) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(v) | ((v < 0) if allow_zero else (v <= 0))
    if np.any(bad):
        what = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {what}, got {value!r}")
    return v


def _out(v):
    v = np.asarray(v, dtype=np.float64)
    return float(v) if v.ndim == 0 else v


# --- compute and cost -----------------------------------------------------------------------------------------------
def training_flops(
    n_params,
    n_tokens=None,
    *,
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN,
    tokens_per_param: float = TOKENS_PER_PARAM,
):
    """Training compute ``C = C0 P T`` (FLOP), the paper's Eq. for dense transformers.

    Args:
        n_params: parameters ``P``.
        n_tokens: training tokens ``T``; default ``tokens_per_param * P`` (20 P, Chinchilla), giving ``C = 120 P^2``.
        flops_per_param_token: ``C0`` (6: 2 forward + 4 backward per parameter per token).
    """
    p = _pos("n_params", n_params)
    t = p * _pos("tokens_per_param", tokens_per_param) if n_tokens is None else _pos("n_tokens", n_tokens)
    return _out(_pos("flops_per_param_token", flops_per_param_token) * p * t)


def moe_flops(n_params, n_experts, n_tokens=None, **kwargs):
    """Mixture-of-experts training compute ``C / K`` with ``K`` experts (each token sees 1/K of the parameters).
    The paper: ``C_MoE = 120 P^2 / K``."""
    return _out(np.asarray(training_flops(n_params, n_tokens, **kwargs)) / _pos("n_experts", n_experts))


def empirical_flops(n_params, *, coefficient: float = 120.0, exponent: float = TOKEN_SCALING_EXPONENT):
    """Compute with the paper's empirical token-scaling exponent: ``C = coefficient * P^exponent`` (Table 3: 1.91;
    2.0 is the theoretical ``6 P * 20 P``)."""
    return _out(_pos("coefficient", coefficient) * _pos("n_params", n_params) ** _pos("exponent", exponent))


def gpu_hours(flops, *, flops_per_gpu: float = FLOPS_PER_GPU):
    """GPU-hours at a sustained rate: ``C / (rate * 3600)``."""
    return _out(_pos("flops", flops, allow_zero=True) / (_pos("flops_per_gpu", flops_per_gpu) * 3600.0))


def training_cost_usd(gpu_hours_, *, usd_per_gpu_hour: float = USD_PER_GPU_HOUR):
    """Cost of ``gpu_hours_`` GPU-hours: ``hours * price``."""
    return _out(
        _pos("gpu_hours", gpu_hours_, allow_zero=True)
        * _pos("usd_per_gpu_hour", usd_per_gpu_hour, allow_zero=True)
    )


# --- reliability -----------------------------------------------------------------------------------------------------
def system_mtti_hours(counts, mtbfs_hours):
    """Mean time to interrupt of a system that stops when any one part fails (independent, exponential failures):
    ``1 / sum_i (n_i / MTBF_i)``. ``counts`` and ``mtbfs_hours`` are sequences of the same length."""
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
    """System mean time to interrupt (hours) of ``n_gpus`` GPUs and ``n_gpus / gpus_per_cpu`` host CPUs with the
    paper's Table 3 MTBFs (950k h per GPU, 1.5M h per CPU, 4 GPUs per CPU). For 50,000 GPUs: 16.4 h."""
    n = _pos("n_gpus", n_gpus)
    return system_mtti_hours([n, n / _pos("gpus_per_cpu", gpus_per_cpu)], [gpu_mtbf_hours, cpu_mtbf_hours])


def k_of_n_mtti_hours(group_mtti_hours, n_groups: int = N_GROUPS, tolerated: int = 0, recovery_hours=2.0):
    """Mean time to interrupt of ``n_groups`` data-parallel groups when up to ``tolerated`` failed groups are
    tolerated while they are recovered (each in ``recovery_hours``, in parallel).

    Model (standard finite-source birth-death chain; our formulation of the paper's K-of-N tolerance): each group
    fails at rate ``lam = 1 / group_mtti_hours`` and is repaired at rate ``1 / recovery_hours``; with ``j`` groups
    down, the stationary probabilities are ``pi_j ~ C(N, j) (lam R)^j`` for ``j <= tolerated``, and the job is
    interrupted at rate ``pi_k (N - k) lam`` (the transition to ``k + 1`` failed groups). ``tolerated=0`` gives
    back ``group_mtti_hours / n_groups``.
    """
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) or n_groups < 1:
        raise ValueError(f"n_groups must be an integer >= 1, got {n_groups!r}")
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
        return _out(np.where(rate > 0, 1.0 / np.maximum(rate, 1e-300), np.inf))  # instant repair: never


def checkpoint_hours(
    n_gpus,
    *,
    gpu_memory_gb: float = GPU_MEMORY_GB,
    memory_fraction: float = 1.0,
    bandwidth_gb_s: float = CHECKPOINT_GB_S,
):
    """Time to write one checkpoint (hours): every GPU's memory (times ``memory_fraction``; 0.5 in the optimized
    system) through a file system of ``bandwidth_gb_s``. For 50,000 GPUs of 80 GB at 500 GB/s: 2.2 h."""
    gb = (
        _pos("n_gpus", n_gpus)
        * _pos("gpu_memory_gb", gpu_memory_gb)
        * _pos("memory_fraction", memory_fraction)
    )
    return _out(gb / _pos("bandwidth_gb_s", bandwidth_gb_s) / 3600.0)


def young_interval_hours(checkpoint_hours_, mtti_hours_):
    """Young's (1974) optimal checkpoint interval ``sqrt(2 delta M)`` (compute time between checkpoints) for
    checkpoint time ``delta`` and mean time to interrupt ``M``."""
    return _out(np.sqrt(2.0 * _pos("checkpoint_hours", checkpoint_hours_) * _pos("mtti_hours", mtti_hours_)))


def daly_interval_hours(checkpoint_hours_, mtti_hours_):
    """Daly's (2006, FGCS 22:303) higher-order optimal interval:
    ``sqrt(2 d M) [1 + sqrt(d / 2M) / 3 + (d / 2M) / 9] - d`` for ``d < 2M``, else ``M`` (``np.inf`` when ``M`` is
    infinite: never checkpoint)."""
    d = _pos("checkpoint_hours", checkpoint_hours_)
    m = np.asarray(mtti_hours_, dtype=np.float64)
    if np.any(np.isnan(m) | (m <= 0)):
        raise ValueError(f"mtti_hours must be > 0 (np.inf: no failures), got {mtti_hours_!r}")
    m_f = np.where(np.isfinite(m), m, 1.0)
    r = d / (2.0 * m_f)
    tau = np.sqrt(2.0 * d * m_f) * (1.0 + np.sqrt(r) / 3.0 + r / 9.0) - d
    return _out(np.where(np.isfinite(m), np.where(d < 2.0 * m_f, tau, m_f), np.inf))


def expected_wall_hours(solve_hours, mtti_hours_, checkpoint_hours_, restart_hours, interval_hours=None):
    """Expected wall time of ``solve_hours`` of failure-free work with checkpoint/restart under exponential
    interrupts (Daly 2006, Eq. 20): ``M e^(R/M) (e^((tau + d)/M) - 1) T_s / tau``.

    Args:
        solve_hours: failure-free compute time ``T_s``.
        mtti_hours_: mean time to interrupt ``M`` (``np.inf``: no failures, only checkpoint overhead).
        checkpoint_hours_: time ``d`` to write one checkpoint.
        restart_hours: time ``R`` from an interrupt until work resumes (recovery plus checkpoint read).
        interval_hours: compute time ``tau`` between checkpoints; default Daly's optimum.
    """
    ts = _pos("solve_hours", solve_hours, allow_zero=True)
    m = np.asarray(mtti_hours_, dtype=np.float64)
    if np.any(np.isnan(m) | (m <= 0)):
        raise ValueError(f"mtti_hours must be > 0 (np.inf for no failures), got {mtti_hours_!r}")
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
    """Amdahl's law: speedup on ``n`` workers of a job with sequential fraction ``s``: ``1 / (s + (1 - s) / n)``."""
    s = np.asarray(sequential_fraction, dtype=np.float64)
    if np.any(~np.isfinite(s) | (s < 0) | (s > 1)):
        raise ValueError(f"sequential_fraction must be in [0, 1], got {sequential_fraction!r}")
    return _out(1.0 / (s + (1.0 - s) / _pos("n", n)))


# --- the system -----------------------------------------------------------------------------------------------------
class TrainingSystem(eqx.Module):
    """The GPU training system of the paper's Table 3. Build the two published variants with :func:`baseline`
    and :func:`optimized`; tweak one with ``eqx.tree_at`` or ``dataclasses.replace``.

    Attributes (defaults: the paper's Table 3 baseline):
        gpu_memory_gb, gpu_mtbf_hours, cpu_mtbf_hours, gpus_per_cpu, flops_per_gpu, sequential_fraction,
        checkpoint_gb_s, usd_per_gpu_hour: see the module constants.
        checkpoint_memory_fraction: fraction of GPU memory written per checkpoint (0.5 in the optimized system).
        n_groups, tolerated_groups, group_recovery_hours: K-of-N tolerance (the baseline tolerates 0 failed groups:
            any failure interrupts the job; the optimized tolerates 5 of 100).
        bytes_per_param: model state per parameter for the Amdahl unit (16 B: bf16 weights and gradients plus fp32
            Adam moments and master weights; Rajbhandari et al., ZeRO, SC 2020). Our assumption, see
            :func:`time_to_train`.
        name: a label.
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
    """The paper's optimized system (Table 3): 2 TB/s checkpointing, 50 % less checkpoint memory, 5 failed
    data-parallel groups of 100 tolerated."""
    return TrainingSystem(
        name="optimized",
        checkpoint_gb_s=2000.0,
        checkpoint_memory_fraction=0.5,
        tolerated_groups=TOLERATED_GROUPS,
    )


class TrainingRun(eqx.Module):
    """Result of :func:`time_to_train` (all float64 NumPy values, broadcast over the inputs)."""

    flops: np.ndarray
    n_gpus: np.ndarray
    compute_hours: np.ndarray
    """Failure-free wall time (with Amdahl)."""
    mtti_hours: np.ndarray
    checkpoint_hours: np.ndarray
    interval_hours: np.ndarray
    wall_hours: np.ndarray
    """Expected wall time with checkpoints, failures and restarts."""
    gpu_hours: np.ndarray
    """``n_gpus * wall_hours``: what is paid for."""
    cost_usd: np.ndarray

    @property
    def wall_days(self):
        return self.wall_hours / 24.0


def amdahl_unit_gpus(n_params, system: TrainingSystem):
    """GPUs of one model replica: ``ceil(bytes_per_param * P / gpu_memory)`` (at least 1)."""
    p = _pos("n_params", n_params)
    return np.maximum(np.ceil(system.bytes_per_param * p / (system.gpu_memory_gb * 1e9)), 1.0)


def time_to_train(
    n_params, n_gpus, system: TrainingSystem | None = None, *, n_experts=1, flops=None
) -> TrainingRun:
    """Expected time and cost to train a ``n_params`` model on ``n_gpus`` GPUs (the paper's Fig. 7 model).

    Steps: compute ``C = 120 P^2 / K`` (or ``flops``); failure-free time with Amdahl's law; system MTTI from the
    Table 3 MTBFs, per data-parallel group, then with K-of-N tolerance; checkpoint time from GPU memory and file
    system bandwidth; Daly's optimal interval and expected wall time; restart time = group recovery + checkpoint
    read (at the write bandwidth); GPU-hours paid = ``n_gpus * wall``.

    Assumption (ours; the paper's exact Amdahl formulation could not be checked): Amdahl applies across model
    replicas, ``speedup = amdahl(n_gpus / n_unit)`` with ``n_unit = ceil(16 B * P / 80 GB)`` GPUs holding one copy
    of the model state, so ``compute = C / (n_unit * rate * speedup)``. Applied to single GPUs, a 1 % sequential
    fraction would cap any run at 100 GPUs' worth of speed.
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


# --- projection by year (Table 1) -----------------------------------------------------------------------------------
class Scenario(eqx.Module):
    """A Table 1 scenario for the largest training run by year.

    Attributes:
        name: label.
        experts_per_year: mixture-of-experts experts added per year (``K(year) = 1 + rate * (year - base)``).
        flop_per_param: the constant ``k`` in ``C = k P^2 / K`` (120 = 6 FLOP x 20 tokens per parameter; smaller
            means fewer tokens per parameter, i.e. data reduction).
    """

    name: str = eqx.field(static=True)
    experts_per_year: float
    flop_per_param: float

    def __check_init__(self):
        _pos("experts_per_year", self.experts_per_year, allow_zero=True)
        _pos("flop_per_param", self.flop_per_param)


def table1_scenarios() -> tuple[Scenario, Scenario, Scenario]:
    """The paper's Table 1: best case (+8 experts/year, 20 FLOP/parameter), best guess (+4, 40), worst case (0,
    120)."""
    return (
        Scenario("best case", 8.0, 20.0),
        Scenario("best guess", 4.0, 40.0),
        Scenario("worst case", 0.0, 120.0),
    )


BASE_YEAR = 2023
"""Base year of the projection: GPT-4."""
BASE_PARAMS = 1.8e12
"""GPT-4's parameters (1.8 T, as used by the paper)."""
PARAM_GROWTH_PER_YEAR = (1.8e12 / 175e9) ** (1.0 / 3.0)
"""Largest-model growth per year, our assumption: GPT-3 (175 B, 2020) to GPT-4 (1.8 T, 2023), x2.18 per year."""


def project_cost_usd(
    scenario: Scenario,
    years,
    *,
    base_year: int = BASE_YEAR,
    base_params: float = BASE_PARAMS,
    param_growth_per_year: float = PARAM_GROWTH_PER_YEAR,
    gpu_perf_growth_per_year: float = GPU_PERF_GROWTH_PER_YEAR,
    flops_per_gpu: float = FLOPS_PER_GPU,
    usd_per_gpu_hour: float = USD_PER_GPU_HOUR,
):
    """Failure-free GPU cost (USD) of the largest training run in each of ``years``:
    ``k P(y)^2 / K(y) / (rate * g^(y - y0)) / 3600 * price`` with ``P(y) = P0 * growth^(y - y0)``, ``K(y) = 1 +
    experts_per_year (y - y0)`` and GPU performance growing by ``g`` per year at a constant GPU-hour price.

    The parameter growth is our assumption (see ``PARAM_GROWTH_PER_YEAR``); :func:`implied_param_growth` solves
    for the growth a target cost needs.
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be an analogsim.roadmap.Scenario, got {type(scenario).__name__}")
    dy = np.asarray(years, dtype=np.float64) - base_year
    if np.any(dy < 0):
        raise ValueError(f"years must be >= base_year {base_year}, got {years!r}")
    p = _pos("base_params", base_params) * _pos("param_growth_per_year", param_growth_per_year) ** dy
    k = 1.0 + scenario.experts_per_year * dy
    rate = (
        _pos("flops_per_gpu", flops_per_gpu)
        * _pos("gpu_perf_growth_per_year", gpu_perf_growth_per_year) ** dy
    )
    return _out(scenario.flop_per_param * p**2 / k / rate / 3600.0 * usd_per_gpu_hour)


def implied_param_growth(scenario: Scenario, year: int, target_usd: float, **kwargs) -> float:
    """The parameter growth per year for which :func:`project_cost_usd` gives ``target_usd`` in ``year``."""
    kwargs.pop("param_growth_per_year", None)
    base_year = kwargs.get("base_year", BASE_YEAR)
    if year <= base_year:
        raise ValueError(f"year must be after base_year {base_year}, got {year}")
    c1 = project_cost_usd(scenario, year, param_growth_per_year=1.0, **kwargs)
    return float((_pos("target_usd", target_usd) / c1) ** (1.0 / (2.0 * (year - base_year))))
