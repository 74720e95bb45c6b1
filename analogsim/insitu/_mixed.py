from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import optax

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
    - `digital`: an optax transformation the digital unit applies to the batch gradient `g = sum_b d_b x_b^T`
      before adding it to `chi` (`chi <- chi + u`, `u` the transform's update with its own sign and learning rate,
      so `lr` is not used), or `None` (default: `chi <- chi - lr g`, the plain mixed precision). `optax.sgd(lr)`
      is the default path; `optax.sgd(lr, momentum)` or `optax.adam(lr)` give the array a momentum or an adaptive
      step, as the mixed-precision scheme allows any digital optimizer on the accumulated gradient (Nandakumar et
      al. 2020, Sec. 2; aihwkit's `MixedPrecisionCompound` accumulates plain SGD). Its state sits next to `chi`
      in `InsituState.buffer` (then the pair `(chi, optax_state)`); its `params` are the array's weights (so
      `optax.adamw`'s decay acts on the weights). Cost: one extra float per weight for every
      weight-shaped array of the state (Adam: 2, momentum: 1), and `1 + 4 k` digital operations per weight and
      update for `k` such arrays (the scaling, and per moment its decay, the gradient term, and its use in the
      update: Adam 9), counted in `Counts.digital_ops`. Units: Adam's step is invariant to the gradient's scale, so
      its learning rate is in the array's weight units per update (under `InsituTrainer`, not the layer's).
    """

    device: eqx.Module
    lr: float | jax.Array
    max_pulses: int = eqx.field(static=True, default=31)
    t_sample_s: float | jax.Array = 1e-6
    decrement: str = eqx.field(static=True, default="nominal")
    digital: optax.GradientTransformation | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        check_device(self.device, "MixedPrecision")
        if self.decrement not in ("nominal", "expected"):
            raise ValueError(f"MixedPrecision decrement must be 'nominal' or 'expected', got {self.decrement!r}")
        check(lambda v: v >= 0, self.lr, "MixedPrecision lr must be >= 0")
        check_int(self.max_pulses, "MixedPrecision max_pulses", minimum=1)
        check(lambda t: t >= 0, self.t_sample_s, "MixedPrecision t_sample_s must be >= 0")
        if self.digital is not None and not isinstance(self.digital, optax.GradientTransformation):
            raise ValueError("MixedPrecision digital must be an optax.GradientTransformation or None, got "
                             f"{type(self.digital).__name__}")

    def init(self, shape: tuple[int, int], *, key, w0=None) -> InsituState:
        """A fresh `(out, in)` array at `W = 0` or pulsed towards `w0`, `chi = 0` (and the fresh state of
        `digital`, if given)."""
        k_init, k_w0 = (None, None) if key is None else jr.split(key)
        cells = pulse_to(self.device, self.device.init(shape, key=k_init), w0, key=k_w0)
        chi = jnp.zeros(shape, jnp.float32)
        buffer = chi if self.digital is None else (chi, self.digital.init(chi))
        return InsituState((cells,), buffer, jnp.int32(0), Counts.zeros(shape, 1))

    def weights(self, state: InsituState) -> jax.Array:
        return state.arrays[0].w

    def update(self, state: InsituState, x: jax.Array, d: jax.Array, *, key) -> InsituState:
        """Train on a batch (`x` `(batch, in)`, `d` `(batch, out)` = `dL/dy` per sample)."""
        shape = shape_of(state.arrays[0])
        check_batch(x, d, shape)
        batch = x.shape[0]
        size = shape[0] * shape[1]
        if self.digital is None:
            chi, extra_ops = state.buffer - self.lr * (d.T @ x), 0
        else:
            chi, opt_state = state.buffer
            # the parameters are the array's weights: a weight decay in `digital` acts on them, not on `chi`
            u, opt_state = self.digital.update(d.T @ x, opt_state, state.arrays[0].w)
            chi, extra_ops = chi + u, (1 + 4 * _weight_arrays(opt_state, shape)) * size
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
        counts = (state.counts.add_forward_backward(batch, *shape).add_pulses(0, n)
                  .add(digital_ops=batch * size + 2 * size + extra_ops))
        buffer = chi if self.digital is None else (chi, opt_state)
        return InsituState((cells,), buffer, state.step + batch, counts)


def _weight_arrays(opt_state, shape: tuple[int, int]) -> int:
    """The number of weight-shaped arrays in an optax state: the floats per weight its digital memory holds."""
    return sum(1 for leaf in jax.tree.leaves(opt_state) if getattr(leaf, "shape", None) == tuple(shape))
