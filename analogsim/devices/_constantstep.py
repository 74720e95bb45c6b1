from __future__ import annotations

import jax.numpy as jnp

from ._pulsed import AbstractStepDevice, PulsedCells


class ConstantStep(AbstractStepDevice):
    """A pulsed device whose every pulse moves the weight by the same step, up to hard bounds: IBM aihwkit's
    `ConstantStepDevice` (`src/rpucuda/rpu_constantstep_device.cpp`, after T. Gokmen and Y. Vlasov, "Acceleration of
    deep neural network training with resistive cross-point devices: design considerations", Front. Neurosci. 10,
    333 (2016)).

    One up pulse: `w <- min(w + dw_up (1 + dw_min_std xi), w_max)`; one down pulse:
    `w <- max(w - dw_down (1 + dw_min_std xi), w_min)`, with the per-cell steps `dw_up`, `dw_down` and bounds drawn at
    `init` (see `AbstractStepDevice` for every parameter). After `n` up pulses from 0 and away from the bound the
    weight has mean `n dw_min` and standard deviation `sqrt(n) dw_min dw_min_std`.

    ```python
    dev = asim.devices.ConstantStep(dw_min=0.01, dw_min_std=0.3, w_min=-1.0, w_max=1.0)
    cells = dev.pulse(dev.init((1000,), key=k1), jnp.full((1000,), 10), key=k2)
    cells.w  # about 0.1 each
    ```
    """

    def draw_aux(self, shape, key):
        return ()

    def step_sizes(self, cells: PulsedCells, w):
        return cells.scale_up, cells.scale_down

    def affine_steps(self, cells: PulsedCells):
        zero = jnp.zeros_like(cells.scale_up)
        return cells.scale_up, zero, -cells.scale_down, zero
