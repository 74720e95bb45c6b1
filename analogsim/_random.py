"""Fast counter-based random numbers for large device arrays.

Which generator for what, in `analogsim`:

- `jax.random` makes, splits and folds keys (`jr.split`, `jr.fold_in`), draws small arrays (initial weights,
  shuffles) and anything whose tails must be exact.
- `analogsim.random` (this module) draws the large noise arrays of the hardware model: programming noise, drift
  exponents, read noise, write noise, fault maps and per-MVM output noise. It is a pure function of a
  `jax.random` key, so the key discipline above is unchanged.

Simulating one 4096 x 4096 crossbar needs tens of millions of Gaussian samples per programming and per drift step.
`jax.random`'s threefry generator costs about 10 ns per sample on a 2-core CPU, which would make programming a
large array slower than IBM aihwkit. Here every sample is a pure function of `(key, flat index)`: the key is
turned into two 32-bit seeds with `jax.random.bits` (threefry, so distinct keys give independent-looking seeds),
and each element's bits come from a murmur3-style integer hash of its index. A hash is stateless, so XLA fuses the
generator into the consumer's elementwise loop and no random array is ever materialized.

The Gaussian comes from the inverse CDF: `z = sqrt(2) erfinv(2u - 1)` with `u` built from 23 random bits
centred in their bins, so `|z| <= 5.3` (tails beyond 5.3 sigma, probability 1.2e-7, are truncated). That is
ample for device-noise Monte Carlo; use `jax.random` directly when exact tails matter.

Determinism: the same key and shape always give the same array, on every backend.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.random as jr

from ._custom_types import PRNGKeyArray
from ._validate import check_key

_GOLDEN = 0x9E3779B9


def _fmix32(h: jax.Array) -> jax.Array:
    """The murmur3 32-bit finalizer: a bijection on uint32 with full avalanche."""
    h = h ^ (h >> 16)
    h = h * jnp.uint32(0x85EBCA6B)
    h = h ^ (h >> 13)
    h = h * jnp.uint32(0xC2B2AE35)
    h = h ^ (h >> 16)
    return h


def _seeds(key: PRNGKeyArray) -> tuple[jax.Array, jax.Array]:
    check_key(key)
    bits = jr.bits(key, (2,), jnp.uint32)
    return bits[0], bits[1]


def bits(key: PRNGKeyArray, shape: tuple[int, ...]) -> jax.Array:
    """Uniformly distributed `uint32` bits of the given shape, a pure function of `key`."""
    shape = tuple(int(s) for s in shape)
    n = math.prod(shape)
    if n >= 2**32:
        raise ValueError(
            f"cannot draw {n} random numbers at once (at most 2**32 - 1 per call); split the key"
        )
    s0, s1 = _seeds(key)
    i = jax.lax.iota(jnp.uint32, n).reshape(shape) if shape else jnp.zeros((), jnp.uint32)
    h = _fmix32((i ^ s0) * jnp.uint32(_GOLDEN))
    h = _fmix32(h + s1)
    return _fmix32(h ^ s0)


def uniform(key: PRNGKeyArray, shape: tuple[int, ...], dtype=jnp.float32) -> jax.Array:
    """Uniform samples in the open interval (0, 1), 24-bit resolution."""
    h = bits(key, shape)
    return (((h >> 8).astype(jnp.float32) + 0.5) * (1.0 / 2**24)).astype(dtype)


# Single-precision erfinv coefficients of M. Giles, "Approximating the erfinv function", GPU Computing Gems (2011),
# the same approximation XLA uses, highest order first.
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                   -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)  # fmt: skip
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)  # fmt: skip


# log1p(f) on f in [sqrt(1/2) - 1, sqrt(2) - 1]: degree-8 Chebyshev fit in power form, highest order first; max
# error 1.4e-7 when evaluated in float32.
_LOG1P = (-0.09719604253768921, 0.16164973378181458, -0.17360885441303253, 0.19907782971858978,
          -0.2495882660150528, 0.33334824442863464, -0.5000073909759521, 0.9999999403953552,
          2.0077646212257605e-08)  # fmt: skip
_SQRT_HALF_BITS = 0x3F3504F3  # float32 bits of sqrt(1/2)


def fast_log(y: jax.Array) -> jax.Array:
    """Natural log of positive, normal float32 `y` (no zeros, denormals, infs or NaNs): `y = 2**e (1 + f)` with
    `1 + f` in `[sqrt(1/2), sqrt(2))` read from the bits, `log1p(f)` from a polynomial. Error about 2e-7
    absolute near `y = 1` and 5e-8 relative far from it; about 1.5x faster than `jnp.log` inside XLA:CPU's fused
    loops (measured on 16.7M-element arrays)."""
    off = jnp.uint32(_SQRT_HALF_BITS)
    b = jax.lax.bitcast_convert_type(y, jnp.uint32) - off
    e = (b.astype(jnp.int32) >> 23).astype(jnp.float32)
    f = jax.lax.bitcast_convert_type((b & jnp.uint32(0x7FFFFF)) + off, jnp.float32) - 1.0
    p = jnp.float32(_LOG1P[0])
    for c in _LOG1P[1:]:
        p = p * f + jnp.float32(c)
    return p + e * jnp.float32(math.log(2.0))


def fast_erfinv(x: jax.Array) -> jax.Array:
    """erfinv on (-1, 1) (Giles 2011). Unlike `jax.scipy.special.erfinv` it takes the log of `1 - x^2` rather
    than `log1p` (exact enough here: `x` has 23-bit resolution) with the polynomial `fast_log`, and selects
    coefficients rather than branches, which XLA:CPU vectorizes about 1.4x faster."""
    w = -fast_log((1.0 - x) * (1.0 + x))
    central = w < 5.0
    arg = jnp.where(central, w - 2.5, jnp.sqrt(w) - 3.0)
    p = jnp.where(central, jnp.float32(_ERFINV_CENTRAL[0]), jnp.float32(_ERFINV_TAIL[0]))
    for a, b in zip(_ERFINV_CENTRAL[1:], _ERFINV_TAIL[1:], strict=True):
        p = jnp.where(central, jnp.float32(a), jnp.float32(b)) + p * arg
    return p * x


def normal(key: PRNGKeyArray, shape: tuple[int, ...], dtype=jnp.float32) -> jax.Array:
    """Standard normal samples (inverse-CDF transform of hashed counters; see the module docstring)."""
    h = bits(key, shape)
    u = ((h >> 9).astype(jnp.float32) + 0.5) * (1.0 / 2**22) - 1.0  # in (-1, 1), symmetric
    return (jnp.float32(math.sqrt(2.0)) * fast_erfinv(u)).astype(dtype)


_BYTES_MEAN = 4 * 255 / 2
_BYTES_STD = math.sqrt(4 * (256**2 - 1) / 12)
_QUANTILE_POLY = (0.9677649448206176, 0.0040019262144364645, 0.0019047280714562665)
"""`c0, c1, c2` of `z = s (c0 + c1 s^2 + c2 s^4)`: the weighted least-squares fit (weights: the probabilities of the
1021 values of the standardized sum `s` of four uniform bytes) of the normal quantiles at the middle of each value's
step of the sum's distribution function, `Phi^-1(F(k) - P(k) / 2)`, scaled to unit variance."""


