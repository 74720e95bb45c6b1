"""The shared machinery of the pulsed device models: device-to-device draws, the pulse loop, leakage.

The equations are those of IBM aihwkit's `PulsedRPUDevice` (`src/rpucuda/rpu_pulsed_device.cpp`, `populate`) and of
its device models' `update_once` functions (M. J. Rasch et al., "A flexible and fast PyTorch toolkit for simulating
training and inference on analog crossbar arrays", AICAS 2021, arXiv:2104.02184), with aihwkit's sign convention
turned around: here `n > 0` means up pulses.
"""

from __future__ import annotations

import abc
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .. import _random
from .._custom_types import PRNGKeyArray
from .._validate import check, check_int, check_key, concrete
from ._closed_form import affine_moments, split_counts
from .base import AbstractPulsedDevice


class PulsedCells(NamedTuple):
    """The state of an array of pulsed cells (every field has the array's shape).

    **Attributes:**

    - `w`: the weight a read sees (device units): `hidden` plus the write noise of the last pulse.
    - `hidden`: the persistent weight the pulses act on (equal to `w` without write noise).
    - `scale_up`, `scale_down`: each cell's step of one up / down pulse at `w = 0` (device-to-device draws, >= 0).
    - `w_min`, `w_max`: each cell's bounds (device-to-device draws; `w_min <= 0 <= w_max`).
    - `aux`: a tuple of further per-cell parameters of the model (empty for most models).
    """

    w: jax.Array
    hidden: jax.Array
    scale_up: jax.Array
    scale_down: jax.Array
    w_min: jax.Array
    w_max: jax.Array
    aux: tuple = ()


def is_zero(x) -> bool:
    """Whether `x` is concretely zero everywhere (a traced value counts as non-zero)."""
    v = concrete(x)
    return v is not None and bool(np.all(v == 0))


def _check_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"shape must be a tuple of non-negative ints, got {shape!r}") from None
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"shape must be a tuple of non-negative ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def up_down_scales(dw_min, up_down, gain, r):
    """aihwkit's steps of one up and one down pulse at `w = 0` (`PulsedRPUDevice::populate`): with
    `beta = up_down`, `gain = 1 + dw_min_dtod xi` and `r = up_down_dtod xi'`, the up step is
    `dw_min (min(beta, 0) + gain + r)` and the down step `dw_min (-max(beta, 0) + gain - r)`. Returns their absolute
    values (aihwkit's `enforce_consistency`)."""
    up_bias = jnp.minimum(up_down, 0.0)
    down_bias = -jnp.maximum(up_down, 0.0)
    return jnp.abs((up_bias + gain + r) * dw_min), jnp.abs((down_bias + gain - r) * dw_min)


