"""The cost of one training run by year: the paper's Sec. 2.1 projection (Fig. 5) with its Table 1 scenarios and
the growth rates its text states.

One model prices every dollar figure of the paper: compute `C = k P^e / K` (Table 3: `k = 120` FLOP per
parameter with tokens, `e = 1.91` "power scaling of parameter"; `K` mixture-of-experts experts, Sec. 1.3), run at
the Table 3 sustained rate of 150 TFLOP/s in 2023 scaled by the stated GPU growth (+69 %/year) to other years, paid
at the Table 3 `Cpgh` of \\$2.5 per GPU-hour, which the paper calibrates on dedicated A100 *cloud* instances. The
paper's *GPU* costs are its cloud costs over 4.8 (both of its pairs: \\$32M / \\$6.7M and \\$93B / \\$19B).
"""

from __future__ import annotations

import equinox as eqx
import numpy as np

from ._arrays import _out, _pos
from ._paper import (
    FLOPS_PER_GPU,
    GPT4_PARAMS,
    GPT4_YEAR,
    GPU_PERF_GROWTH_PER_YEAR,
    PARAM_GROWTH_PER_YEAR,
    TOKEN_SCALING_EXPONENT,
    USD_PER_GPU_HOUR,
)

CLOUD_OVER_GPU = 4.8
"""Cloud cost over GPU cost: the ratio of each of the paper's pairs (GPT-3: \\$4.8M cloud for under \\$1M GPU;
GPT-4: \\$32M / \\$6.7M = 4.78; 2028: \\$93B / \\$19B = 4.89). The paper does not say what the GPU cost includes."""
GPT4_EXPERTS = 4
"""GPT-4 as a 4-expert mixture: the low end of the paper's "typical range of K is 4 to 10" (Sec. 1.3). Our
assumption, the smallest stated value that reproduces the paper's GPT-4 cost (see `reproduction_table`)."""
BASE_YEAR = GPT4_YEAR
"""Base year of the projection: GPT-4 (2023)."""
BASE_PARAMS = GPT4_PARAMS
"""Parameters of the largest model in the base year: GPT-4's 1.8 T."""
BASE_EXPERTS = GPT4_EXPERTS
"""Experts of the largest model in the base year: `GPT4_EXPERTS`."""
_BASES = ("cloud", "gpu")


