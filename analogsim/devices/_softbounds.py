from __future__ import annotations

import jax.numpy as jnp

from ._pulsed import AbstractStepDevice, PulsedCells


class SoftBounds(AbstractStepDevice):
    """A pulsed device whose step shrinks linearly to zero at its bounds: IBM aihwkit's `SoftBoundsDevice` (the
    linear-step model of `src/rpucuda/rpu_linearstep_device.cpp` with slope 1 and per-cell bounds, multiplicative
    cycle-to-cycle noise), the device model of T. Gokmen and W. Haensch, "Algorithm for training neural networks on
    resistive device arrays", Front. Neurosci. 14, 103 (2020).

    One up pulse: `w <- w + dw_up (1 - w / w_max) (1 + dw_min_std xi)`; one down pulse:
    `w <- w - dw_down (1 - w / w_min) (1 + dw_min_std xi)`; then clipped to `[w_min, w_max]` (see
    `AbstractStepDevice` for every parameter). Without noise, `n` up pulses from 0 give
    `w_max (1 - (1 - dw_up / w_max)^n)`. With cycle-to-cycle noise, `u = 1 - w / w_max` is a product of independent
    factors `1 - a (1 + s xi)` (`a = dw_up / w_max`, `s = dw_min_std`), so `E[u_n] = (1 - a)^n` and
    `E[u_n^2] = ((1 - a)^2 + a^2 s^2)^n`.

    With up/down asymmetry (`up_down != 0`) a cell driven by as many up as down pulses settles at its symmetry
    point `w* = (dw_up - dw_down) / (dw_up / w_max - dw_down / w_min)`, not at 0: the bias plain analog SGD suffers
    and Tiki-Taka removes.

    ```python
    dev = asim.devices.SoftBounds(dw_min=0.01, dw_min_std=0.3, w_min=-1.0, w_max=1.0, up_down=0.0)
    cells = dev.init((1000,), key=k1)
    cells = dev.pulse(cells, n, key=k2)
    cells.w
    ```
    """

    def draw_aux(self, shape, key):
        return ()

    def step_sizes(self, cells: PulsedCells, w):
        up = cells.scale_up * (1.0 - jnp.where(cells.w_max > 0, w / cells.w_max, 0.0))
        down = cells.scale_down * (1.0 - jnp.where(cells.w_min < 0, w / cells.w_min, 0.0))
        return up, down

    def affine_steps(self, cells: PulsedCells):
        beta_up = -cells.scale_up / jnp.where(cells.w_max > 0, cells.w_max, jnp.inf)
        beta_down = cells.scale_down / jnp.where(cells.w_min < 0, cells.w_min, -jnp.inf)
        return cells.scale_up, beta_up, -cells.scale_down, beta_down
