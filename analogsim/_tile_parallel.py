"""Tile-parallel crossbars: one large array's input tiles spread over a mesh axis, the tile partial sums combined by
an all-reduce.

A crossbar splits its inputs into `n_t` row blocks (input tiles); every tile computes a partial sum of each output,
converts it with its own ADC, and the digits of all tiles are added (`Crossbar.__call__`). That digital sum is the
only place where tiles meet, so the tiles can sit on different devices: device `d` of an axis of size `D` holds
input tiles `[d n_t / D, (d + 1) n_t / D)` (its share of the conductances `w` and of the target weights'
columns), computes their ADC outputs and local sum, and one `jax.lax.psum` adds the `D` partial results.

Why the input-tile dimension and not the outputs: it is the dimension the hardware model already sums digitally
(the collective *is* that sum), the drift-compensation reference read and the per-output scales need no change,
and a layer with many inputs (the fc2 of a transformer MLP, `4 d -> d`) splits into equal blocks without cutting
any tile. The price is an all-reduce of `(batch, out)` partial sums per MVM (see `communication_volume`), against
an all-gather of the outputs for an output split.

Same keys, same numbers: every random draw of the simulator (programming noise, drift, read noise, ADC noise) is a
pure function of its key and the element's flat index (`analogsim.random`), and XLA partitions those index arrays
with the data, so each device draws exactly the numbers the unsharded array draws for its tiles. The per-tile
outputs are bit-identical; only the order of the final digital sum differs (each device adds its tiles, then the
all-reduce adds the devices), a float32 reassociation of `n_t` terms: relative differences of a few `1e-7` of the
largest partial sum (tested: within `2e-6 max |y|`). Drift compensation's reference read is a sum over all
`in * out` cells, reassociated the same way: its factor, and so the outputs, agree to about `1e-5` relative
(tested on 6144 cells).
"""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from ._config import CrossbarConfig
from ._crossbar import (
    Crossbar,
    _at,
    _digital_output,
    _geometry,
    _program_with,
    _sum_tiles,
    _tile_outputs,
)
from ._custom_types import PRNGKeyArray
from ._validate import check_finite


