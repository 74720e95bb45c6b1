from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._validate import check, check_int
from ._state import Counts, InsituState, check_batch, check_device, leak, pulse_to, shape_of


class MixedPrecision(eqx.Module):
    """Mixed-precision in-situ training: the gradient is accumulated digitally in `chi` (one float per weight) and a
    cell is pulsed only when its accumulator holds at least one device step: `n = trunc(chi / dw_min)` pulses (at
    most `max_pulses`), after which `chi <- chi - n dw_min`. After S. R. Nandakumar et al., "Mixed-precision deep
    learning based on computational memory", Front. Neurosci. 14, 406 (2020), and IBM aihwkit's
    `MixedPrecisionCompound`.

    The batch's outer products `sum_b d_b x_b^T` are formed digitally (from the inputs and errors the forward and
    backward reads delivered), added to `chi` once per batch, and the array is pulsed once per batch.

    **Arguments:**

    - `device`: an update-capable device.
    - `lr`: the learning rate (device weight units per unit `d x`).
    - `max_pulses`: the most pulses one cell receives per batch; the rest stays in `chi`. Default 31.
    - `t_sample_s`: time of one sample's cycle, for leaky devices (assumed 1 us).
    - `decrement`: what `chi` gives up for the pulses fired. `"nominal"` (default): `n dw_min`, as aihwkit's
      `MixedPrecRPUDevice::forwardUpdate` (`chi -= trunc(chi / granularity) granularity`) and Nandakumar et al.
      do. `"expected"`: `n` times the device's mean step at the cell's weight before the pulses (`step_sizes`:
      on soft bounds `dw (1 - w / w_max)` up), so `chi` keeps what the shrunken steps of a state-dependent device
      did not deliver (assumes the periphery knows each cell's weight to the precision of the device model).
    """

    device: eqx.Module
    lr: float | jax.Array
    max_pulses: int = eqx.field(static=True, default=31)
    t_sample_s: float | jax.Array = 1e-6
    decrement: str = eqx.field(static=True, default="nominal")

    def __check_init__(self):
        check_device(self.device, "MixedPrecision")
        if self.decrement not in ("nominal", "expected"):
            raise ValueError(f"MixedPrecision decrement must be 'nominal' or 'expected', got {self.decrement!r}")
        check(lambda v: v >= 0, self.lr, "MixedPrecision lr must be >= 0")
        check_int(self.max_pulses, "MixedPrecision max_pulses", minimum=1)
        check(lambda t: t >= 0, self.t_sample_s, "MixedPrecision t_sample_s must be >= 0")

    def init(self, shape: tuple[int, int], *, key, w0=None) -> InsituState:
        """A fresh `(out, in)` array at `W = 0` or pulsed towards `w0`, and `chi = 0`."""
        k_init, k_w0 = (None, None) if key is None else jr.split(key)
        cells = pulse_to(self.device, self.device.init(shape, key=k_init), w0, key=k_w0)
        return InsituState((cells,), jnp.zeros(shape, jnp.float32), jnp.int32(0), Counts.zeros(shape, 1))

    def weights(self, state: InsituState) -> jax.Array:
        return state.arrays[0].w

    def update(self, state: InsituState, x: jax.Array, d: jax.Array, *, key) -> InsituState:
        """Train on a batch (`x` `(batch, in)`, `d` `(batch, out)` = `dL/dy` per sample)."""
        shape = shape_of(state.arrays[0])
        check_batch(x, d, shape)
        batch = x.shape[0]
        chi = state.buffer - self.lr * (d.T @ x)
        dw = self.device.dw_min
        n = jnp.clip(jnp.trunc(chi / dw), -self.max_pulses, self.max_pulses).astype(jnp.int32)
        before = state.arrays[0]
        cells = self.device.pulse(before, n, key=key)
        cells = leak(self.device, cells, self.t_sample_s * batch)
        if self.decrement == "expected":
            up, down = self.device.step_sizes(before, before.hidden)
            chi = chi - jnp.where(n > 0, n * up, n * down)
        else:
            chi = chi - n * dw
        size = shape[0] * shape[1]
        counts = (state.counts.add_forward_backward(batch, *shape).add_pulses(0, n)
                  .add(digital_ops=batch * size + 2 * size))
        return InsituState((cells,), chi, state.step + batch, counts)