class AbstractStepDevice(AbstractPulsedDevice):
    """A pulsed device of the aihwkit family: per-cell step sizes and bounds drawn once per array, one `update_once`
    rule per model (`step_sizes`), cycle-to-cycle noise per pulse, write noise, optional leakage and finite levels.

    The parameters (IBM aihwkit's `PulsedDevice`, whose defaults are given where they differ from ours):

    - `dw_min`: mean step of one pulse at `w = 0` (device units). Default 0.001 (aihwkit).
    - `dw_min_dtod`: device-to-device spread of the step, relative: `gain = 1 + dw_min_dtod xi`. Default 0
      (aihwkit: 0.3).
    - `dw_min_std`: cycle-to-cycle spread of each pulse's step, relative (multiplicative): the step is
      `dw (1 + dw_min_std xi)` with a fresh `xi` per pulse. Default 0.3 (aihwkit).
    - `up_down`: systematic up/down asymmetry `beta`: `beta > 0` makes down steps `1 - beta` times `dw_min`,
      `beta < 0` makes up steps `1 + beta` times `dw_min`. Default 0.
    - `up_down_dtod`: device-to-device spread of the asymmetry: `r = up_down_dtod xi` adds to the up step and
      subtracts from the down step. Default 0 (aihwkit: 0.01).
    - `w_min`, `w_max`: the bounds (`w_min <= 0 <= w_max`), hard clips for every model. Default -0.6, 0.6
      (aihwkit).
    - `w_min_dtod`, `w_max_dtod`: relative device-to-device spread of the bounds: `w_max (1 + w_max_dtod xi)`.
      Default 0 (aihwkit: 0.3).
    - `write_noise_std`: write noise in units of `dw_min`: a read sees `hidden + write_noise_std dw_min xi`, drawn
      anew each time a pulse touches the cell (aihwkit's `write_noise_std`). Default 0.
    - `tau_s`: leakage time constant (s) of the weight towards 0 (see `leak`); `None`: non-volatile. Default None.
    - `levels`: number of equally spaced states in `[w_min, w_max]` the persistent weight is rounded to after each
      pulse (finite charge levels); `None`: continuous. Default None.

    Default spreads are 0 so a bare device is the model's closed form; the presets (`ecram_tang2018`,
    `reram_gong2018`, `capacitor_li2018`) carry the published spreads.
    """

    dw_min: float | jax.Array = 0.001
    dw_min_dtod: float | jax.Array = 0.0
    dw_min_std: float | jax.Array = 0.3
    up_down: float | jax.Array = 0.0
    up_down_dtod: float | jax.Array = 0.0
    w_min: float | jax.Array = -0.6
    w_max: float | jax.Array = 0.6
    w_min_dtod: float | jax.Array = 0.0
    w_max_dtod: float | jax.Array = 0.0
    write_noise_std: float | jax.Array = 0.0
    tau_s: float | jax.Array | None = None
    levels: int | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        name = type(self).__name__
        check(lambda d: d > 0, self.dw_min, f"{name} dw_min (step of one pulse) must be > 0")
        check(lambda w: w <= 0, self.w_min, f"{name} w_min must be <= 0 (the bounds must contain 0)")
        check(lambda w: w >= 0, self.w_max, f"{name} w_max must be >= 0 (the bounds must contain 0)")
        check(lambda w: w < self.w_max, self.w_min, f"{name} bounds inverted: w_min must be < w_max")
        for field in ("dw_min_dtod", "dw_min_std", "up_down_dtod", "w_min_dtod", "w_max_dtod", "write_noise_std"):
            check(lambda s: s >= 0, getattr(self, field), f"{name} {field} (a spread) must be >= 0")
        check(lambda b: np.abs(b) < 1, self.up_down, f"{name} up_down must be in (-1, 1)")
        if self.tau_s is not None:
            check(lambda t: t > 0, self.tau_s, f"{name} tau_s (leakage time constant, s) must be > 0 or None")
        check_int(self.levels, f"{name} levels", minimum=2, allow_none=True)

    @abc.abstractmethod
    def step_sizes(self, cells: PulsedCells, w: jax.Array) -> tuple[jax.Array, jax.Array]:
        """The magnitudes `(up, down)` (>= 0, device units) of one up and one down pulse at weights `w`, before
        cycle-to-cycle noise: the model's `update_once` rule."""
        raise NotImplementedError

    @abc.abstractmethod
    def draw_aux(self, shape: tuple[int, ...], key: PRNGKeyArray | None) -> tuple:
        """The model's further per-cell parameters (`PulsedCells.aux`, `()` if none), drawn from `key` (`None`:
        allowed only when the model's own spreads are 0)."""
        raise NotImplementedError

    def _spreads(self) -> tuple:
        return (self.dw_min_dtod, self.up_down_dtod, self.w_min_dtod, self.w_max_dtod)

    def init(self, shape, *, key=None) -> PulsedCells:
        """A fresh array of `shape` cells at `w = 0`, with the device-to-device spreads drawn from `key`.

        **Arguments:**

        - `shape`: the array's shape, e.g. `(out, in)`.
        - `key`: drives the device-to-device draws; may be `None` when every spread is 0.

        **Returns:**

        A `PulsedCells`.
        """
        check_key(key, allow_none=True)
        shape = _check_shape(shape)
        no_spread = all(is_zero(s) for s in self._spreads())
        if key is None and not no_spread:
            raise ValueError(f"{type(self).__name__}.init draws device-to-device spreads: pass key=...")
        if no_spread:
            xis = [jnp.zeros(shape, jnp.float32)] * 4
            aux_key = None if key is None else jr.fold_in(key, 4)
        else:
            keys = jr.split(key, 5)
            xis = [_random.normal(k, shape) for k in keys[:4]]
            aux_key = keys[4]
        gain = 1.0 + self.dw_min_dtod * xis[0]
        up, down = up_down_scales(self.dw_min, self.up_down, gain, self.up_down_dtod * xis[1])
        lo = self.w_min * (1.0 + self.w_min_dtod * xis[2])
        hi = self.w_max * (1.0 + self.w_max_dtod * xis[3])
        # aihwkit's enforce_consistency: swap inverted bounds, then w_min <= 0 <= w_max.
        lo, hi = jnp.minimum(lo, hi), jnp.maximum(lo, hi)
        lo, hi = -jnp.abs(lo), jnp.abs(hi)
        # w and hidden in distinct buffers, so that the state can be donated to a jitted step.
        return PulsedCells(w=jnp.zeros(shape, jnp.float32), hidden=jnp.zeros(shape, jnp.float32), scale_up=up,
                           scale_down=down, w_min=lo, w_max=hi, aux=self.draw_aux(shape, aux_key))

    def _quantize(self, hidden, cells):
        if self.levels is None:
            return hidden
        span = (self.w_max - self.w_min) / (self.levels - 1)
        return jnp.clip(self.w_min + jnp.round((hidden - self.w_min) / span) * span, cells.w_min, cells.w_max)

    @abc.abstractmethod
    def affine_steps(self, cells: PulsedCells) -> tuple | None:
        """The signed steps of one up and one down pulse as affine functions of the weight,
        `(alpha_up, beta_up, alpha_down, beta_down)` with `dw = alpha + beta w` (before cycle-to-cycle noise), or
        `None` if the model's step is not affine in `w` (then `pulse_counts` applies the pulses one by one)."""
        raise NotImplementedError

    def _check_counts(self, cells: PulsedCells, n):
        n = jnp.asarray(n)
        if n.shape != cells.w.shape:
            raise ValueError(f"pulse counts n must have the cells' shape {cells.w.shape}, got {n.shape}")
        if not jnp.issubdtype(n.dtype, jnp.integer):
            raise ValueError(f"pulse counts n must be an integer array, got dtype {n.dtype}")
        return n

    def _check_key(self, key, what: str):
        if key is None and not (is_zero(self.dw_min_std) and is_zero(self.write_noise_std)):
            raise ValueError(f"{type(self).__name__}.{what} draws cycle-to-cycle/write noise: pass key=...")

    def pulse(self, cells: PulsedCells, n, *, key=None) -> PulsedCells:
        """Apply `|n|` pulses to each cell, one by one (up for `n > 0`, down for `n < 0`).

        Each pulse moves the persistent weight by the model's step (`step_sizes`) times `1 + dw_min_std xi`, clips
        it to the cell's bounds, rounds it to the device levels (if any), and redraws the write noise of the cell.

        **Arguments:**

        - `cells`: the `PulsedCells` from `init` or an earlier `pulse`.
        - `n`: integer array of the cells' shape, the signed number of pulses per cell.
        - `key`: drives the cycle-to-cycle and write noise (fresh per pulse); `None` only for a noiseless device.

        **Returns:**

        The updated `PulsedCells`.
        """
        check_key(key, allow_none=True)
        n = self._check_counts(cells, n)
        self._check_key(key, "pulse")
        return self._pulse_loop(cells, jnp.maximum(n, 0), jnp.maximum(-n, 0), key)

    def _pulse_loop(self, cells: PulsedCells, n_up, n_down, key) -> PulsedCells:
        """`n_up` up and `n_down` down pulses per cell, one by one, the two directions spread evenly over the
        cell's sequence (pulse `k` is up when `floor((k + 1) n_up / n)` steps past `floor(k n_up / n)`)."""
        c2c, wn = not is_zero(self.dw_min_std), not is_zero(self.write_noise_std)
        count = n_up + n_down
        safe = jnp.maximum(count, 1)

        def body(k, state):
            hidden, w = state
            active = k < count
            up_sign = ((k + 1) * n_up) // safe > (k * n_up) // safe
            up, down = self.step_sizes(cells, hidden)
            dw = jnp.where(up_sign, up, -down)
            if c2c:
                dw = dw * (1.0 + self.dw_min_std * _random.normal(jr.fold_in(key, 2 * k), hidden.shape))
            new = self._quantize(jnp.clip(hidden + dw, cells.w_min, cells.w_max), cells)
            hidden = jnp.where(active, new, hidden)
            seen = hidden
            if wn:
                noise = self.write_noise_std * self.dw_min * _random.normal(jr.fold_in(key, 2 * k + 1), w.shape)
                seen = hidden + noise
            return hidden, jnp.where(active, seen, w)

        n_max = jnp.max(count) if count.size else jnp.int32(0)
        hidden, w = jax.lax.fori_loop(jnp.int32(0), n_max.astype(jnp.int32), body, (cells.hidden, cells.w))
        return cells._replace(w=w, hidden=hidden)

    def pulse_closed_form(self, cells: PulsedCells, n, *, key=None) -> PulsedCells:
        """`pulse` in O(1) per cell: the weight after `|n|` pulses is drawn from a Gaussian with the exact mean and
        variance of the pulse-by-pulse walk (see `pulse_counts`), instead of applying the pulses one by one.
        Models without an affine step (`affine_steps` is `None`) or with `levels` fall back to `pulse`.

        **Arguments:**

        As `pulse`.

        **Returns:**

        The updated `PulsedCells`.
        """
        n = self._check_counts(cells, n)
        self._check_key(key, "pulse_closed_form")
        n_up, n_down = split_counts(n)
        return self.pulse_counts(cells, n_up, n_down, 0.0, 0.0, key=key)

    def pulse_counts(self, cells: PulsedCells, n_up, n_down, var_up, var_down, *, key=None) -> PulsedCells:
        """Apply random numbers of up and down pulses, interleaved, given their mean and variance per cell: the
        fast path of a batch's update pass (`analogsim.insitu.PulseUpdate(mode="moments")`).

        For models with an affine step (`affine_steps`) and no `levels`, the weight is drawn once per cell from a
        Gaussian with the mean and variance of `_closed_form.affine_moments` (exact for known counts in one
        direction; the standard normal variate from `analogsim.random.moment_normal`) and clipped to the cell's bounds;
        a touched cell's read weight gets a fresh write noise (without write noise it is the persistent weight). Other
        models draw integer counts `round(max(n + sqrt(var) xi, 0))` and apply them one by one, ups and downs spread
        evenly (`pulse`'s loop).

        **Arguments:**

        - `cells`: the `PulsedCells`.
        - `n_up`, `n_down`: expected numbers of up and down pulses per cell (float arrays of the cells' shape).
        - `var_up`, `var_down`: their variances (`0.0` for known counts).
        - `key`: drives the count, cycle-to-cycle and write noise.

        **Returns:**

        The updated `PulsedCells`.
        """
        check_key(key, allow_none=True)
        steps = self.affine_steps(cells)
        random_counts = not (is_zero(var_up) and is_zero(var_down))
        if key is None and random_counts:
            raise ValueError(f"{type(self).__name__}.pulse_counts draws the pulse counts: pass key=...")
        k_draw, k_write = (None, None) if key is None else jr.split(key)
        if steps is None or self.levels is not None:
            if random_counts:
                k_up, k_down, k_draw = jr.split(k_draw, 3)
                n_up = n_up + jnp.sqrt(var_up) * _random.normal(k_up, n_up.shape)
                n_down = n_down + jnp.sqrt(var_down) * _random.normal(k_down, n_down.shape)
            as_int = lambda v: jnp.round(jnp.maximum(v, 0.0)).astype(jnp.int32)
            return self._pulse_loop(cells, as_int(n_up), as_int(n_down), k_draw)
        mean, var = affine_moments(cells.hidden, steps, n_up, n_down, var_up, var_down, self.dw_min_std,
                                   exact=not random_counts)
        hidden = mean
        if random_counts or not is_zero(self.dw_min_std):
            hidden = mean + jnp.sqrt(jnp.maximum(var, 0.0)) * _random.moment_normal(k_draw, mean.shape)
        touched = (n_up + n_down) > 0
        hidden = jnp.where(touched, jnp.clip(hidden, cells.w_min, cells.w_max), cells.hidden)
        if is_zero(self.write_noise_std):
            # No write noise: a read sees the persistent weight (a copy of it, so that the state can be donated).
            return cells._replace(hidden=hidden, w=jnp.copy(hidden))
        # The read weight is formed from the stored persistent weight: without the barrier XLA evaluates the whole
        # closed form a second time, in the loop that writes `w`.
        hidden = jax.lax.optimization_barrier(hidden)
        seen = hidden + self.write_noise_std * self.dw_min * _random.normal(k_write, hidden.shape)
        return cells._replace(hidden=hidden, w=jnp.where(touched, seen, cells.w))

    def leak(self, cells: PulsedCells, t_seconds) -> PulsedCells:
        """The cells `t_seconds` later: the weight decays towards 0 as `w exp(-t / tau_s)` (charge leaking off a
        capacitor; aihwkit's `lifetime` decay with a reset bias of 0). Non-volatile devices (`tau_s=None`) are
        returned unchanged."""
        if self.tau_s is None:
            return cells
        f = jnp.exp(-jnp.asarray(t_seconds, jnp.float32) / self.tau_s)
        return cells._replace(w=cells.w * f, hidden=cells.hidden * f)
