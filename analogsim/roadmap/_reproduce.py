"""The reproduction table (every figure the paper's text states, next to the framework's value, with a computed
status), the data of the Fig. 5 and Fig. 7 plots, and `summary`: everything `examples/roadmap.py` writes."""

from __future__ import annotations

import numpy as np

from ._claims_cost import PARAM_GROWTH_2028, compute_rows, dollar_rows, growth_rows, projection_rows
from ._claims_system import fig7_rows, saving, table3_rows
from ._paper import GPT4_PARAMS, GPU_PERF_GROWTH_PER_YEAR, PARAM_GROWTH_PER_YEAR
from ._projection import BASE_EXPERTS, CLOUD_OVER_GPU, project_cost_usd, table1_scenarios
from ._system import baseline, optimized, time_to_train
from ._training_table import revolutionary_data

FIG7_GPUS = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)
"""GPU counts at which `fig7_data` evaluates the Fig. 7 curves."""
PAPER_POINTS = {
    "GPT-3 (2021)": (2021, 1e6, 4.8e6),
    "GPT-4 (2023)": (2023, 6.7e6, 32e6),
    "2028": (2028, 19e9, 93e9),
}
"""The paper's dollar figures: `name -> (year, GPU cost, cloud cost)` (USD; GPT-3's GPU cost is "under \\$1M")."""


def saving_at(n_gpus: float = 50_000, n_params: float = GPT4_PARAMS, n_experts: int = 1) -> float:
    """Baseline over optimized expected wall time (= cost, same GPUs) at `n_gpus`: the paper's "about 2x"
    (`saving` with the default models, as a float)."""
    return float(saving(n_gpus, n_params=n_params, n_experts=n_experts))


def reproduction_table() -> list[dict]:
    """Every figure of the paper that its text gives enough for, next to the framework's value.

    **Returns:**

    Rows from `analogsim.roadmap.claim`: `claim`, `paper`, `ours`, `unit`, `where`, `relation`, `tolerance`,
    `status` (computed by `claim_status` from `ours` and `paper`), `assumption` (the one named assumption beyond the
    text) and `sensitivity` (`ours` with the assumption changed). Groups: Table 3, Sec. 1.3 compute, Sec. 2 growth,
    Sec. 2.1 dollar figures, Fig. 5 projection, Fig. 7.
    """
    return [
        *table3_rows(),
        *compute_rows(),
        *growth_rows(),
        *dollar_rows(),
        *projection_rows(),
        *fig7_rows(),
    ]


def fig7_data(n_params: float = GPT4_PARAMS, n_gpus=FIG7_GPUS) -> dict:
    """Time to train (days) vs number of GPUs: baseline vs optimized, dense vs 8-expert MoE (the paper's Fig. 7)."""
    n = np.asarray(n_gpus, dtype=np.float64)
    out = {"n_gpus": [int(v) for v in n], "n_params": n_params, "curves": {}}
    for sys_ in (baseline(), optimized()):
        for k, label in ((1, "dense"), (8, "MoE-8")):
            run = time_to_train(n_params, n, sys_, n_experts=k)
            out["curves"][f"{sys_.name}, {label}"] = {
                "wall_days": [float(v) for v in run.wall_days],
                "failure_free_days": [float(v) for v in run.compute_hours / 24.0],
                "cost_usd": [float(v) for v in run.cost_usd],
            }
    out["saving"] = [float(v) for v in saving(n)]
    return out


def projection_data(years=range(2023, 2033)) -> dict:
    """Failure-free cost of the largest run by year (Fig. 5) for the Table 1 scenarios, GPU and cloud, at the
    stated +180 %/year and at the named `PARAM_GROWTH_2028`, with the paper's dollar figures."""
    years = list(years)

    def curves(basis: str, growth: float) -> dict:
        return {
            s.name: [float(v) for v in project_cost_usd(s, years, basis=basis, param_growth_per_year=growth)]
            for s in table1_scenarios()
        }

    return {
        "years": years,
        "param_growth_per_year": PARAM_GROWTH_PER_YEAR,
        "param_growth_2028": PARAM_GROWTH_2028,
        "gpu_perf_growth_per_year": GPU_PERF_GROWTH_PER_YEAR,
        "base_experts": BASE_EXPERTS,
        "cloud_over_gpu": CLOUD_OVER_GPU,
        "scenarios": curves("gpu", PARAM_GROWTH_PER_YEAR),
        "scenarios_cloud": curves("cloud", PARAM_GROWTH_PER_YEAR),
        "scenarios_growth_2028": curves("gpu", PARAM_GROWTH_2028),
        "paper_points": {
            k: {"year": y, "gpu_usd": g, "cloud_usd": c} for k, (y, g, c) in PAPER_POINTS.items()
        },
    }


def summary(quick: bool = False) -> dict:
    """Everything `examples/roadmap.py` writes: the reproduction table, the 50k-GPU saving, Fig. 7 data, the
    projection by year, and the revolutionary (analog) scenario: `revolutionary_data()`, whose dense-GPT-3 dollar
    ratio of analog PCM over the GPU also scales the projection (`scenarios_analog_pcm`)."""
    rev = revolutionary_data()
    proj = projection_data()
    rows = {r["name"]: r["total_usd"] for r in rev["dense"]["rows"]}
    ratio = rows["analog PCM"] / rows["GPU (A100)"]
    proj["analog_pcm_over_gpu"] = ratio
    proj["scenarios_analog_pcm"] = {k: [v * ratio for v in vals] for k, vals in proj["scenarios"].items()}
    return {
        "reproduction": reproduction_table(),
        "saving_at_50k_gpus": saving_at(50_000),
        "mtti_hours_50k_gpus": float(time_to_train(GPT4_PARAMS, 50_000).mtti_hours),
        "fig7": fig7_data(n_gpus=FIG7_GPUS[::2] if quick else FIG7_GPUS),
        "projection": proj,
        "revolutionary": rev,
    }
