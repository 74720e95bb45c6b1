"""The device interface: how a target conductance becomes a programmed cell and how a cell reads over time."""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax

from .._custom_types import PRNGKeyArray


class AbstractDevice(eqx.Module):
    """A memory device that stores one conductance per cell.

    Subclasses implement two pure, elementwise functions:

    - `program(g_target, *, key) -> cells`: write target conductances (uS, any shape, within
      `[g_min_us, g_max_us]`). Returns a pytree of arrays of the same shape with at least `.g`, the
      conductance right after programming (uS). Anything needed later (drift exponents, relaxation draws) is sampled
      here, once per programming.
    - `read(cells, t_seconds, *, key) -> g`: the conductance `t_seconds` after programming (uS). Persistent
      changes (drift, relaxation) are deterministic functions of `cells` and `t`; `key` only drives the noise
      of this read, so reading the same cells twice at the same `t` gives the same drift and independent noise.

    Every device has the fields `g_min_us` and `g_max_us`: the programmable conductance range (uS).
    """

    g_min_us: eqx.AbstractVar[Any]
    g_max_us: eqx.AbstractVar[Any]

    @abc.abstractmethod
    def program(self, g_target: jax.Array, *, key: PRNGKeyArray | None) -> Any:
        """Program target conductances.

        **Arguments:**

        - `g_target`: target conductances (uS), any shape, within `[g_min_us, g_max_us]`.
        - `key`: draws the programming noise; required when the device is `stochastic`.

        **Returns:**

        The cells: a pytree of arrays shaped like `g_target`, with at least `.g` (uS).
        """
        raise NotImplementedError

    @abc.abstractmethod
    def read(self, cells: Any, t_seconds, *, key: PRNGKeyArray | None) -> jax.Array:
        """Read programmed cells.

        **Arguments:**

        - `cells`: what `program` returned.
        - `t_seconds`: time since programming (s).
        - `key`: draws the noise of this read; required when the device is `stochastic`.

        **Returns:**

        The conductances (uS) at `t_seconds`, shaped like `cells.g`.
        """
        raise NotImplementedError

    @property
    @abc.abstractmethod
    def stochastic(self) -> bool:
        """Whether `program`/`read` draw random numbers (and so need a key)."""
        raise NotImplementedError


class AbstractPulsedDevice(eqx.Module):
    """A memory device whose cells are *updated* in place by voltage pulses: the update contract used by in-situ
    training (`analogsim.insitu`), next to the `program`/`read` contract of `AbstractDevice`.

    A pulsed device holds one weight per cell in the device's own units (for example `[w_min, w_max] = [-1, 1]`), not
    a conductance: one up or down pulse changes a cell's weight by a step that depends on the cell's state (constant,
    soft bounds, exponential, power law, leaky capacitor), as in the pulsed device models of IBM aihwkit
    (M. J. Rasch et al., "A flexible and fast PyTorch toolkit for simulating training and inference on analog
    crossbar arrays", AICAS 2021, arXiv:2104.02184). Subclasses implement two pure, elementwise functions:

    - `init(shape, *, key) -> cells`: a fresh array of `shape` cells, all weights at 0. The device-to-device spread
      of every parameter (step size, up/down asymmetry, bounds) is drawn here, once per array, from `key`; with all
      spreads 0 nothing is drawn and `key` may be `None`. `cells.w` holds the weights.
    - `pulse(cells, n, *, key) -> cells`: apply `|n|` pulses to each cell, one after the other (`n` an integer
      array of the cells' shape: `n > 0` up pulses, `n < 0` down pulses, `0` leaves the cell alone). `key` drives
      the cycle-to-cycle noise of each pulse and the write noise; it may be `None` only for a noiseless device.
    - `pulse_counts(cells, n_up, n_down, var_up, var_down, *, key) -> cells`: the fast path: random numbers of up and
      down pulses per cell, given by their means and variances (float arrays of the cells' shape), interleaved, at
      O(1) cost per cell where the model has a closed form (the update pass of a whole batch at once).

    Every pulsed device has `dw_min`, the mean step of one pulse at `w = 0` (the weight granularity of the array).
    """

    dw_min: eqx.AbstractVar[Any]

    @abc.abstractmethod
    def init(self, shape: tuple[int, ...], *, key: PRNGKeyArray | None) -> Any:
        raise NotImplementedError

    @abc.abstractmethod
    def pulse(self, cells: Any, n: jax.Array, *, key: PRNGKeyArray | None) -> Any:
        raise NotImplementedError

    @abc.abstractmethod
    def pulse_counts(self, cells: Any, n_up: jax.Array, n_down: jax.Array, var_up: jax.Array, var_down: jax.Array,
                     *, key: PRNGKeyArray | None) -> Any:
        raise NotImplementedError
