"""What an in-situ optimizer carries between steps, what it counts, and the analog reads it does."""

from __future__ import annotations

from typing import Any, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from .. import _random
from .._converters import ADC, DAC
from ..devices.base import AbstractPulsedDevice


class Counts(NamedTuple):
    """What the hardware did, summed over every update so far (the input of `analogsim.cost`).

    Pulses are exact int32 counts per cell; the other counts are float32 totals (exact up to 2^24 operations of
    one kind per update, and to 7 significant digits beyond).

    **Attributes:**

    - `pulses`: one int32 array per analog array of the optimizer (the weight's shape), the number of pulses each
      cell has received (up and down): the endurance budget. `max` over it is the most-pulsed cell.
    - `samples`: samples processed (rank-one updates).
    - `transfer_reads`: column reads of a transfer (Tiki-Taka).
    - `dac_forward`, `adc_forward`, `dac_backward`, `adc_backward`: conversions of the forward pass (one DAC per
      input, one ADC per output, per sample) and of the backward pass through the transpose (one DAC per output,
      one ADC per input, per sample), counted for every sample the optimizer is given.
    - `dac_transfer`, `adc_transfer`: conversions of the transfer reads (one DAC per input of the one-hot read
      vector, one ADC per output, per column read).
    - `digital_ops`: digital multiply-adds of the accumulators (mixed precision's outer products, Tiki-Taka's
      filter `H`, each threshold test).
    """

    pulses: tuple
    samples: jax.Array
    transfer_reads: jax.Array
    dac_forward: jax.Array
    adc_forward: jax.Array
    dac_backward: jax.Array
    adc_backward: jax.Array
    dac_transfer: jax.Array
    adc_transfer: jax.Array
    digital_ops: jax.Array

    @classmethod
    def zeros(cls, shape: tuple[int, int], n_arrays: int) -> Counts:
        pulses = tuple(jnp.zeros(shape, jnp.int32) for _ in range(n_arrays))
        # One buffer per field, so that a state holding them can be donated to a jitted step.
        return cls(pulses, *(jnp.zeros((), jnp.float32) for _ in cls._fields[1:]))

    def add(self, **increments) -> Counts:
        return self._replace(**{k: getattr(self, k) + jnp.asarray(v, jnp.float32) for k, v in increments.items()})

    def add_forward_backward(self, batch, n_out: int, n_in: int) -> Counts:
        """The conversions of `batch` forward and backward reads of an `(n_out, n_in)` array."""
        return self.add(samples=batch, dac_forward=batch * n_in, adc_forward=batch * n_out,
                        dac_backward=batch * n_out, adc_backward=batch * n_in)

    def add_pulses(self, index: int, n: jax.Array) -> Counts:
        pulses = list(self.pulses)
        pulses[index] = pulses[index] + jnp.abs(n).astype(jnp.int32)
        return self._replace(pulses=tuple(pulses))

    @property
    def max_pulses_per_cell(self) -> jax.Array:
        """The most pulses any one cell of any array has received."""
        return jnp.max(jnp.stack([jnp.max(p) for p in self.pulses]))

    @property
    def pulses_total(self) -> jax.Array:
        """All pulses fired, over every array (float32)."""
        return sum(jnp.sum(p.astype(jnp.float32)) for p in self.pulses)


class InsituState(NamedTuple):
    """The state of an in-situ optimizer: a pytree, so it can be jitted, vmapped over seeds and checkpointed.

    **Attributes:**

    - `arrays`: the device states (`PulsedCells` or the device's own cells), one per analog array.
    - `buffer`: the digital accumulator (mixed precision's `chi`, Tiki-Taka's `H`), or a `(0,)` array; with a
      digital optax transform (`MixedPrecision(digital=...)`) the pair `(chi, optax_state)`.
    - `step`: the number of samples seen (int32), which drives Tiki-Taka's transfer schedule.
    - `counts`: the `Counts` so far.
    """

    arrays: tuple
    buffer: jax.Array
    step: jax.Array
    counts: Counts


