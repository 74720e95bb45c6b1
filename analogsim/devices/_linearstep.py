from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr

from .. import _random
from .._validate import check
from ._pulsed import AbstractStepDevice, PulsedCells, is_zero


class LinearStep(AbstractStepDevice):
    """A pulsed device whose step changes linearly with the weight: IBM aihwkit's `LinearStepDevice`
    (`src/rpucuda/rpu_linearstep_device.cpp`, with `mean_bound_reference` and multiplicative noise). It spans
    constant step (`gamma = 0`) to soft bounds (`gamma = 1`); fitted to capacitor cells (`capacitor_li2018`) and ECRAM
    (`ecram_tang2018`).

    One up pulse: `w <- w + dw_up (1 - g_up w / w_max) (1 + dw_min_std xi)`; one down pulse:
    `w <- w - dw_down (1 - g_down w / w_min) (1 + dw_min_std xi)`, with per-cell slopes
    `g_up = |gamma_up + gamma_up_dtod xi|`, `g_down = |gamma_down + gamma_down_dtod xi'|` drawn at `init`; then
    clipped to the cell's bounds (see `AbstractStepDevice` for the shared parameters, leakage `tau_s` and `levels`).

    **Arguments** (besides `AbstractStepDevice`'s):

    - `gamma_up`, `gamma_down`: relative decrease of the up / down step at the bound it moves towards. Default 0
      (aihwkit).
    - `gamma_up_dtod`, `gamma_down_dtod`: their absolute device-to-device spreads. Default 0 (aihwkit: 0.05).
    """

    gamma_up: float | jax.Array = 0.0
    gamma_down: float | jax.Array = 0.0
    gamma_up_dtod: float | jax.Array = 0.0
    gamma_down_dtod: float | jax.Array = 0.0

    def __check_init__(self):
        for field in ("gamma_up", "gamma_down", "gamma_up_dtod", "gamma_down_dtod"):
            check(lambda g: g >= 0, getattr(self, field), f"LinearStep {field} must be >= 0")

    def draw_aux(self, shape, key):
        if is_zero(self.gamma_up_dtod) and is_zero(self.gamma_down_dtod):
            return jnp.full(shape, self.gamma_up, jnp.float32), jnp.full(shape, self.gamma_down, jnp.float32)
        if key is None:
            raise ValueError("LinearStep.init draws device-to-device spreads of the slopes: pass key=...")
        k1, k2 = jr.split(key)
        return (jnp.abs(self.gamma_up + self.gamma_up_dtod * _random.normal(k1, shape)),
                jnp.abs(self.gamma_down + self.gamma_down_dtod * _random.normal(k2, shape)))

    def step_sizes(self, cells: PulsedCells, w):
        g_up, g_down = cells.aux
        up = cells.scale_up * (1.0 - g_up * w / self.w_max)
        down = cells.scale_down * (1.0 - g_down * w / self.w_min)
        return jnp.maximum(up, 0.0), jnp.maximum(down, 0.0)

    def affine_steps(self, cells: PulsedCells):
        g_up, g_down = cells.aux
        return cells.scale_up, -cells.scale_up * g_up / self.w_max, -cells.scale_down, cells.scale_down * g_down / self.w_min
