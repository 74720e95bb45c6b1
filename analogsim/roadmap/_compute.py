"""Training compute and its GPU cost: the paper's closed forms (Sec. 1.3: `C = C0 P T`, `C = 120 P^2`,
`C_MoE = 120 P^2 / K`) and the price of the GPU-hours at the Table 3 rate."""

from __future__ import annotations

import numpy as np

from ._arrays import _out, _pos
from ._paper import (
    FLOPS_PER_GPU,
    FLOPS_PER_PARAM_TOKEN,
    TOKEN_SCALING_EXPONENT,
    TOKENS_PER_PARAM,
    USD_PER_GPU_HOUR,
)


def training_flops(
    n_params,
    n_tokens=None,
    *,
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN,
    tokens_per_param: float = TOKENS_PER_PARAM,
):
    """Training compute `C = C0 P T` (FLOP) of a dense transformer, the paper's Sec. 1.3.

    **Arguments:**

    - `n_params`: parameters `P`.
    - `n_tokens`: training tokens `T`; default `tokens_per_param * P` (20 P, Chinchilla), giving `C = 120 P^2`.
    - `flops_per_param_token`: `C0`, FLOP per parameter per token (6: 2 forward + 4 backward).
    - `tokens_per_param`: tokens per parameter when `n_tokens` is not given.

    **Returns:**

    The compute in FLOP: a float, or a float64 array broadcast over the inputs.
    """
    p = _pos("n_params", n_params)
    t = p * _pos("tokens_per_param", tokens_per_param) if n_tokens is None else _pos("n_tokens", n_tokens)
    return _out(_pos("flops_per_param_token", flops_per_param_token) * p * t)


def moe_flops(n_params, n_experts, n_tokens=None, **kwargs):
    """Mixture-of-experts training compute `C / K` with `K` experts (each token sees 1/K of the parameters):
    the paper's `C_MoE = 120 K (P / K)^2 = 120 P^2 / K` (Sec. 1.3). `kwargs` go to `training_flops`."""
    return _out(np.asarray(training_flops(n_params, n_tokens, **kwargs)) / _pos("n_experts", n_experts))


def empirical_flops(n_params, *, coefficient: float = 120.0, exponent: float = TOKEN_SCALING_EXPONENT):
    """Compute with the paper's empirical token-scaling exponent: `C = coefficient * P^exponent` (Table 3: 1.91;
    2.0 is the theoretical `6 P * 20 P`)."""
    return _out(_pos("coefficient", coefficient) * _pos("n_params", n_params) ** _pos("exponent", exponent))


def gpu_hours(flops, *, flops_per_gpu: float = FLOPS_PER_GPU):
    """GPU-hours of `flops` FLOP at a sustained rate of `flops_per_gpu` FLOP/s: `C / (rate * 3600)`."""
    return _out(_pos("flops", flops, allow_zero=True) / (_pos("flops_per_gpu", flops_per_gpu) * 3600.0))


def training_cost_usd(gpu_hours_, *, usd_per_gpu_hour: float = USD_PER_GPU_HOUR):
    """Cost (USD) of `gpu_hours_` GPU-hours: `hours * price`."""
    return _out(
        _pos("gpu_hours", gpu_hours_, allow_zero=True)
        * _pos("usd_per_gpu_hour", usd_per_gpu_hour, allow_zero=True)
    )