class AnalogIO(eqx.Module):
    """The periphery of an array's reads: DAC on the inputs, Gaussian output noise, ADC on the outputs.

    **Arguments:**

    - `dac`: the input converter (`analogsim.DAC`), or `None` for ideal inputs. Default 7 bits (aihwkit's
      `inp_res = 1 / (2^7 - 2)`), scaled per input vector.
    - `adc`: the output converter (`analogsim.ADC`), or `None` for ideal outputs. Default 9 bits, bound 12
      (aihwkit's `out_res = 1 / (2^9 - 2)`, `out_bound = 12`).
    - `out_noise_std`: standard deviation of the additive output noise, in units of the full-scale weight times
      full-scale input. Default 0.06 (aihwkit's `out_noise`).
    """

    dac: DAC | None = DAC(bits=7)
    adc: ADC | None = ADC(bits=9, bound=12.0)
    out_noise_std: float | jax.Array = 0.06

    @classmethod
    def ideal(cls) -> AnalogIO:
        """No quantization and no noise: a read returns `W @ x` exactly."""
        return cls(dac=None, adc=None, out_noise_std=0.0)

    def read(self, w: jax.Array, x: jax.Array, *, key) -> jax.Array:
        """`w @ x` read through the array: `w` `(out, in)`, `x` `(..., in)`; returns `(..., out)`."""
        v, gain = self.dac(x) if self.dac is not None else (x, jnp.ones(x.shape[:-1] + (1,), x.dtype))
        y = v @ w.T
        if not (isinstance(self.out_noise_std, (int, float)) and self.out_noise_std == 0):
            if key is None:
                raise ValueError("AnalogIO.read adds output noise (out_noise_std > 0): pass key=...")
            y = y + self.out_noise_std * _random.normal(key, y.shape)
        if self.adc is not None:
            y = self.adc(y)
        return y * gain


def check_device(device: Any, who: str) -> None:
    if not isinstance(device, AbstractPulsedDevice):
        raise ValueError(
            f"{who} trains on devices with an update model (analogsim.devices.AbstractPulsedDevice: ConstantStep, "
            f"SoftBounds, ExpStep, PowStep, LinearStep, ...); got {type(device).__name__}, which can only be "
            "programmed and read"
        )


def check_batch(x: jax.Array, d: jax.Array, shape: tuple[int, int]) -> None:
    n_out, n_in = shape
    if x.ndim != 2 or d.ndim != 2 or x.shape[0] != d.shape[0] or x.shape[1] != n_in or d.shape[1] != n_out:
        raise ValueError(
            f"update takes a batch: x (batch, {n_in}) and d (batch, {n_out}) for a ({n_out}, {n_in}) array, "
            f"got x {x.shape} and d {d.shape}"
        )


def leak(device, cells, t_seconds):
    """Leak `cells` for `t_seconds` if the device leaks (`tau_s` set), else return them unchanged."""
    if getattr(device, "tau_s", None) is None:
        return cells
    return device.leak(cells, t_seconds)


def shape_of(cells) -> tuple[int, ...]:
    return tuple(cells.w.shape)


def pulse_to(device, cells, w0, *, key):
    """Move fresh `cells` towards the weights `w0` by `round(w0 / dw_min)` pulses (how an array is given its initial
    weights without a write-verify loop; reached exactly only by a noiseless constant-step device). These pulses are
    not counted as training pulses."""
    if w0 is None:
        return cells
    w0 = jnp.asarray(w0, jnp.float32)
    if w0.shape != shape_of(cells):
        raise ValueError(f"initial weights w0 must have the array's shape {shape_of(cells)}, got {w0.shape}")
    if key is None and not _noiseless(device):
        raise ValueError("pulsing the initial weights draws cycle-to-cycle noise: pass key=...")
    return device.pulse(cells, jnp.round(w0 / device.dw_min).astype(jnp.int32), key=key)


def _noiseless(device) -> bool:
    return all(isinstance(v, (int, float)) and v == 0 for v in
               (getattr(device, "dw_min_std", 1.0), getattr(device, "write_noise_std", 1.0)))
