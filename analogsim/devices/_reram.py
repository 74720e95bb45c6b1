from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .. import _random
from .._validate import check_conductance_range, check_int, check_key, check_nonnegative
from .base import AbstractDevice

# Polynomial fits (uS, in powers of g_T / g_max, for g_max = 40 uS) of the standard deviation of the deviation from
# the write-verify target of HfOx RRAM, from the data of Wan et al., "A compute-in-memory chip based on resistive
# random-access memory", Nature 608, 504 (2022), Extended Data Fig. 3, as fitted and published in IBM aihwkit's
# `ReRamWan2022NoiseModel`. Keys: seconds after programming.
_WAN2022_TIMES_S = (1.0, 86400.0, 172800.0)
_WAN2022_COEFFS = (
    (0.348, 16.030, -43.853, 45.393, -16.815),
    (0.701, 22.086, -50.773, 47.095, -16.458),
    (0.782, 20.274, -43.507, 37.062, -11.934),
)
_WAN2022_G_MAX_US = 40.0


class ReRAMCells(NamedTuple):
    """The state of programmed ReRAM cells."""

    g: jax.Array
    """Programmed conductance (uS): the quantized target plus write-verify error."""
    g_target: jax.Array
    """The quantized target conductance (uS)."""
    z_relax: jax.Array
    """Standard normal draw of each cell's relaxation, sampled once at programming."""


class ReRAM(AbstractDevice):
    """Resistive RAM (HfOx, 1T1R) programmed by iterative write-verify to one of `levels` conductance states.

    Model (Gaussian, state-dependent; fitted to Wan et al., Nature 608, 504 (2022) as published in IBM aihwkit's
    `ReRamWan2022NoiseModel`):

    - finite levels: the target is rounded to one of `levels` equally spaced states in `[g_min, g_max]`
      (`levels=None`: continuous);
    - programming: `g_prog = max(g_T + sigma(g_T, 1 s) N, 0)` with `sigma(g, t)` the published 4th-order
      polynomial in `g / g_max` (scaled by `g_max / 40 uS`) at t = 1 s, 1 day and 2 days;
    - relaxation: the spread grows with time; at time `t` the conductance is
      `g_prog + sqrt(max(sigma(g_T, t)^2 - sigma(g_T, 1 s)^2, 0)) z` with `z` drawn once per cell, and
      `sigma(g, t)` interpolated linearly in `log t` between the published times (held at the 2-day value
      after 2 days: there is no published data beyond);
    - read noise: fresh Gaussian noise of `read_noise_std_us` on each read (aihwkit suggests about 1 % of
      `g_max` for the short-term read noise of this data set).

    **Arguments:**

    - `g_min_us`, `g_max_us`: the programmable range (uS). Defaults 0 and 40 uS, the published fit's reference.
    - `levels`: number of programmable conductance states (>= 2), or None for continuous. Default 16 (4 bits per
      cell), a typical multi-level target for write-verify; set it to your device.
    - `prog_noise_scale`, `relax_scale`: multiply the programming and relaxation spreads (1 = published).
    - `read_noise_std_us`: standard deviation of the read noise (uS); default 0.4 uS = 1 % of g_max.
    """

    g_min_us: float | jax.Array = 0.0
    g_max_us: float | jax.Array = 40.0
    levels: int | None = eqx.field(static=True, default=16)
    prog_noise_scale: float | jax.Array = 1.0
    relax_scale: float | jax.Array = 1.0
    read_noise_std_us: float | jax.Array = 0.4

    def __check_init__(self):
        check_conductance_range(self.g_min_us, self.g_max_us, "ReRAM")
        check_int(self.levels, "ReRAM levels", minimum=2, allow_none=True)
        check_nonnegative(self, ("prog_noise_scale", "relax_scale", "read_noise_std_us"))

    @property
    def stochastic(self) -> bool:
        return True

    def quantize_target(self, g_target):
        """Round `g_target` (uS) to the nearest of the `levels` programmable states (unchanged if continuous)."""
        if self.levels is None:
            return g_target
        span = self.g_max_us - self.g_min_us
        k = jnp.round((g_target - self.g_min_us) / span * (self.levels - 1))
        return self.g_min_us + k * span / (self.levels - 1)

    def sigma_us(self, g_target, t_seconds):
        """Spread of the deviation from target (uS) `t_seconds` after programming (t <= 1 s: the 1 s value)."""
        g_hat = g_target / self.g_max_us
        sig = [sum(c * g_hat**i for i, c in enumerate(cs)) for cs in _WAN2022_COEFFS]
        sig = [jnp.maximum(s, 0.0) * (self.g_max_us / _WAN2022_G_MAX_US) for s in sig]
        logt = jnp.log(jnp.maximum(jnp.asarray(t_seconds, jnp.float32), 1.0))
        lt = np.log(np.asarray(_WAN2022_TIMES_S))
        a1 = jnp.clip((logt - lt[0]) / (lt[1] - lt[0]), 0.0, 1.0)
        a2 = jnp.clip((logt - lt[1]) / (lt[2] - lt[1]), 0.0, 1.0)
        return jnp.where(logt <= lt[1], sig[0] + a1 * (sig[1] - sig[0]), sig[1] + a2 * (sig[2] - sig[1]))

    def program(self, g_target, *, key) -> ReRAMCells:
        """Write-verify `g_target` (uS): quantize to the levels, add the 1 s programming spread, draw each cell's
        relaxation."""
        if key is None:
            raise ValueError("ReRAM.program is stochastic: pass key=...")
        check_key(key)
        prog_key, relax_key = jr.split(key)
        g_t = self.quantize_target(jnp.asarray(g_target, jnp.float32))
        std = self.sigma_us(g_t, 1.0) * self.prog_noise_scale
        g = jnp.maximum(g_t + std * _random.normal(prog_key, g_t.shape), 0.0)
        return ReRAMCells(g=g, g_target=g_t, z_relax=_random.normal(relax_key, g_t.shape))

    def read(self, cells: ReRAMCells, t_seconds, *, key) -> jax.Array:
        """Conductance (uS) `t_seconds` after programming: relaxation of this time plus fresh read noise."""
        if key is None:
            raise ValueError("ReRAM.read is stochastic (read noise): pass key=...")
        check_key(key)
        s0 = self.sigma_us(cells.g_target, 1.0)
        st = self.sigma_us(cells.g_target, t_seconds)
        relax = jnp.sqrt(jnp.maximum(st**2 - s0**2, 0.0)) * self.relax_scale
        noise = _random.normal(key, cells.g.shape)
        return jnp.maximum(cells.g + relax * cells.z_relax + self.read_noise_std_us * noise, 0.0)
