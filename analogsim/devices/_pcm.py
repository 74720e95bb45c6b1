from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import jax.random as jr

from .. import _random
from .._validate import check, check_key, check_nonnegative
from .base import AbstractDevice


def _prog_poly(g_hat):
    """The programming-noise fit of Nandakumar et al. (2019) in units of uS at `g_max = 25 uS`, as a polynomial of
    the normalized target conductance `g_hat = g_target / g_max`."""
    return 0.26348 + 1.9650 * g_hat - 1.1731 * g_hat**2


class PCMCells(NamedTuple):
    """The state of programmed PCM cells."""

    g: jax.Array
    """Programmed conductance (uS), after programming noise."""
    nu: jax.Array
    """Drift exponent of each cell, sampled once at programming."""


class PCM(AbstractDevice):
    """Phase-change memory: the statistical model published with IBM aihwkit (`PCMLikeNoiseModel`).

    Fitted to a million-device doped-GST mushroom PCM array in 90 nm CMOS: Nandakumar et al., "Phase-change
    memory models for deep learning training and inference", ICECS 2019, and Joshi et al., "Accurate deep neural
    network inference using computational phase-change memory", Nature Communications 11, 2473 (2020). With
    `g_hat = g_T / g_max`:

    - programming noise: `std = (0.26348 + 1.9650 g_hat - 1.1731 g_hat^2) * g_max / 25` uS,
      `g_prog = max(g_T + std N, 0)`;
    - drift exponent, sampled once per cell: `nu = |mu + sd N|` with `g_rel = max(g_T / g_max, 1e-7)`,
      `mu = clip(-0.0155 ln g_rel + 0.0244, 0.049, 0.1)`, `sd = clip(-0.0125 ln g_rel - 0.0059, 0.008, 0.045)`;
    - drift: `g_drift = g_prog ((t + t0) / t0)^(-nu)`;
    - accumulated 1/f read noise: `Q_s = min(0.0088 / max((g_prog / g_max)^0.65, 1e-3), 0.2)`,
      `sigma = Q_s sqrt(ln((t + t0 + t_read) / (2 t_read)))`, `g(t) = max(g_drift + |g_drift| sigma N, 0)`.

    **Arguments:**

    - `g_max_us`: maximum conductance (uS); default 25 uS (aihwkit's).
    - `g_min_us`: minimum conductance (uS); 0 in the published model.
    - `t0_s`: time (s) after programming at which drift is referenced; default 20 s (aihwkit's).
    - `t_read_s`: duration of one read (s), which sets the 1/f noise bandwidth; default 250 ns (aihwkit's).
    - `prog_noise_scale`, `drift_scale`, `read_noise_scale`: multiply the programming noise, the drift exponents
      and the read noise (1 = the published model).
    """

    g_max_us: float | jax.Array = 25.0
    g_min_us: float | jax.Array = 0.0
    t0_s: float | jax.Array = 20.0
    t_read_s: float | jax.Array = 250e-9
    prog_noise_scale: float | jax.Array = 1.0
    drift_scale: float | jax.Array = 1.0
    read_noise_scale: float | jax.Array = 1.0

    def __check_init__(self):
        check(lambda g: g > 0, self.g_max_us, "PCM g_max_us must be > 0")
        check(lambda g: g == 0, self.g_min_us, "PCM g_min_us is 0 in the published model")
        check(lambda t: t > 0, self.t0_s, "PCM t0_s must be > 0")
        check(lambda t: t > 0, self.t_read_s, "PCM t_read_s must be > 0")
        check_nonnegative(self, ("prog_noise_scale", "drift_scale", "read_noise_scale"))

    @property
    def stochastic(self) -> bool:
        return True

    def prog_std_us(self, g_target):
        """Standard deviation (uS) of the programming noise at target conductance `g_target` (uS):
        `(0.26348 + 1.9650 g_hat - 1.1731 g_hat^2) * g_max / 25 * prog_noise_scale` with `g_hat = g_target / g_max`.
        """
        return _prog_poly(g_target / self.g_max_us) * (self.g_max_us / 25.0) * self.prog_noise_scale

    def relative_prog_std(self, g_hat):
        """The shape of the programming noise: its standard deviation at `g_hat = g_target / g_max` (in `[0, 1]`)
        divided by its value at `g_max`, so 1 at `g_hat = 1`. Independent of `g_max_us` and `prog_noise_scale`;
        `analogsim.nn.HWANoise(kind="pcm")` draws its training noise with this shape."""
        return _prog_poly(g_hat) / _prog_poly(1.0)

    def drift_mu_sd(self, g_target):
        """Mean and spread of the drift exponent `nu` at target conductance `g_target` (uS)."""
        log_g = jnp.log(jnp.maximum(g_target / self.g_max_us, 1e-7))
        mu = jnp.clip(-0.0155 * log_g + 0.0244, 0.049, 0.1)
        sd = jnp.clip(-0.0125 * log_g - 0.0059, 0.008, 0.045)
        return mu, sd

    def read_noise_q(self, g_prog):
        """The 1/f read-noise amplitude `Q_s` of cells programmed to `g_prog` (uS)."""
        ratio = jnp.abs(g_prog) / self.g_max_us
        # ratio ** 0.65 written as exp(0.65 log ratio) with the 1e-3 floor applied before the log.
        powed = jnp.exp(0.65 * jnp.log(jnp.maximum(ratio, 1e-3 ** (1 / 0.65))))
        return jnp.minimum(0.0088 / jnp.maximum(powed, 1e-3), 0.2)

    def program(self, g_target, *, key) -> PCMCells:
        """Program `g_target` (uS): add programming noise, draw each cell's drift exponent."""
        if key is None:
            raise ValueError("PCM.program is stochastic: pass key=...")
        check_key(key)
        prog_key, drift_key = jr.split(key)
        g_target = jnp.asarray(g_target, jnp.float32)
        g = jnp.maximum(g_target + self.prog_std_us(g_target) * _random.normal(prog_key, g_target.shape), 0.0)
        mu, sd = self.drift_mu_sd(g_target)
        nu = jnp.abs(mu + sd * _random.normal(drift_key, g_target.shape)) * self.drift_scale
        return PCMCells(g=g, nu=nu)

    def read(self, cells: PCMCells, t_seconds, *, key) -> jax.Array:
        """Conductance (uS) `t_seconds` after programming: drift plus accumulated 1/f read noise."""
        if key is None:
            raise ValueError("PCM.read is stochastic (1/f read noise): pass key=...")
        check_key(key)
        t = jnp.asarray(t_seconds, jnp.float32)
        log_t = jnp.log((t + self.t0_s) / self.t0_s)
        g_drift = cells.g * jnp.exp(-cells.nu * log_t)
        sigma = self.read_noise_q(cells.g) * jnp.sqrt(
            jnp.log((t + self.t0_s + self.t_read_s) / (2 * self.t_read_s))
        )
        noise = _random.normal(key, cells.g.shape)
        return jnp.maximum(g_drift + jnp.abs(g_drift) * sigma * self.read_noise_scale * noise, 0.0)