def moment_normal(key: PRNGKeyArray, shape: tuple[int, ...]) -> jax.Array:
    """Near-normal variates at a third of `normal`'s cost, for draws where only the first moments matter (the
    moment-matched weight draw of the pulsed devices' fast update path, one per cell per batch).

    From one hashed 32-bit word per element (`bits`): the sum of its four bytes (mean 510, standard deviation
    147.8), standardized to `s`, then `z = s (c0 + c1 s^2 + c2 s^4)` (`_QUANTILE_POLY`), which carries the sum's
    near-normal distribution onto the normal one. Mean 0 and variance 1 (to 2e-9), fourth moment 2.997 (normal:
    3), distribution function within 1.8e-3 of the normal's (the sum's 1021 values are 2.7e-3 of probability
    apart at the centre), `|z| <= 4.44` (the normal exceeds it with probability 9e-6; `normal` is exact to 5.3
    sigma)."""
    h = bits(key, shape)
    total = (h & 0xFF) + ((h >> 8) & 0xFF) + ((h >> 16) & 0xFF) + (h >> 24)
    s = (total.astype(jnp.float32) - _BYTES_MEAN) * (1.0 / _BYTES_STD)
    c0, c1, c2 = _QUANTILE_POLY
    s2 = s * s
    return s * (c0 + s2 * (c1 + s2 * c2))
