from __future__ import annotations

import jax
import jax.numpy as jnp

from .._validate import check
from ._pulsed import AbstractStepDevice, PulsedCells


class ExpStep(AbstractStepDevice):
    """A pulsed device whose step falls off exponentially towards a bound (CMOS-like or ReRAM-like response): IBM
    aihwkit's `ExpStepDevice` (`src/rpucuda/rpu_expstep_device.cpp`, `update_once`).

    With `z = 2 a w / (w_max - w_min) + b` (per-cell bounds), one up pulse moves the weight by
    `max(1 - A_up exp(gamma_up z), 0) dw_up (1 + dw_min_std xi)` and one down pulse by
    `-max(1 - A_down exp(-gamma_down z), 0) dw_down (1 + dw_min_std xi)`, then clips to `[w_min, w_max]`
    (see `AbstractStepDevice` for the shared parameters).

    **Arguments** (besides `AbstractStepDevice`'s; defaults are aihwkit's `ExpStepDevice` fit):

    - `a`, `b`: scale and offset of `z`. Default 0.244, 0.2425.
    - `A_up`, `A_down`: amplitudes of the exponential fall-off. Default 0.00081, 0.36833.
    - `gamma_up`, `gamma_down`: exponents. Default 12.44625, 12.78785.
    """

    a: float | jax.Array = 0.244
    b: float | jax.Array = 0.2425
    A_up: float | jax.Array = 0.00081
    A_down: float | jax.Array = 0.36833
    gamma_up: float | jax.Array = 12.44625
    gamma_down: float | jax.Array = 12.78785

    def __check_init__(self):
        for field in ("gamma_up", "gamma_down"):
            check(lambda g: g >= 0, getattr(self, field), f"ExpStep {field} must be >= 0")

    def draw_aux(self, shape, key):
        return ()

    def step_sizes(self, cells: PulsedCells, w):
        span = cells.w_max - cells.w_min
        z = 2.0 * w / jnp.where(span > 0, span, 1.0) * self.a + self.b
        up = jnp.maximum(1.0 - self.A_up * jnp.exp(self.gamma_up * z), 0.0) * cells.scale_up
        down = jnp.maximum(1.0 - self.A_down * jnp.exp(-self.gamma_down * z), 0.0) * cells.scale_down
        live = span > 0
        return jnp.where(live, up, 0.0), jnp.where(live, down, 0.0)

    def affine_steps(self, cells: PulsedCells):
        return None  # the step is not affine in w: pulse_counts applies the pulses one by one
