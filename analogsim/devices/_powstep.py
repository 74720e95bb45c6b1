from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr

from .. import _random
from .._validate import check
from ._pulsed import AbstractStepDevice, PulsedCells, is_zero, up_down_scales


class PowStep(AbstractStepDevice):
    """A pulsed device whose step is a power of the distance to the bound it moves towards: IBM aihwkit's
    `PowStepDevice` (`src/rpucuda/rpu_powstep_device.cpp`), a shifted form of the synapse model of S. Fusi and
    L. F. Abbott, "Limits on the memory storage capacity of bounded synapses", Nat. Neurosci. 10, 485 (2007) (see
    also E. Frascaroli et al., Sci. Rep. 8, 7178 (2018)).

    With `omega = (w_max - w) / (w_max - w_min)`, one up pulse moves the weight by
    `dw_up omega^gamma_up (1 + dw_min_std xi)` and one down pulse by `-dw_down (1 - omega)^gamma_down
    (1 + dw_min_std xi)`, then clips. The per-cell exponents are drawn at `init` like the steps:
    `gamma_up = pow_gamma (min(beta, 0) + g + r)`, `gamma_down = pow_gamma (-max(beta, 0) + g - r)` with
    `beta = pow_up_down`, `g = 1 + pow_gamma_dtod xi`, `r = pow_up_down_dtod xi'`. With `pow_gamma = 1` this is soft
    bounds on the full range: `n` up pulses from 0 give `w_max - w_max (1 - dw / (w_max - w_min))^n`.

    **Arguments** (besides `AbstractStepDevice`'s):

    - `pow_gamma`: the exponent. Default 1 (aihwkit).
    - `pow_gamma_dtod`: its relative device-to-device spread. Default 0 (aihwkit: 0.1).
    - `pow_up_down`, `pow_up_down_dtod`: up/down asymmetry of the exponent and its spread. Default 0 (aihwkit).
    """

    pow_gamma: float | jax.Array = 1.0
    pow_gamma_dtod: float | jax.Array = 0.0
    pow_up_down: float | jax.Array = 0.0
    pow_up_down_dtod: float | jax.Array = 0.0

    def __check_init__(self):
        check(lambda g: g > 0, self.pow_gamma, "PowStep pow_gamma must be > 0")
        for field in ("pow_gamma_dtod", "pow_up_down_dtod"):
            check(lambda s: s >= 0, getattr(self, field), f"PowStep {field} (a spread) must be >= 0")

    def draw_aux(self, shape, key):
        if is_zero(self.pow_gamma_dtod) and is_zero(self.pow_up_down_dtod):
            xi, xi2 = jnp.zeros(shape, jnp.float32), jnp.zeros(shape, jnp.float32)
        elif key is None:
            raise ValueError("PowStep.init draws device-to-device spreads of the exponent: pass key=...")
        else:
            k1, k2 = jr.split(key)
            xi, xi2 = _random.normal(k1, shape), _random.normal(k2, shape)
        gain = 1.0 + self.pow_gamma_dtod * xi
        return up_down_scales(self.pow_gamma, self.pow_up_down, gain, self.pow_up_down_dtod * xi2)

    def step_sizes(self, cells: PulsedCells, w):
        gamma_up, gamma_down = cells.aux
        span = cells.w_max - cells.w_min
        live = span > 0
        omega = jnp.clip((cells.w_max - w) / jnp.where(live, span, 1.0), 0.0, 1.0)
        up = cells.scale_up * omega**gamma_up
        down = cells.scale_down * (1.0 - omega) ** gamma_down
        return jnp.where(live, up, 0.0), jnp.where(live, down, 0.0)

    def affine_steps(self, cells: PulsedCells):
        return None  # the step is not affine in w: pulse_counts applies the pulses one by one
