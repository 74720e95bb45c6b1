"""The crossbar array: program a weight matrix into conductances, age it, and multiply through it."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float

from ._config import CrossbarConfig
from ._custom_types import PRNGKeyArray
from ._validate import check_finite, check_key

_T_MESSAGE = "t_seconds must be finite and >= 0 (seconds after programming)"
_REFERENCE_STREAM = 2  # fold_in index of the drift-compensation reference read (0 and 1: the two cells of a pair)


def _geometry(shape: tuple[int, int], tile: tuple[int, int]) -> tuple[int, int, int]:
    """Return `(rows, cols, n_tiles_in)`: the rows and columns actually used per tile and the number of input
    tiles (row blocks) the inputs are split into."""
    out, n_in = shape
    rows = min(tile[0], n_in)
    cols = min(tile[1], out)
    return rows, cols, math.ceil(n_in / rows)


def _to_tiles(a: jax.Array, rows: int, n_t: int) -> jax.Array:
    """(out, in) -> (n_t, out, rows), zero-padding the inputs to `n_t * rows`."""
    out, n_in = a.shape
    pad = n_t * rows - n_in
    if pad:
        a = jnp.pad(a, ((0, 0), (0, pad)))
    return a.reshape(out, n_t, rows).transpose(1, 0, 2)


def _from_tiles(a: jax.Array, n_in: int) -> jax.Array:
    """(n_t, out, rows) -> (out, in)."""
    n_t, out, rows = a.shape
    return a.transpose(1, 0, 2).reshape(out, n_t * rows)[:, :n_in]


def _weight_scale(weights: jax.Array, mapping: str) -> jax.Array:
    if mapping == "per_column":
        s = jnp.max(jnp.abs(weights), axis=1)
    else:
        s = jnp.broadcast_to(jnp.max(jnp.abs(weights)), weights.shape[:1])
    return jnp.where(s > 0, s, jnp.ones_like(s))


def _effective_weights(
    config: CrossbarConfig,
    weights: jax.Array,
    scale: jax.Array,
    prog_key,
    t_seconds,
    read_key,
) -> jax.Array:
    """Normalized effective weights (n_t, out, rows) in [-1, 1]-ish: `(G+ - G-) / (g_max - g_min)`.

    Programming is a deterministic function of `prog_key`, so it is recomputed here rather than stored: XLA
    fuses programming, drift and read noise into one pass and no per-cell state is ever written to memory.
    `t_seconds=None` gives the array as programmed (aihwkit's convention: no drift or 1/f noise yet).
    """
    dev = config.device
    rows, cols, n_t = _geometry(weights.shape, config.tile)
    wn = jnp.clip(_to_tiles(weights / scale[:, None], rows, n_t), -1.0, 1.0)
    g_min = jnp.asarray(dev.g_min_us, jnp.float32)
    span = jnp.asarray(dev.g_max_us, jnp.float32) - g_min
    if prog_key is not None:
        dev_key, fault_key = jr.split(prog_key)
    else:
        dev_key = fault_key = None
    col_index = jnp.arange(weights.shape[0]) % cols
    # Of each differential pair, the "active" cell holds |w| and the "idle" one sits at g_min (G+ is the active cell
    # where w >= 0, G- where w < 0). Each cell gets its own independent random stream, so this relabeling does not
    # change the statistics, but the idle cell's target is a constant that XLA folds (drift-exponent and
    # programming-noise statistics computed once, not per cell). The two cells are processed as separate arrays,
    # not stacked: XLA then fuses each chain into one loop (a stacked intermediate measured 10x slower).
    targets = (g_min + jnp.abs(wn) * span, jnp.broadcast_to(g_min, wn.shape))
    g = []
    for cell, g_target in enumerate(targets):
        k_dev = None if dev_key is None else jr.fold_in(dev_key, cell)
        k_read = None if read_key is None else jr.fold_in(read_key, cell)
        cells = dev.program(g_target, key=k_dev)
        gc = cells.g if t_seconds is None else dev.read(cells, t_seconds, key=k_read)
        if config.faults is not None:
            gc = config.faults.apply(gc, g_min, g_min + span, key=jr.fold_in(fault_key, cell))
        if config.ir_drop is not None:
            gc = config.ir_drop.attenuate(gc, rows, cols, col_index)
        g.append(gc)
    return jnp.where(wn >= 0, 1.0, -1.0) * (g[0] - g[1]) / span


def _readout(config: CrossbarConfig, w: jax.Array, n_in: int, key) -> jax.Array:
    """The global drift compensation reference `mean |y_ref|` of the normalized array `w` (n_t, out, rows).

    `config.drift_reference == "one_hot"` (aihwkit's `GlobalDriftCompensation`): every row of every tile is driven
    by a one-hot input through the DAC, and every output goes through the read noise and the ADC of its tile; the
    mean is over all the cells read (padding rows excluded). The output of one row is one cell pair, so the reads
    are drawn elementwise, without forming the `(in, in)` identity. `"all_ones"`: one noise-free read of `w` with
    an all-ones input, mean over the outputs.
    """
    n_t, _, rows = w.shape
    mask = (jnp.arange(n_t * rows) < n_in).astype(w.dtype).reshape(n_t, rows)
    if config.drift_reference == "all_ones":
        r = jnp.einsum("tor,tr->o", w, mask)
        return jnp.maximum(jnp.mean(jnp.abs(r)), 1e-12)
    v1 = config.dac(jnp.ones((1,), w.dtype))[0][0]  # the drive level of the one active row
    cells = w.reshape(-1, 1, 1)  # every cell pair as its own (tile, out, row) read
    v = jnp.broadcast_to(v1, cells.shape)
    noise_var = None if config.read_noise is None else config.read_noise.variance(v, cells)
    y = config.adc(v1 * cells, key=key, noise_variance=noise_var).reshape(w.shape)
    total = jnp.sum(jnp.abs(y) * mask[:, None, :])
    return jnp.maximum(total / (n_in * w.shape[1]), 1e-12)


def _reference_key(config: CrossbarConfig, key, where: str):
    """The key of the drift-compensation reference read (None when that read is noise-free)."""
    if not (config.drift_compensation and config.drift_reference == "one_hot" and config.stochastic_mvm):
        return None
    if key is None:
        raise ValueError(
            f"drift compensation reads the array through its per-MVM noise (read noise or ADC noise): pass key=... "
            f"to {where}"
        )
    return jr.fold_in(key, _REFERENCE_STREAM)


def _check_t(t_seconds) -> jax.Array:
    try:
        v = np.asarray(t_seconds, dtype=np.float64)
    except Exception:  # traced
        t = jnp.asarray(t_seconds, jnp.float32)
        return eqx.error_if(t, (t < 0) | ~jnp.isfinite(t), _T_MESSAGE)
    if v.shape != ():
        raise ValueError(f"t_seconds must be a scalar, got shape {v.shape}")
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{_T_MESSAGE}, got {float(v)}")
    return jnp.asarray(v, jnp.float32)


def _batch_error(n: int) -> ValueError:
    return ValueError(
        f"this Crossbar holds a batch of {n} programmed arrays (a leading axis from jax.vmap over program); use it "
        "inside jax.vmap, one array at a time, e.g. jax.vmap(lambda xb, k: xb.at(t, key=k)(x, key=k))(xbs, keys)"
    )


class Crossbar(eqx.Module):
    """A weight matrix programmed into analog crossbar tiles. Build one with `analogsim.program`.

    `xb(x, key=...)` is the analog matrix-vector product `W @ x`: DAC on the inputs, one analog MVM per tile
    (with per-MVM read noise and ADC noise), one ADC per tile output, digital sum of the tiles and digital rescaling.
    `xb.at(t, key=...)` returns the same array `t` seconds after programming.

    A `Crossbar` is one array. `jax.vmap(lambda k: asim.program(W, cfg, key=k))(keys)` returns a batch of them
    (every leaf with a leading axis); use such a batch inside `jax.vmap` again. Its `shape`, `tiles`, `at`,
    `__call__` and `effective_weights` raise `ValueError` outside `vmap`, saying so.

    **Attributes:**

    - `config`: the hardware configuration.
    - `weights`: the target weights `(out, in)` as given to `program`.
    - `scale`: digital per-output scale: the weight that maps to `g_max - g_min`, `(out,)`.
    - `w`: the normalized effective weights at `t_seconds`, tile layout `(n_tiles_in, out, rows)`:
      `(G+ - G-) / (g_max - g_min)`.
    - `prog_key`: the key the array was programmed with (programming is re-derived from it; see `at`).
    - `t_seconds`: time since programming of this state (s).
    - `drift_scale`: the global drift-compensation factor applied to the outputs (1 without compensation).
    - `ref_readout`: drift-compensation reference read right after programming.
    """

    config: CrossbarConfig
    weights: Float[Array, "out in"]
    scale: Float[Array, " out"]
    w: Float[Array, "tiles out rows"]
    prog_key: PRNGKeyArray | None
    t_seconds: Float[Array, ""]
    drift_scale: Float[Array, ""]
    ref_readout: Float[Array, ""]

    @property
    def shape(self) -> tuple[int, int]:
        """(out, in)"""
        if self.weights.ndim != 2:
            raise _batch_error(self.weights.shape[0])
        return self.weights.shape

    @property
    def tiles(self) -> tuple[int, int]:
        """Number of physical tiles along (inputs, outputs)."""
        _, cols, n_t = _geometry(self.shape, self.config.tile)
        return n_t, math.ceil(self.shape[0] / cols)

    def at(self, t_seconds, *, key: PRNGKeyArray | None = None) -> Crossbar:
        """The array `t_seconds` after programming (absolute time, not cumulative).

        Drift and other persistent changes are fixed by the programming; `key` draws the read noise of this time,
        so `xb.at(t, key=k1)` and `xb.at(t, key=k2)` share their drift and have independent read noise.

        **Arguments:**

        - `t_seconds`: time since programming (s), a finite scalar >= 0.
        - `key`: draws the device read noise; required when the device is stochastic.

        **Returns:**

        A new `Crossbar` with `w`, `t_seconds` and `drift_scale` of that time.
        """
        self.shape  # noqa: B018  (raises for a batch of arrays)
        t, ref_key = self._checked_time(t_seconds, key)
        w, drift_scale = _at(self, t, key, ref_key)
        if isinstance(t, jax.core.Tracer):  # the check on t must survive even where w does not depend on t
            w = eqx.error_if(w, (t < 0) | ~jnp.isfinite(t), _T_MESSAGE)
        return self._aged(w, t, drift_scale)

    def _checked_time(self, t_seconds, key) -> tuple[jax.Array, PRNGKeyArray | None]:
        """The checks of `at`: `t_seconds` as a float32 scalar and the key of the drift-compensation reference."""
        check_key(key, allow_none=True)
        t = _check_t(t_seconds)
        if self.config.device.stochastic and key is None:
            raise ValueError(
                f"{type(self.config.device).__name__} reads are stochastic: pass key=... to at()"
            )
        return t, _reference_key(self.config, key, "at()")

    def _aged(self, w: jax.Array, t: jax.Array, drift_scale: jax.Array) -> Crossbar:
        """This array with the state `at` computed for time `t`."""
        return eqx.tree_at(lambda a: (a.w, a.t_seconds, a.drift_scale), self, (w, t, drift_scale))

    def __call__(
        self, x: Float[Array, "*batch in"], *, key: PRNGKeyArray | None = None
    ) -> Float[Array, "*batch out"]:
        """Analog matrix-vector product `W @ x`: DAC -> one MVM per tile -> read noise -> ADC per tile output ->
        digital sum of the tiles and rescaling.

        **Arguments:**

        - `x`: inputs, `(in,)` or `(*batch, in)`.
        - `key`: draws the per-MVM noise (read noise and ADC noise); required when there is any.

        **Returns:**

        `W @ x` as the hardware computes it, `(out,)` or `(*batch, out)`.
        """
        return _mvm(self, self._checked_input(x, key), key)

    def _checked_input(self, x, key) -> jax.Array:
        """`x` as a float array after the checks of `__call__` (its length, the key, finite entries)."""
        x = jnp.asarray(x)
        if x.ndim < 1 or x.shape[-1] != self.shape[1]:
            raise ValueError(
                f"input has shape {x.shape}, but this crossbar multiplies vectors of length {self.shape[1]} "
                f"(weights have shape (out, in) = {self.shape})"
            )
        if self.config.stochastic_mvm and key is None:
            raise ValueError("this crossbar has per-MVM noise (read noise or ADC noise): pass key=...")
        check_key(key, allow_none=True)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.float32)
        return check_finite(x, "inputs contain NaN or inf")

    def effective_weights(self) -> Float[Array, "out in"]:
        """The weights the array multiplies by now, in the units of `weights` (drift compensation included,
        converters and per-MVM noise excluded)."""
        self.shape  # noqa: B018  (raises for a batch of arrays)
        return _from_tiles(self.w, self.shape[1]) * (self.scale * self.drift_scale)[:, None]


# The jitted functions return only the arrays they compute; the Crossbar is assembled outside. Returning the whole
# module would make XLA copy the unchanged (out, in) target weights into a fresh output buffer on every call (a
# 64 MB copy for a 4096 x 4096 array, measured as a fifth of the drift time).
@eqx.filter_jit
def _at(xb: Crossbar, t: jax.Array, key, ref_key) -> tuple[jax.Array, jax.Array]:
    w = _effective_weights(xb.config, xb.weights, xb.scale, xb.prog_key, t, key)
    if xb.config.drift_compensation:
        drift_scale = xb.ref_readout / _readout(xb.config, w, xb.shape[1], ref_key)
    else:
        drift_scale = jnp.ones((), jnp.float32)
    return w, drift_scale


@eqx.filter_jit
def _mvm(xb: Crossbar, x: jax.Array, key) -> jax.Array:
    y, gain = _tile_outputs(xb, x, key)
    return _digital_output(xb, _sum_tiles(y), gain, x.shape[:-1])


def _tile_outputs(xb: Crossbar, x: jax.Array, key) -> tuple[jax.Array, jax.Array]:
    """The analog part of `W @ x` for inputs `x` `(*batch, in)`: DAC, one MVM per input tile, read noise and ADC
    per tile output. Returns the digital tile outputs `(n_t, B, out)` and the DAC gain `(B, 1)`. The per-MVM
    noise of tile `t`, vector `b`, output `o` is a function of `key` and that flat index only, so any split of the
    tiles over devices draws the same numbers."""
    cfg = xb.config
    n_in = xb.shape[1]
    rows, _, n_t = _geometry(xb.shape, cfg.tile)
    x2 = x.reshape(-1, n_in).astype(xb.w.dtype)
    v, gain = cfg.dac(x2)
    pad = n_t * rows - n_in
    if pad:
        v = jnp.pad(v, ((0, 0), (0, pad)))
    v = v.reshape(-1, n_t, rows).transpose(1, 0, 2)  # (n_t, B, rows)
    y = jnp.einsum("tbr,tor->tbo", v, xb.w)  # (n_t, B, out): one analog MVM per input tile
    # Read noise is sampled at the ADC, in one draw with the ADC's own noise (see `ADC.__call__`).
    noise_var = None if cfg.read_noise is None else cfg.read_noise.variance(v, xb.w)
    return cfg.adc(y, key=key, noise_variance=noise_var), gain


def _sum_tiles(y: jax.Array) -> jax.Array:
    """The digital sum of the tile outputs `(n_t, B, out)` over the tiles, in tile order."""
    # Explicit adds, not jnp.sum: XLA:CPU would fuse a reduction into the matrix product and lose its fast GEMM
    # (measured 1.5-2x slower).
    acc = y[0]
    for t in range(1, y.shape[0]):
        acc = acc + y[t]
    return acc


def _digital_output(xb: Crossbar, acc: jax.Array, gain: jax.Array, batch: tuple[int, ...]) -> jax.Array:
    """The summed tile outputs `(B, out)` rescaled to the units of `W @ x`, shaped `(*batch, out)`."""
    y = acc * (xb.scale * xb.drift_scale) * gain
    return y.reshape(*batch, xb.shape[0])


def program(
    weights: Float[Array, "out in"],
    config: CrossbarConfig,
    *,
    key: PRNGKeyArray | None = None,
) -> Crossbar:
    """Program a weight matrix into crossbar tiles.

    **Arguments:**

    - `weights`: the weights `(out, in)`, finite.
    - `config`: the hardware (`analogsim.CrossbarConfig`).
    - `key`: draws the programming noise and the fault map (and the noise of the drift-compensation reference
      read); required when any of these is stochastic. A JAX key: `jax.random.key(0)`, not the int 0.

    **Returns:**

    The `Crossbar` right after programming (programming noise and stuck cells applied; drift and 1/f read noise
    start with `Crossbar.at`).
    """
    return _program_with(weights, config, key, check_finite)


def _program_with(weights, config: CrossbarConfig, key, finite) -> Crossbar:
    """`program`, with `finite(w, message)` as the finiteness check of the weights (a tile-parallel program checks
    its shards where they are)."""
    if not isinstance(config, CrossbarConfig):
        raise ValueError(f"config must be an analogsim.CrossbarConfig, got {type(config).__name__}")
    w = jnp.asarray(weights)
    if w.ndim != 2 or 0 in w.shape:
        raise ValueError(f"weights must be a non-empty 2-D (out, in) matrix, got shape {w.shape}")
    if not jnp.issubdtype(w.dtype, jnp.floating):
        w = w.astype(jnp.float32)
    w = finite(w, "weights contain NaN or inf")
    check_key(key, allow_none=True)
    if config.stochastic_program and key is None:
        raise ValueError(
            f"programming on {type(config.device).__name__}"
            f"{' with stuck-at faults' if config.faults is not None else ''} is stochastic: pass key=..."
        )
    w = w.astype(jnp.float32)
    scale, w_eff, ref = _program(w, config, key, _reference_key(config, key, "program"))
    return Crossbar(
        config=config,
        weights=w,
        scale=scale,
        w=w_eff,
        prog_key=key,
        t_seconds=jnp.zeros((), jnp.float32),
        drift_scale=jnp.ones((), jnp.float32),
        ref_readout=ref,
    )


@eqx.filter_jit
def _program(
    weights: jax.Array, config: CrossbarConfig, key, ref_key
) -> tuple[jax.Array, jax.Array, jax.Array]:
    scale = _weight_scale(weights, config.mapping)
    w = _effective_weights(config, weights, scale, key, None, None)
    if config.drift_compensation:
        ref = _readout(config, w, weights.shape[1], ref_key)
    else:
        ref = jnp.ones((), jnp.float32)
    return scale, w, ref