@dataclasses.dataclass(frozen=True)
class TileParallel:
    """Where the input tiles of crossbars go: mesh axis `axis` of `mesh`.

    A hashable description (it is a static field of `analogsim.nn.AnalogLinear`), so a jitted model recompiles only
    when the mesh changes.

    **Arguments:**

    - `mesh`: a `jax.sharding.Mesh` (e.g. from `analogsim.distributed.mesh`).
    - `axis`: the mesh axis the input tiles are split over.
    """

    mesh: Mesh
    axis: str = "model"

    def __post_init__(self):
        if not isinstance(self.mesh, Mesh):
            raise ValueError(f"mesh must be a jax.sharding.Mesh, got {type(self.mesh).__name__}")
        if self.axis not in self.mesh.axis_names:
            raise ValueError(f"axis {self.axis!r} is not an axis of the mesh; its axes are {self.mesh.axis_names}")

    @property
    def devices(self) -> int:
        """The number of devices the tiles are split over (the size of `axis`)."""
        return int(self.mesh.shape[self.axis])

    def check(self, shape: tuple[int, int], config: CrossbarConfig) -> None:
        """Raise `ValueError` unless an `(out, in)` array on `config` splits evenly: its number of input tiles and
        its number of inputs both divisible by the number of devices."""
        rows, _, n_t = _geometry(tuple(shape), config.tile)
        d = self.devices
        if n_t % d or shape[1] % d:
            raise ValueError(
                f"a ({shape[0]}, {shape[1]}) array on tiles of {config.tile[0]} rows has {n_t} input tile(s) of "
                f"{rows} rows and {shape[1]} inputs; splitting it over the {d} devices of mesh axis {self.axis!r} "
                f"needs both divisible by {d} (choose the tile rows so that in / rows is a multiple of {d})"
            )

    def _sharding(self, *spec) -> NamedSharding:
        return NamedSharding(self.mesh, PartitionSpec(*spec))

    def place(self, xb: Crossbar) -> Crossbar:
        """`xb` with its tiles on the mesh: `w` split over `axis` along its input tiles, the target weights along
        their inputs (columns), everything else (scales, keys, times) replicated. Works under `jit` too (as a
        sharding constraint)."""
        self.check(xb.shape, xb.config)
        w = _put(xb.w, self._sharding(self.axis))
        weights = _put(xb.weights, self._sharding(None, self.axis))
        rest = eqx.filter(eqx.tree_at(lambda a: (a.w, a.weights), xb, replace=(None, None)), eqx.is_array)
        xb = eqx.combine(jax.tree.map(lambda a: _put(a, self._sharding()), rest), xb)
        return eqx.tree_at(lambda a: (a.w, a.weights), xb, (w, weights))

    def at(self, xb: Crossbar, t_seconds, *, key: PRNGKeyArray | None = None) -> Crossbar:
        """`xb.at(t_seconds, key=key)` computed in place: each device ages its own tiles and the result stays
        split (drift and read noise are drawn per cell from the same keys as unsharded)."""
        self.check(xb.shape, xb.config)
        t, ref_key = xb._checked_time(t_seconds, key)
        return _at_placed(xb, t, key, ref_key, self)

    def program(self, weights, config: CrossbarConfig, *, key: PRNGKeyArray | None = None) -> Crossbar:
        """`analogsim.program` straight into the shards: the weights are split over `axis` first (a no-op when
        they already are, e.g. built with `analogsim.distributed.from_local`) and programming runs on each
        device's columns, so the array never exists whole on one device."""
        weights = jnp.asarray(weights) if not isinstance(weights, jax.Array) else weights
        if weights.ndim != 2:
            raise ValueError(f"weights must be a 2-D (out, in) matrix, got shape {weights.shape}")
        self.check(weights.shape, config)
        weights = _put(weights, self._sharding(None, self.axis))
        return self.place(_program_with(weights, config, key, _finite_in_place))

    def __call__(self, xb: Crossbar, x, *, key: PRNGKeyArray | None = None) -> jax.Array:
        """The tile-parallel `xb(x, key=key)`; see `tile_parallel_mvm`."""
        self.check(xb.shape, xb.config)
        return _mvm_tile_parallel(xb, xb._checked_input(x, key), key, self)