class Scenario(eqx.Module):
    """A Table 1 scenario for the largest training run by year.

    **Arguments:**

    - `name`: label.
    - `experts_per_year`: mixture-of-experts experts added per year (`K(year) = K0 + rate * (year - base)`).
    - `flop_per_param`: the constant `k` in `C = k P^e / K` (120 = 6 FLOP x 20 tokens per parameter; smaller
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


def _basis(basis: str) -> float:
    """The divisor of the cloud cost for `basis`: 1 for `"cloud"`, `CLOUD_OVER_GPU` for `"gpu"`."""
    if basis not in _BASES:
        raise ValueError(f"basis must be one of {_BASES}, got {basis!r}")
    return 1.0 if basis == "cloud" else CLOUD_OVER_GPU


def run_cost_usd(
    n_params,
    year,
    *,
    n_experts=1,
    flop_per_param: float = 120.0,
    exponent: float = TOKEN_SCALING_EXPONENT,
    basis: str = "cloud",
    base_year: int = BASE_YEAR,
    flops_per_gpu: float = FLOPS_PER_GPU,
    gpu_perf_growth_per_year: float = GPU_PERF_GROWTH_PER_YEAR,
    usd_per_gpu_hour: float = USD_PER_GPU_HOUR,
):
    """Failure-free cost (USD) of training `n_params` in `year`: `k P^e / K` FLOP at `flops_per_gpu *
    growth^(year - base_year)` FLOP/s per GPU, at `usd_per_gpu_hour` (cloud), or that over `CLOUD_OVER_GPU`
    (`basis="gpu"`).

    **Arguments:**

    - `n_params`: parameters `P`.
    - `year`: year of the run (any, before or after `base_year`).
    - `n_experts`: mixture-of-experts experts `K`.
    - `flop_per_param`: `k` (Table 1: 120, 40 or 20).
    - `exponent`: `e` (Table 3 `Token_scaling`: 1.91; 2.0 in theory).
    - `basis`: `"cloud"` (the Table 3 price) or `"gpu"` (cloud over `CLOUD_OVER_GPU`).
    - `base_year`: the year of the `flops_per_gpu` rate.
    - `flops_per_gpu`: sustained FLOP/s per GPU in `base_year`.
    - `gpu_perf_growth_per_year`: GPU performance growth per year (x1.69).
    - `usd_per_gpu_hour`: cloud price of one GPU-hour, constant over the years.

    **Returns:**

    The cost in USD, broadcast over the inputs.
    """
    div = _basis(basis)
    dy = np.asarray(year, dtype=np.float64) - base_year
    c = _pos("flop_per_param", flop_per_param) * _pos("n_params", n_params) ** _pos("exponent", exponent)
    rate = (
        _pos("flops_per_gpu", flops_per_gpu)
        * _pos("gpu_perf_growth_per_year", gpu_perf_growth_per_year) ** dy
    )
    usd = (
        c
        / _pos("n_experts", n_experts)
        / rate
        / 3600.0
        * _pos("usd_per_gpu_hour", usd_per_gpu_hour, allow_zero=True)
    )
    return _out(usd / div)


def project_cost_usd(
    scenario: Scenario,
    years,
    *,
    base_year: int = BASE_YEAR,
    base_params: float = BASE_PARAMS,
    base_experts: float = BASE_EXPERTS,
    param_growth_per_year: float = PARAM_GROWTH_PER_YEAR,
    **kwargs,
):
    """Failure-free cost (USD) of the largest training run in each of `years` under `scenario`: `run_cost_usd` of
    `P(y) = P0 * growth^(y - y0)` parameters with `K(y) = K0 + experts_per_year (y - y0)` experts and the scenario's
    `k`. `kwargs` go to `run_cost_usd` (`basis`, `exponent`, the GPU rate, growth and price).

    Defaults are the paper's stated rates: parameters +180 %/year, GPU performance +69 %/year, from GPT-4 (1.8 T,
    `GPT4_EXPERTS` experts) in 2023. `implied_param_growth` solves for the growth a target cost needs.
    """
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be an analogsim.roadmap.Scenario, got {type(scenario).__name__}")
    dy = np.asarray(years, dtype=np.float64) - base_year
    if np.any(dy < 0):
        raise ValueError(f"years must be >= base_year {base_year}, got {years!r}")
    p = _pos("base_params", base_params) * _pos("param_growth_per_year", param_growth_per_year) ** dy
    k = _pos("base_experts", base_experts) + scenario.experts_per_year * dy
    return run_cost_usd(
        p,
        base_year + dy,
        n_experts=k,
        flop_per_param=scenario.flop_per_param,
        base_year=base_year,
        **kwargs,
    )


def implied_param_growth(scenario: Scenario, year: int, target_usd: float, **kwargs) -> float:
    """The parameter growth per year for which `project_cost_usd` gives `target_usd` in `year` (`kwargs`: the
    other arguments of `project_cost_usd`)."""
    kwargs.pop("param_growth_per_year", None)
    base_year = kwargs.get("base_year", BASE_YEAR)
    if year <= base_year:
        raise ValueError(f"year must be after base_year {base_year}, got {year}")
    e = kwargs.get("exponent", TOKEN_SCALING_EXPONENT)
    c1 = project_cost_usd(scenario, year, param_growth_per_year=1.0, **kwargs)
    return float((_pos("target_usd", target_usd) / c1) ** (1.0 / (e * (year - base_year))))
