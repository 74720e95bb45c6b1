"""Digital-to-analog and analog-to-digital converters.

Both are uniform, symmetric, mid-tread quantizers with saturation, as in IBM aihwkit's `IOParameters` (`inp_res`,
`inp_bound`, `out_res`, `out_bound`): with `bits = n >= 2` the levels are `k * bound / (2**(n-1) - 1)` for
integer `|k| <= 2**(n-1) - 1` (zero is exact, `2**n - 1` levels); `bits = 1` is a sign converter with levels
`{-bound, +bound}`; `bits=None` means an ideal converter (no quantization). Rounding uses a straight-through
estimator (the gradient of the rounding is taken as 1) and clipping has its natural gradient (0 outside the range), so
networks can be trained through the converters.

Resolutions are limited to `1 <= bits <= MAX_BITS` (24): the levels are float32 numbers, and float32 has a 24-bit
significand, so a finer converter would have levels that float32 cannot tell apart.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from . import _random
from ._custom_types import PRNGKeyArray
from ._validate import check, check_int, check_key

MAX_BITS = 24
"""The largest converter resolution: float32 (the simulator's precision) has a 24-bit significand."""


def quantize(x: jax.Array, bits: int | None, bound) -> jax.Array:
    """Clip `x` to `[-bound, bound]` (if `bound` is not None) and round to the converter levels.

    **Arguments:**

    - `x`: the values to convert.
    - `bits`: resolution, an int in `[1, 24]`, or `None` to only clip.
    - `bound`: full scale (same units as `x`), `> 0`, or `None` for no clipping (only with `bits=None`).

    **Returns:**

    The quantized values, same shape as `x`, with a straight-through gradient for the rounding.

    Raises `ValueError` for `bits` outside `[1, 24]`, a `bound <= 0` (checked when `bound` is not traced), or
    `bits` without a `bound`.
    """
    _check_bits_bound(bits, bound, "quantize")
    if bound is not None:
        x = jnp.clip(x, -bound, bound)
    if bits is None:
        return x
    if bits == 1:
        q = jnp.where(x >= 0, bound, -bound).astype(x.dtype)
    else:
        n = 2 ** (bits - 1) - 1
        step = bound / n
        q = jnp.round(x / step) * step
    return x + jax.lax.stop_gradient(q - x)


def _check_bits_bound(bits, bound, name: str) -> None:
    """Shared validation of a converter's resolution and full scale."""
    check_int(bits, f"{name} bits (levels are float32 numbers: at most {MAX_BITS} bits)", minimum=1,
              maximum=MAX_BITS, allow_none=True)  # fmt: skip
    if bound is None:
        if bits is not None:
            raise ValueError(f"a quantizing {name} (bits not None) needs a finite bound > 0, got bound=None")
    else:
        check(lambda b: (b > 0) & np.isfinite(b), bound, f"{name} bound must be finite and > 0")


class DAC(eqx.Module):
    """Input digital-to-analog converter (one per crossbar row).

    **Arguments:**

    - `bits`: resolution, an int in `[1, 24]`; `None` means ideal (no quantization). `bits=1` is a sign (binary)
      driver.
    - `bound`: full-scale input: inputs are clipped to `[-bound, bound]`; `None` (only with `bits=None`) means no
      clipping.
    - `scale_inputs`: if True, each input vector is first divided digitally by its own `max |x|` so that it spans
      the full DAC range, and the outputs are multiplied back (aihwkit's `NoiseManagementType.ABS_MAX`). This makes
      the analog result independent of the input magnitude. Ignored for an ideal DAC.
    """

    bits: int | None = eqx.field(static=True, default=8)
    bound: float | jax.Array | None = 1.0
    scale_inputs: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        _check_bits_bound(self.bits, self.bound, "DAC")
        if not isinstance(self.scale_inputs, bool):
            raise ValueError(f"DAC scale_inputs must be a bool, got {self.scale_inputs!r}")

    @property
    def ideal(self) -> bool:
        """Whether the converter passes its inputs through unchanged (no quantization, no clipping)."""
        return self.bits is None and self.bound is None

    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Convert digital inputs to normalized analog drive levels in `[-1, 1]`.

        **Arguments:**

        - `x`: digital inputs, `(..., in)`.

        **Returns:**

        `(v, gain)`: the analog drive `v` (same shape as `x`) and the digital gain `(..., 1)` by which the analog
        output must be multiplied to restore the units of `x`.
        """
        if self.ideal:
            return x, jnp.ones(x.shape[:-1] + (1,), x.dtype)
        bound = jnp.asarray(self.bound, x.dtype) if self.bound is not None else jnp.asarray(1.0, x.dtype)
        if self.scale_inputs:
            m = jnp.max(jnp.abs(x), axis=-1, keepdims=True)
            m = jnp.where(m > 0, m, jnp.ones_like(m))
            xs = x / m * bound
            gain = m / bound
        else:
            xs = x
            gain = jnp.ones(x.shape[:-1] + (1,), x.dtype)
        q = quantize(xs, self.bits, bound)
        return q / bound, gain * bound


class ADC(eqx.Module):
    """Output analog-to-digital converter, one conversion per tile output (per column per tile).

    The analog value it sees is the column current in normalized units: `sum_i w_i v_i` with the weights
    normalized to `[-1, 1]` (`g_max` maps to 1) and the inputs to `[-1, 1]` (DAC full scale maps to 1).

    **Arguments:**

    - `bits`: resolution, an int in `[1, 24]`; `None` means ideal (no quantization).
    - `bound`: saturation level in normalized units (default 12, aihwkit's default `out_bound`); `None` (only with
      `bits=None`) means no clipping.
    - `noise_std`: standard deviation of Gaussian noise added to each tile output before conversion, in normalized
      units (aihwkit's `out_noise`); `None` means no output noise.
    """

    bits: int | None = eqx.field(static=True, default=8)
    bound: float | jax.Array | None = 12.0
    noise_std: float | jax.Array | None = None

    def __check_init__(self):
        _check_bits_bound(self.bits, self.bound, "ADC")
        if self.noise_std is not None:
            check(lambda s: (s >= 0) & np.isfinite(s), self.noise_std, "ADC noise_std must be finite and >= 0")

    @property
    def ideal(self) -> bool:
        """Whether the converter passes its inputs through unchanged (no noise, quantization or clipping)."""
        return self.bits is None and self.bound is None and self.noise_std is None

    def __call__(
        self,
        y: jax.Array,
        *,
        key: PRNGKeyArray | None = None,
        noise_variance: jax.Array | None = None,
    ) -> jax.Array:
        """Convert analog tile outputs to digital values: add the output noise, then clip and round.

        The output noise is one Gaussian per output with variance `noise_std^2 + noise_variance`: the ADC's own
        noise plus the noise that arrived with the analog value (the per-MVM read noise of the array, see
        `analogsim.ReadNoise.variance`). Independent Gaussian sources add up to one Gaussian, so one draw per
        output covers them all.

        **Arguments:**

        - `y`: analog outputs in normalized units, any shape.
        - `key`: draws the output noise; required when there is any (`noise_std` or `noise_variance` given).
        - `noise_variance`: variance of the noise already on `y` but not yet sampled, broadcastable to `y`, or
          `None`.

        **Returns:**

        The digital values, same shape as `y`.
        """
        if self.noise_std is not None or noise_variance is not None:
            if key is None:
                raise ValueError("this ADC conversion is noisy (ADC noise_std or read noise): pass key=...")
            check_key(key)
            var = jnp.zeros((), y.dtype)
            if self.noise_std is not None:
                var = var + jnp.asarray(self.noise_std, y.dtype) ** 2
            if noise_variance is not None:
                var = var + noise_variance
            y = y + jnp.sqrt(jnp.maximum(var, 1e-30)) * _random.normal(key, y.shape)
        bound = None if self.bound is None else jnp.asarray(self.bound, y.dtype)
        return quantize(y, self.bits, bound)