def _put(a: jax.Array, sharding: NamedSharding) -> jax.Array:
    """`a` on `sharding`: a transfer for a concrete array, a sharding constraint under a transformation. Over
    several processes (devices this process cannot address) a global array is resharded by XLA and a host value,
    the same on every process, is cut into this process's shards."""
    if isinstance(a, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(a, sharding)
    if sharding.is_fully_addressable:
        return jax.device_put(a, sharding)
    if jnp.issubdtype(a.dtype, jax.dtypes.prng_key):
        return jax.random.wrap_key_data(_put(jax.random.key_data(a), sharding), impl=jax.random.key_impl(a))
    if isinstance(a, jax.Array) and not a.is_fully_addressable:
        return jax.jit(lambda v: v, out_shardings=sharding)(a)
    host = np.asarray(a)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


def _finite_in_place(w: jax.Array, message: str) -> jax.Array:
    """`w` if all its entries are finite, else `ValueError(message)`: one sharded reduction, no gather (under a
    transformation, `check_finite`'s run-time error)."""
    if isinstance(w, jax.core.Tracer):
        return check_finite(w, message)
    if not bool(_all_finite(w)):
        raise ValueError(message)
    return w


@jax.jit
def _all_finite(w: jax.Array) -> jax.Array:
    return jnp.all(jnp.isfinite(w))


@eqx.filter_jit
def _at_placed(xb: Crossbar, t, key, ref_key, tp: TileParallel) -> Crossbar:
    w, drift_scale = _at(xb, t, key, ref_key)
    return tp.place(xb._aged(w, t, drift_scale))


@eqx.filter_jit
def _mvm_tile_parallel(xb: Crossbar, x: jax.Array, key, tp: TileParallel) -> jax.Array:
    # Inputs replicated: each device slices its tiles' rows after the DAC (whose input scaling needs all of x).
    x = jax.lax.with_sharding_constraint(x, tp._sharding())
    y, gain = _tile_outputs(xb, x, key)
    y = jax.lax.with_sharding_constraint(y, tp._sharding(tp.axis))

    def local_then_all_reduce(y_local):
        return jax.lax.psum(_sum_tiles(y_local), tp.axis)

    acc = jax.shard_map(
        local_then_all_reduce, mesh=tp.mesh, in_specs=PartitionSpec(tp.axis), out_specs=PartitionSpec()
    )(y)
    return _digital_output(xb, acc, gain, x.shape[:-1])


def shard_crossbar(xb: Crossbar, mesh: Mesh, axis: str = "model") -> Crossbar:
    """A programmed `Crossbar` with its input tiles split over mesh axis `axis`: each device holds `1/D` of the
    conductances and of the target weights.

    **Arguments:**

    - `xb`: the crossbar (from `analogsim.program`).
    - `mesh`: the device mesh (`analogsim.distributed.mesh`).
    - `axis`: the mesh axis of size `D` the tiles are split over.

    **Returns:**

    The same crossbar, placed. `tile_parallel_mvm` (or `TileParallel.__call__`) is its forward with one all-reduce
    of partial sums, and `TileParallel.at` ages it in place (pinning the split on its result; the plain `xb.at`
    keeps it too where XLA's sharding propagation does). The plain `xb(x, key=k)` works on it and gives the
    unsharded numbers bit for bit (XLA partitions the per-tile work and moves single tile outputs to keep the
    tile-ordered sum: more traffic than one all-reduce).

    Raises `ValueError` when the input tiles or the inputs do not divide by `D` (no padding: a padded tile would
    add its ADC noise to the sum).
    """
    return TileParallel(mesh, axis).place(xb)


def program_sharded(
    weights, config: CrossbarConfig, *, key: PRNGKeyArray | None = None, mesh: Mesh, axis: str = "model"
) -> Crossbar:
    """`analogsim.program(weights, config, key=key)` computed directly in shards over mesh axis `axis`, for a layer
    larger than one device's memory: each device programs (and holds) only its input tiles. Same numbers as
    `shard_crossbar(analogsim.program(...))`; raises `ValueError` as `shard_crossbar` does."""
    return TileParallel(mesh, axis).program(weights, config, key=key)


def tile_parallel_mvm(
    xb: Crossbar, x, *, key: PRNGKeyArray | None = None, mesh: Mesh, axis: str = "model"
) -> jax.Array:
    """`xb(x, key=key)` with the input tiles on the devices of mesh axis `axis`: each device runs its tiles (DAC,
    analog MVM, read noise, ADC; the same per-tile code as `Crossbar.__call__`), adds their outputs, and one
    all-reduce (`jax.lax.psum` in `jax.shard_map`) combines the devices' partial sums.

    **Arguments:**

    - `xb`: a crossbar, placed with `shard_crossbar` or `program_sharded` (an unplaced one works too, but every
      device then holds all of it).
    - `x`: inputs `(in,)` or `(*batch, in)`, replicated.
    - `key`: the per-MVM noise key, as for `Crossbar.__call__`.
    - `mesh`, `axis`: where the tiles are.

    **Returns:**

    `W @ x` as the hardware computes it, `(out,)` or `(*batch, out)`, replicated: equal to `xb(x, key=key)` up to
    the float32 reassociation of the tile sum (see the module docstring).
    """
    return TileParallel(mesh, axis)(xb, x, key=key)


def device_bytes(tree) -> dict[jax.Device, int]:
    """Bytes of the arrays of `tree` held by each addressable device (the sum of its shards' sizes): the memory
    that sharding saves, measured on the arrays themselves."""
    out: dict[jax.Device, int] = {}
    for leaf in jax.tree.leaves(eqx.filter(tree, eqx.is_array)):
        if not isinstance(leaf, jax.Array):
            continue
        if jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key):
            leaf = jax.random.key_data(leaf)
        for shard in leaf.addressable_shards:
            out[shard.device] = out.get(shard.device, 0) + shard.data.nbytes
    return out
