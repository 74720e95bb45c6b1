from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp

from .. import _random
from .._validate import check, check_conductance_range, check_int
from .base import AbstractDevice


class GainCellCells(NamedTuple):
    """The state of written gain cells."""

    g: jax.Array
    """Conductance right after the write (uS): the quantized target plus write noise."""


class GainCell(AbstractDevice):
    """A gain cell (analog CMOS / oxide-semiconductor dynamic memory): a write transistor charges a storage capacitor
    whose voltage sets the conductance of a read transistor. Written at run time (for example the keys and values of
    self-attention, one token per step), read many times, and leaky: the stored charge decays between write and read.

    The cell is modelled after the gain-cell attention arrays of N. Leroux, P.-P. Manea, C. Sudarshan, J. Finkbeiner,
    S. Siegel, J. P. Strachan and E. Neftci, "Analog in-memory computing attention mechanism for fast and
    energy-efficient large language models", Nature Computational Science 5 (2025), arXiv:2409.19315, where keys and
    values are stored as capacitor voltages with 8 levels (3-bit K/V), queries are applied with 16 levels (4-bit) and
    the attention outputs are read with 32 levels (5-bit), and where sliding-window attention bounds how long a value
    must be retained. The model here:

    - limited resolution: the target conductance is rounded to one of `2**bits` equally spaced levels in
      `[g_min_us, g_max_us]` (`bits=None`: continuous). `bits=3` (the default) is the 8-level K/V storage of
      Leroux et al. ("quantized in 8 levels between 0 and 0.9"); `analogsim.nn.AttentionConfig` stores a signed
      value in one such cell with an offset and a reference cell, or in a differential pair of two cells
      (`2**(bits + 1) - 1` signed levels);
    - write noise: `g_w = clip(g_q + write_noise_std (g_max - g_min) N, g_min, g_max)`, drawn once per write;
    - retention: the storage node leaks towards the off state, so `t` seconds after the write
      `g(t) = g_min + (g_w - g_min) exp(-t / tau_s)`, deterministic (no key needed to read).

    Defaults: `write_noise_std` and `tau_s` are *illustrative*, not published figures: the paper above does not
    give one number for either (retention depends on the cell technology: Si CMOS gain cells hold charge for
    microseconds to milliseconds, oxide-semiconductor ones much longer). Set them to your cell. Only ratios of
    conductances matter to the arrays built on this device, so `g_max_us = 1` is a normalization, not a
    measurement.

    **Arguments:**

    - `g_min_us`, `g_max_us`: conductance range (uS).
    - `bits`: bits per cell (levels `2**bits`), or None for continuous.
    - `write_noise_std`: standard deviation of the write noise as a fraction of `g_max - g_min`.
    - `tau_s`: retention time constant (s) of the exponential decay.
    """

    g_min_us: float | jax.Array = 0.0
    g_max_us: float | jax.Array = 1.0
    bits: int | None = eqx.field(static=True, default=3)
    write_noise_std: float | jax.Array = 0.01
    tau_s: float | jax.Array = 1e-3

    def __check_init__(self):
        check_conductance_range(self.g_min_us, self.g_max_us, "GainCell")
        check_int(self.bits, "GainCell bits", minimum=1, allow_none=True)
        check(lambda s: s >= 0, self.write_noise_std, "GainCell write_noise_std must be >= 0")
        check(lambda t: t > 0, self.tau_s, "GainCell tau_s (retention time constant, seconds) must be > 0")

    @property
    def stochastic(self) -> bool:
        # Writes are noisy unless write_noise_std is exactly 0 (a Python number: arrays are assumed noisy).
        return not (isinstance(self.write_noise_std, (int, float)) and self.write_noise_std == 0)

    def quantize_target(self, g_target: jax.Array) -> jax.Array:
        """Round `g_target` (uS) to the nearest of the `2**bits` levels (straight-through gradient)."""
        # Clip with jnp.where, not jnp.clip: a target exactly at g_max (the largest operand of a row scaled by its
        # max) keeps its full gradient (jnp.clip halves the gradient at the boundary).
        g_target = jnp.where(g_target > self.g_max_us, self.g_max_us, g_target)
        g_target = jnp.where(g_target < self.g_min_us, self.g_min_us, g_target)
        if self.bits is None:
            return g_target
        span = self.g_max_us - self.g_min_us
        n = 2**self.bits - 1
        q = self.g_min_us + jnp.round((g_target - self.g_min_us) / span * n) * span / n
        return g_target + jax.lax.stop_gradient(q - g_target)

    def retention(self, t_seconds) -> jax.Array:
        """The fraction `exp(-t / tau_s)` of the written conductance above `g_min` left after `t_seconds`."""
        return jnp.exp(-jnp.asarray(t_seconds, jnp.float32) / self.tau_s)

    def program(self, g_target, *, key) -> GainCellCells:
        """Write `g_target` (uS): quantize to the cell levels, add write noise, clip to the range."""
        g_q = self.quantize_target(jnp.asarray(g_target, jnp.float32))
        if not self.stochastic:
            return GainCellCells(g=g_q)
        if key is None:
            raise ValueError("GainCell writes are noisy (write_noise_std > 0): pass key=...")
        span = self.g_max_us - self.g_min_us
        noise = self.write_noise_std * span * _random.normal(key, g_q.shape)
        return GainCellCells(g=jnp.clip(g_q + noise, self.g_min_us, self.g_max_us))

    def read(self, cells: GainCellCells, t_seconds, *, key=None) -> jax.Array:
        """Conductance `t_seconds` after the write (deterministic leak; `key` is unused)."""
        return self.g_min_us + (cells.g - self.g_min_us) * self.retention(t_seconds)
