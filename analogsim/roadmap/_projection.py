"""The cost of the largest training run by year: the paper's Sec. 2.1 projection (Fig. 5) with its Table 1
scenarios."""

from __future__ import annotations

import equinox as eqx
import numpy as np

from ._arrays import _out, _pos
from ._paper import FLOPS_PER_GPU, GPT3_PARAMS, GPT4_PARAMS, GPU_PERF_GROWTH_PER_YEAR, USD_PER_GPU_HOUR


class Scenario(eqx.Module):
    """A Table 1 scenario for the largest training run by year.

    **Arguments:**

    - `name`: label.
    - `experts_per_year`: mixture-of-experts experts added per year (`K(year) = 1 + rate * (year - base)`).
    - `flop_per_param`: the constant `k` in `C = k P^2 / K` (120 = 6 FLOP x 20 tokens per parameter; smaller
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
BASE_PARAMS = GPT4_PARAMS
"""Parameters of the largest model in the base year: GPT-4's 1.8 T."""
PARAM_GROWTH_PER_YEAR = (GPT4_PARAMS / GPT3_PARAMS) ** (1.0 / 3.0)
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
    """Failure-free GPU cost (USD) of the largest training run in each of `years`:
    `k P(y)^2 / K(y) / (rate * g^(y - y0)) / 3600 * price` with `P(y) = P0 * growth^(y - y0)`, `K(y) = 1 +
    experts_per_year (y - y0)` and GPU performance growing by `g` per year at a constant GPU-hour price.

    The parameter growth is our assumption (see `PARAM_GROWTH_PER_YEAR`); `implied_param_growth` solves for the
    growth a target cost needs.
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
    """The parameter growth per year for which `project_cost_usd` gives `target_usd` in `year` (`kwargs`: the
    other arguments of `project_cost_usd`)."""
    kwargs.pop("param_growth_per_year", None)
    base_year = kwargs.get("base_year", BASE_YEAR)
    if year <= base_year:
        raise ValueError(f"year must be after base_year {base_year}, got {year}")
    c1 = project_cost_usd(scenario, year, param_growth_per_year=1.0, **kwargs)
    return float((_pos("target_usd", target_usd) / c1) ** (1.0 / (2.0 * (year - base_year))))
