from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._validate import check, check_int
from ._sgd import pulse_batch
from ._state import AnalogIO, Counts, InsituState, check_batch, check_device, leak, pulse_to, shape_of
from ._update import PulseUpdate


class TikiTakaV2(eqx.Module):
    """Tiki-Taka version 2: gradients are pulsed into a fast array `A`, whose columns are read one at a time through
    the array and low-pass filtered in a digital buffer `H`; a slow array `C`, the weights the network uses, gets a
    pulse whenever a cell of `H` crosses one step of `C`. T. Gokmen, "Enabling training of neural networks on noisy
    hardware", Front. Artif. Intell. 4, 699148 (2021) (after T. Gokmen and W. Haensch, Front. Neurosci. 14, 103
    (2020)), as in IBM aihwkit's `TransferCompound` with a buffer.

    Per sample: `A` receives the pulsed update of `-lr d x^T` (`PulseUpdate`). Every `transfer_every` samples,
    column `k` of `A` (`k` cycling over the inputs) is read through the array (one-hot input, with the `io`
    periphery: DAC, output noise, ADC), `H[:, k] += transfer_lr a_k / dw_min(C)`, `C[:, k]` receives
    `n = trunc(H[:, k])` pulses (at most `max_pulses`), and `H[:, k] -= n`. Because `A`'s device is driven by as many
    up as down pulses around the optimum, it sits at its symmetry point, so the asymmetry of the device does not bias
    `C` the way it biases plain analog SGD (the symmetry point is assumed at `w = 0`, as in aihwkit's presets).

    **Arguments:**

    - `device`: the device of `A` (and of `C` unless `device_c` is given).
    - `lr`: the learning rate of `A` (device weight units per unit `d x`).
    - `transfer_lr`: the gain of a transfer read into `H`: `C` moves by about `transfer_lr` times the read column. Default 0.01 (tuned on the tests' linear regression).
    - `transfer_every`: samples between two column transfers. Default 1.
    - `max_pulses`: the most pulses one cell of `C` receives per transfer. Default 10.
    - `pulse`: the `PulseUpdate` scheme for `A`.
    - `io`: the periphery of the transfer reads. Default `AnalogIO()` (7-bit DAC, 9-bit ADC, output noise 0.06).
    - `device_c`: the device of `C`, if different.
    - `t_sample_s`: time of one sample's cycle, for leaky devices (assumed 1 us).
    """

    device: eqx.Module
    lr: float | jax.Array
    transfer_lr: float | jax.Array = 0.01
    transfer_every: int = eqx.field(static=True, default=1)
    max_pulses: int = eqx.field(static=True, default=10)
    pulse: PulseUpdate = PulseUpdate()
    io: AnalogIO = AnalogIO()
    device_c: eqx.Module | None = None
    t_sample_s: float | jax.Array = 1e-6

    def __check_init__(self):
        name = type(self).__name__
        check_device(self.device, name)
        if self.device_c is not None:
            check_device(self.device_c, f"{name} (device_c)")
        self.pulse.check_lr(self.lr, self.device.dw_min)
        check(lambda v: v >= 0, self.transfer_lr, f"{name} transfer_lr must be >= 0")
        check_int(self.transfer_every, f"{name} transfer_every", minimum=1)
        check_int(self.max_pulses, f"{name} max_pulses", minimum=1)
        check(lambda t: t >= 0, self.t_sample_s, f"{name} t_sample_s must be >= 0")

    @property
    def _dev_c(self):
        return self.device if self.device_c is None else self.device_c

    def init(self, shape: tuple[int, int], *, key, w0=None) -> InsituState:
        """Fresh arrays: `A` at 0, `C` at 0 or pulsed towards the initial weights `w0`; `H = 0`."""
        k_a, k_c, k_w0 = jr.split(key, 3) if key is not None else (None, None, None)
        c_cells = pulse_to(self._dev_c, self._dev_c.init(shape, key=k_c), w0, key=k_w0)
        arrays = (self.device.init(shape, key=k_a), c_cells)
        return InsituState(arrays, jnp.zeros(shape, jnp.float32), jnp.int32(0), Counts.zeros(shape, 2))

    def weights(self, state: InsituState) -> jax.Array:
        """The slow array `C`: the weights the network reads."""
        return state.arrays[1].w

    def _transfer(self, a_cells, c_cells, h, k, key, sign=None):
        """Read column `k` of `A` (times the chopper signs `sign` of its cells, if given), filter it into `H`, pulse
        `C`'s column. Returns `(c_cells, h, pulses)`."""
        n_out, n_in = shape_of(a_cells)
        k_read, k_pulse = jr.split(key)
        a = self.io.read(a_cells.w, jax.nn.one_hot(k, n_in, dtype=jnp.float32), key=k_read)
        if sign is not None:
            a = a * sign
        h_col = jax.lax.dynamic_index_in_dim(h, k, axis=1, keepdims=False) + self.transfer_lr * a / self._dev_c.dw_min
        n_col = jnp.clip(jnp.trunc(h_col), -self.max_pulses, self.max_pulses)
        n = jnp.zeros((n_out, n_in), jnp.int32).at[:, k].set(n_col.astype(jnp.int32))
        c_cells = self._dev_c.pulse(c_cells, n, key=k_pulse)
        h = h.at[:, k].set(h_col - n_col)
        return c_cells, h, jnp.abs(n)

    def _samples(self, arrays, h, step, x, d, key, chopper=None):
        """The per-sample loop: `A` pulsed with each sample's update, a column transfer every `transfer_every`
        samples. `chopper`: `None` (plain TTv2), or `(signs, state, flip)`: the update of `A` and the transfer
        read are multiplied by the in/out signs `signs(state) -> (c_in, c_out)`, and after the transfer of column
        `k` in sweep `s` the state becomes `flip(state, k, s, key)`.

        **Returns:**

        `(a_cells, c_cells, h, step, pulses_a, pulses_c, transfers, chopper_state)`.
        """
        shape = shape_of(arrays[0])
        zero = jnp.zeros(shape, jnp.int32)
        signs, chop0, flip = chopper if chopper is not None else (None, (), None)

        def one(carry, inputs):
            a_cells, c_cells, h, step, pa, pc, n_tr, chop = carry
            xb, db, kb = inputs
            k_a, k_t = jr.split(kb)
            if signs is not None:
                c_in, c_out = signs(chop)
                xb, db = xb * c_in, db * c_out
            a_cells, pulses = pulse_batch(self.device, self.pulse, a_cells, xb[None], db[None], self.lr,
                                          self.t_sample_s, key=k_a)
            c_cells = leak(self._dev_c, c_cells, self.t_sample_s)
            due = (step + 1) % self.transfer_every == 0
            t = step // self.transfer_every
            k = t % shape[1]

            def transfer():
                sign = None if signs is None else signs(chop)[0][k] * signs(chop)[1]
                c_new, h_new, p = self._transfer(a_cells, c_cells, h, k, k_t, sign)
                chop_new = chop if flip is None else flip(chop, k, t // shape[1], jr.fold_in(k_t, 1))
                return c_new, h_new, p, chop_new

            c_cells, h, pulses_c, chop = jax.lax.cond(due, transfer, lambda: (c_cells, h, zero, chop))
            return (a_cells, c_cells, h, step + 1, pa + pulses, pc + pulses_c, n_tr + due, chop), None

        init = (*arrays, h, step, zero, zero, jnp.int32(0), chop0)
        keys = jr.split(key, x.shape[0])
        out, _ = jax.lax.scan(one, init, (x, d, keys))
        return out

    def _counts(self, counts, shape, batch, pa, pc, n_tr):
        counts = counts.add_forward_backward(batch, *shape).add_pulses(0, pa).add_pulses(1, pc)
        return counts.add(transfer_reads=n_tr, dac_transfer=n_tr * shape[1], adc_transfer=n_tr * shape[0],
                          digital_ops=n_tr * 2 * shape[0])

    def update(self, state: InsituState, x: jax.Array, d: jax.Array, *, key) -> InsituState:
        """Train on a batch (`x` `(batch, in)`, `d` `(batch, out)` = `dL/dy` per sample)."""
        shape = shape_of(state.arrays[0])
        check_batch(x, d, shape)
        a_cells, c_cells, h, step, pa, pc, n_tr, _ = self._samples(state.arrays, state.buffer, state.step, x, d, key)
        counts = self._counts(state.counts, shape, x.shape[0], pa, pc, n_tr)
        return InsituState((a_cells, c_cells), h, step, counts)
