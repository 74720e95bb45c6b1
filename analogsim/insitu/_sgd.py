from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._validate import check
from ._state import Counts, InsituState, check_batch, check_device, leak, pulse_to, shape_of
from ._update import PulseUpdate


def pulse_batch(device, rule: PulseUpdate, cells, x, d, lr, t_sample_s, *, key):
    """Apply the rank-one pulsed updates of a batch to `cells`, sample after sample (the hardware's order: one pair
    of pulse trains per sample), leaking the cells for `t_sample_s` after each. Returns `(cells, pulses)` with
    `pulses` the int32 number of pulses each cell received.

    With `rule.mode == "moments"` the batch is applied at once: each cell's expected up and down counts and their
    variances (`PulseUpdate.count_moments`) go to the device's closed form (`pulse_counts`), the leakage of the
    whole batch follows, and `pulses` is the expected count per cell, rounded."""
    if rule.mode == "moments":
        n_up, var_up, n_down, var_down = rule.count_moments(x, d, lr, device.dw_min)
        cells = device.pulse_counts(cells, n_up, n_down, var_up, var_down, key=key)
        cells = leak(device, cells, t_sample_s * x.shape[0])
        return cells, jnp.round(n_up + n_down).astype(jnp.int32)

    def one(carry, inputs):
        cells, pulses = carry
        xb, db, kb = inputs
        k_trains, k_device = jr.split(kb)
        n = rule.coincidences(xb, db, lr, device.dw_min, key=k_trains)
        cells = leak(device, device.pulse(cells, n, key=k_device), t_sample_s)
        return (cells, pulses + jnp.abs(n)), None

    pulses = jnp.zeros(shape_of(cells), jnp.int32)
    keys = jr.split(key, x.shape[0])
    (cells, pulses), _ = jax.lax.scan(one, (cells, pulses), (x, d, keys))
    return cells, pulses


class AnalogSGD(eqx.Module):
    """Plain analog SGD: every sample's update `W <- W - lr d x^T` is done on the array by stochastic pulse trains
    (`PulseUpdate`), one pulse per coincidence (T. Gokmen and Y. Vlasov, "Acceleration of deep neural network
    training with resistive cross-point devices: design considerations", Front. Neurosci. 10, 333 (2016)). The
    samples of a batch are applied one after the other (a `lax.scan`), as the array would; nothing is accumulated
    digitally. On asymmetric devices the weights drift towards each cell's symmetry point: the bias Tiki-Taka
    removes.

    ```python
    opt = asim.insitu.AnalogSGD(asim.devices.ConstantStep(dw_min=0.001), lr=0.01)
    state = opt.init((n_out, n_in), key=k1)
    y = opt.weights(state) @ x                         # or read it through the array: AnalogIO().read
    state = opt.update(state, x_batch, d_batch, key=k2)  # d = dL/dy per sample
    ```

    **Arguments:**

    - `device`: an update-capable device (`analogsim.devices.AbstractPulsedDevice`).
    - `lr`: the learning rate in device weight units per unit `d x`; `lr / device.dw_min` must not exceed the
      pulse train length.
    - `pulse`: the `PulseUpdate` scheme. Default `PulseUpdate()` (BL = 31, update and bit-length management).
    - `t_sample_s`: time of one sample's update cycle, for the leakage of leaky devices (assumed 1 us).
    """

    device: eqx.Module
    lr: float | jax.Array
    pulse: PulseUpdate = PulseUpdate()
    t_sample_s: float | jax.Array = 1e-6

    def __check_init__(self):
        check_device(self.device, "AnalogSGD")
        self.pulse.check_lr(self.lr, self.device.dw_min)
        check(lambda t: t >= 0, self.t_sample_s, "AnalogSGD t_sample_s must be >= 0")

    def init(self, shape: tuple[int, int], *, key, w0=None) -> InsituState:
        """A fresh `(out, in)` array (device-to-device spreads drawn from `key`) at `W = 0`, or pulsed towards the
        initial weights `w0` (see `pulse_to`)."""
        k_init, k_w0 = (None, None) if key is None else jr.split(key)
        cells = pulse_to(self.device, self.device.init(shape, key=k_init), w0, key=k_w0)
        return InsituState((cells,), jnp.zeros((0,), jnp.float32), jnp.int32(0), Counts.zeros(shape, 1))

    def weights(self, state: InsituState) -> jax.Array:
        """The weights the forward and backward passes read (device units)."""
        return state.arrays[0].w

    def update(self, state: InsituState, x: jax.Array, d: jax.Array, *, key) -> InsituState:
        """Train on a batch: `x` `(batch, in)` the layer inputs, `d` `(batch, out)` the errors `dL/dy` of each
        sample; the array receives `W <- W - lr sum_b d_b x_b^T` as pulses."""
        shape = shape_of(state.arrays[0])
        check_batch(x, d, shape)
        cells, pulses = pulse_batch(self.device, self.pulse, state.arrays[0], x, d, self.lr, self.t_sample_s,
                                    key=key)
        counts = state.counts.add_forward_backward(x.shape[0], *shape).add_pulses(0, pulses)
        return InsituState((cells,), state.buffer, state.step + x.shape[0], counts)
