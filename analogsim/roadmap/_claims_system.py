"""Reproduction rows for the paper's Table 3 and its Fig. 7 statements (Sec. 3.1): the ~2x saving of supercomputing
techniques at 50k GPUs, less below and more above, in dense and MoE curves alike.

The paper gives the inputs of Fig. 7 but not its formulas. The saving (a ratio of wall times at the same GPU count)
does not depend on the compute, so it does not depend on the Amdahl unit that sets absolute times; it does depend
on the checkpoint interval, restart and K-of-N models, and each row shows how much.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ._claim import claim
from ._paper import (
    CHECKPOINT_GB_S,
    CPU_MTBF_HOURS,
    FLOPS_PER_GPU,
    FLOPS_PER_PARAM_TOKEN,
    GPT4_PARAMS,
    GPU_MEMORY_GB,
    GPU_MTBF_HOURS,
    GPUS_PER_CPU,
    GROUP_RECOVERY_HOURS,
    N_GROUPS,
    SEQUENTIAL_FRACTION,
    TOKEN_SCALING_EXPONENT,
    TOKENS_PER_PARAM,
    TOLERATED_GROUPS,
    USD_PER_GPU_HOUR,
)
from ._reliability import expected_wall_hours, young_interval_hours
from ._system import TrainingSystem, baseline, optimized, time_to_train

_TABLE3 = (
    ("GPU_mem", 80.0, GPU_MEMORY_GB, "GB"),
    ("GPU_mtbf_base", 950e3, GPU_MTBF_HOURS, "hours"),
    ("CPU_mtbf_base", 1.5e6, CPU_MTBF_HOURS, "hours"),
    ("GPUs_per_CPU", 4.0, GPUS_PER_CPU, "GPUs"),
    ("TFs_per_GPU", 150e12, FLOPS_PER_GPU, "FLOP/s"),
    ("Token_scaling", 1.91, TOKEN_SCALING_EXPONENT, "exponent"),
    ("Token_per_param", 20.0, TOKENS_PER_PARAM, "tokens"),
    ("FLOP_per_token", 6.0, FLOPS_PER_PARAM_TOKEN, "FLOP"),
    ("Seq_comp", 0.01, SEQUENTIAL_FRACTION, "fraction"),
    ("FT_KN (K)", 5.0, TOLERATED_GROUPS, "groups"),
    ("FT_KN (N)", 100.0, N_GROUPS, "groups"),
    ("TTR_h", 2.0, GROUP_RECOVERY_HOURS, "hours"),
    ("FS_base_bw", 500.0, CHECKPOINT_GB_S, "GB/s"),
    ("Cpgh", 2.5, USD_PER_GPU_HOUR, "USD/GPU-hour"),
)


def table3_rows() -> list[dict]:
    """Each Table 3 parameter next to the constant the framework uses."""
    return [
        claim(
            f"Table 3 {name}",
            paper,
            ours,
            unit=unit,
            where="Table 3",
            tolerance=0.0,
            assumption="none: an input",
        )
        for name, paper, ours, unit in _TABLE3
    ]


FIG7_MAX_GPUS = 200_000
"""Largest system of the Fig. 7 rows (GPUs)."""
_INTERVALS = ("daly", "young")
_RESTARTS = ("recovery+read", "recovery")


def _wall_hours(n_gpus, system: TrainingSystem, n_params, n_experts, interval: str, restart: str):
    """Expected wall time with the checkpoint `interval` rule (`"daly"` or `"young"`) and the `restart` model
    (`"recovery+read"`: recovery plus reading the checkpoint back; `"recovery"`: recovery alone)."""
    if interval not in _INTERVALS or restart not in _RESTARTS:
        raise ValueError(
            f"interval must be one of {_INTERVALS} and restart one of {_RESTARTS}, got {interval!r}, {restart!r}"
        )
    run = time_to_train(n_params, n_gpus, system, n_experts=n_experts)
    if interval == "daly" and restart == "recovery+read":
        return run.wall_hours
    d, m = run.checkpoint_hours, run.mtti_hours
    r = system.group_recovery_hours + (d if restart == "recovery+read" else 0.0)
    tau = young_interval_hours(d, m) if interval == "young" else run.interval_hours
    return expected_wall_hours(run.compute_hours, m, d, r, tau)


def saving(
    n_gpus,
    *,
    n_params: float = GPT4_PARAMS,
    n_experts: int = 1,
    interval: str = "daly",
    restart: str = "recovery+read",
    optimized_system: TrainingSystem | None = None,
):
    """Baseline over optimized expected wall time (= cost, same GPUs) at `n_gpus`: the paper's "~2x" at 50k
    GPUs.

    **Arguments:**

    - `n_gpus`: GPUs of the run.
    - `n_params`, `n_experts`: the model (the ratio does not depend on them: wall time is linear in the compute).
    - `interval`: checkpoint interval rule, `"daly"` (Daly 2006) or `"young"` (Young 1974).
    - `restart`: `"recovery+read"` (recovery, then reading the checkpoint back) or `"recovery"`.
    - `optimized_system`: the improved system (default `optimized()`).

    **Returns:**

    The ratio, a float64 array broadcast over `n_gpus`.
    """
    o = optimized() if optimized_system is None else optimized_system
    b = _wall_hours(n_gpus, baseline(), n_params, n_experts, interval, restart)
    return np.asarray(b / _wall_hours(n_gpus, o, n_params, n_experts, interval, restart), dtype=np.float64)


def _saving_sensitivity(n: float) -> list:
    o = optimized()
    return [
        ("Young's interval instead of Daly's", saving(n, interval="young")),
        ("restart = recovery only (no checkpoint read)", saving(n, restart="recovery")),
        (
            "optimized without K-of-N tolerance",
            saving(n, optimized_system=dataclasses.replace(o, tolerated_groups=0)),
        ),
        (
            "optimized with the baseline's checkpoints",
            saving(
                n,
                optimized_system=dataclasses.replace(
                    o, checkpoint_gb_s=CHECKPOINT_GB_S, checkpoint_memory_fraction=1.0
                ),
            ),
        ),
    ]


_FIG7_MODEL = (
    "Table 3 baseline vs optimized (2 TB/s, half the checkpoint memory, 5 of 100 groups tolerated); our formulas: "
    "MTTI of independent exponential failures, Daly's interval and expected wall time, restart = 2 h recovery + "
    "checkpoint read, K-of-N as a birth-death chain (see analogsim.roadmap.time_to_train); the Amdahl unit sets "
    "absolute times only and cancels in the ratio"
)


def fig7_rows() -> list[dict]:
    """The Fig. 7 statements: ~2x at 50k GPUs, less below, more above, dense and MoE alike, and the baseline's
    time to train that stops improving with size."""
    s50 = float(saving(50_000))
    n = np.logspace(3, np.log10(FIG7_MAX_GPUS), 31)
    b = time_to_train(GPT4_PARAMS, n, baseline())
    dense = time_to_train(GPT4_PARAMS, 50_000, optimized())
    moe = time_to_train(GPT4_PARAMS, 50_000, optimized(), n_experts=8)
    return [
        claim(
            "supercomputing techniques save ~2x at 50k GPUs",
            2.0,
            s50,
            unit="ratio of wall times",
            where="Sec. 3.1, Fig. 7",
            assumption=_FIG7_MODEL,
            sensitivity=_saving_sensitivity(50_000),
        ),
        *(
            claim(
                f"the saving is {word} with {size} systems ({n // 1000}k vs 50k GPUs)",
                1.0,
                float(saving(n)) / s50,
                unit="ratio of savings",
                where="Sec. 3.1",
                relation=rel,
                assumption=_FIG7_MODEL,
            )
            for n, word, size, rel in ((10_000, "less", "smaller", "<"), (200_000, "more", "larger", ">"))
        ),
        claim(
            "the saving is ~2x for the 8-expert MoE curves too",
            2.0,
            float(saving(50_000, n_experts=8)),
            unit="ratio of wall times",
            where="Sec. 3.1, Fig. 7",
            assumption=_FIG7_MODEL,
        ),
        claim(
            "eight sparsely activated partitions cut the time to train by K = 8",
            8.0,
            float(dense.wall_hours / moe.wall_hours),
            unit="ratio of wall times",
            where="Sec. 1.3, Fig. 7",
            assumption="C_MoE = 120 P^2 / K; wall time linear in the compute",
        ),
        claim(
            "without supercomputing, time to train stops improving past a size (200k GPUs over the best)",
            1.0,
            float(b.wall_hours[-1] / b.wall_hours.min()),
            unit="ratio of wall times",
            where="Sec. 3.1",
            relation=">",
            assumption=_FIG7_MODEL,
            sensitivity=[("GPUs at the baseline's shortest time", float(n[np.argmin(b.wall_hours)]))],
        ),
    ]
