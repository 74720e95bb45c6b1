"""Digital-to-analog and analog-to-digital converters.

Both are uniform, symmetric, mid-tread quantizers with saturation, as in IBM aihwkit's ``IOParameters`` (``inp_res``,
``inp_bound``, ``out_res``, ``out_bound``): with ``bits = n >= 2`` the levels are ``k * bound / (2**(n-1) - 1)`` for
integer ``|k| <= 2**(n-1) - 1`` (zero is exact, ``2**n - 1`` levels); ``bits = 1`` is a sign converter with levels
``{-bound, +bound}``; ``bits=None`` means an ideal converter (no quantization). Rounding uses a straight-through
estimator (the gradient of the rounding is taken as 1) and clipping has its natural gradient (0 outside the range), so
networks can be trained through the converters.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ._validate import check, check_int


def quantize(x: jax.Array, bits: int | None, bound) -> jax.Array:
    """Clip ``x`` to ``[-bound, bound]`` (if ``bound`` is not None) and round to the converter levels.

    Straight-through gradient for the rounding; ``bits=None`` only clips.
    """
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


class DAC(eqx.Module):
    """Input digital-to-analog converter (one per crossbar row).

    Attributes:
        bits: resolution; ``None`` means ideal (no quantization). ``bits=1`` is a sign (binary) driver.
        bound: full-scale input: inputs are clipped to ``[-bound, bound]``; ``None`` (only with ``bits=None``)
            means no clipping.
        scale_inputs: if True, each input vector is first divided digitally by its own ``max |x|`` so that it
            spans the full DAC range, and the outputs are multiplied back (aihwkit's ``NoiseManagementType.ABS_MAX``).
            This makes the analog result independent of the input magnitude. Ignored for an ideal DAC.
    """

    bits: int | None = eqx.field(static=True, default=8)
    bound: float | jax.Array | None = 1.0
    scale_inputs: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        check_int(self.bits, "DAC bits", minimum=1, allow_none=True)
        if self.bound is None:
            if self.bits is not None:
                raise ValueError("a quantizing DAC (bits not None) needs a finite bound > 0, got bound=None")
        else:
            check(lambda b: b > 0, self.bound, "DAC bound must be > 0")
        if not isinstance(self.scale_inputs, bool):
            raise ValueError(f"DAC scale_inputs must be a bool, got {self.scale_inputs!r}")

    @property
    def ideal(self) -> bool:
        return self.bits is None and self.bound is None

    def __call__(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Convert digital inputs ``x`` (..., in) to normalized analog drive levels in [-1, 1].

        Returns ``(v, gain)``: the analog drive ``v`` (same shape as ``x``) and the digital gain (..., 1) by which
        the analog output must be multiplied to restore the units of ``x``.
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

    The analog value it sees is the column current in normalized units: ``sum_i w_i v_i`` with the weights
    normalized to ``[-1, 1]`` (``g_max`` maps to 1) and the inputs to ``[-1, 1]`` (DAC full scale maps to 1).

    Attributes:
        bits: resolution; ``None`` means ideal (no quantization).
        bound: saturation level in normalized units (default 12, aihwkit's default ``out_bound``); ``None`` (only
            with ``bits=None``) means no clipping.
        noise_std: standard deviation of Gaussian noise added to each tile output before conversion, in
            normalized units (aihwkit's ``out_noise``); ``None`` means no output noise.
    """

    bits: int | None = eqx.field(static=True, default=8)
    bound: float | jax.Array | None = 12.0
    noise_std: float | jax.Array | None = None

    def __check_init__(self):
        check_int(self.bits, "ADC bits", minimum=1, allow_none=True)
        if self.bound is None:
            if self.bits is not None:
                raise ValueError("a quantizing ADC (bits not None) needs a finite bound > 0, got bound=None")
        else:
            check(lambda b: b > 0, self.bound, "ADC bound must be > 0")
        if self.noise_std is not None:
            check(lambda s: s >= 0, self.noise_std, "ADC noise_std must be >= 0")

    @property
    def ideal(self) -> bool:
        return self.bits is None and self.bound is None and self.noise_std is None

    def __call__(self, y: jax.Array) -> jax.Array:
        """Convert (already noisy) analog tile outputs ``y`` to digital values."""
        bound = None if self.bound is None else jnp.asarray(self.bound, y.dtype)
        return quantize(y, self.bits, bound)
