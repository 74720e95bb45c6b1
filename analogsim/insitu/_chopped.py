from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from ._state import Counts, check_batch, shape_of
from ._tiki_taka import TikiTakaV2


class ChoppedState(NamedTuple):
    """The state of `ChoppedTTv2`: `InsituState`'s fields and the choppers (a pytree).

    **Attributes:**

    - `arrays`: the device states of `A` and `C`.
    - `buffer`: the digital filter `H` (pulses of `C`).
    - `step`: the number of samples seen (int32).
    - `counts`: the `Counts` so far.
    - `in_chop`: the input choppers, one sign (+1 or -1, float32) per input (column of `A`).
    - `out_chop`: the output choppers, one sign per output (row of `A`).
    """

    arrays: tuple
    buffer: jax.Array
    step: jax.Array
    counts: Counts
    in_chop: jax.Array
    out_chop: jax.Array


class ChoppedTTv2(TikiTakaV2):
    """Chopped Tiki-Taka version 2 (c-TTv2): `TikiTakaV2` with choppers, signs that flip the gradient written into
    the fast array `A` and flip the transfer reads of `A` back, so a bias of `A`'s device (its drift towards a
    symmetry point away from 0, its up/down asymmetry) enters `H` with alternating signs and averages out instead
    of accumulating into `C`. M. J. Rasch, F. Carta, O. Fagbohungbe and T. Gokmen, "Fast and robust analog
    in-memory deep neural network training", Nature Communications 15, 7133 (2024) (arXiv:2303.04721), as in IBM
    aihwkit's `ChoppedTransferCompound` (`src/rpucuda/rpu_chopped_transfer_device.cpp`).

    With `c_in` one sign per input and `c_out` one per output, per sample `A` receives the pulsed update of
    `-lr (c_out d) (c_in x)^T` (aihwkit's `doDenseUpdate`: a coincidence changes sign where the two choppers
    differ), and the transfer read of column `k` enters the filter as `H[:, k] += transfer_lr c_in[k] c_out a_k /
    dw_min(C)` (`readAndUpdate`); `C` is pulsed from `H` as in `TikiTakaV2`. After the read of column `k`,
    `c_in[k]` flips with probability `in_chop_prob` (`in_chop_random=True`), or (`in_chop_random=False`) on every
    `max(ceil(1 / in_chop_prob), 2)`-th sweep over the columns (aihwkit's regular chopping: all columns flip in the
    same sweep, each right after its read); after the read of the last column each `c_out[j]` flips with probability
    `out_chop_prob`. Both choppers start at +1. With both probabilities 0 it is `TikiTakaV2` exactly (the same
    result for the same key). aihwkit's automatic scaling of the learning rates (`auto_scale`, `auto_granularity`,
    `fast_lr`) is not modelled: `lr` and `transfer_lr` are used as given.

    ```python
    opt = asim.insitu.ChoppedTTv2(asim.devices.SoftBounds(dw_min=0.001, up_down=0.1), lr=0.01, in_chop_prob=0.1)
    state = opt.init((n_out, n_in), key=k1)
    state = opt.update(state, x_batch, d_batch, key=k2)   # d = dL/dy per sample
    state.in_chop                                        # the input choppers' signs
    ```

    **Arguments:**

    `TikiTakaV2`'s (`device`, `lr`, `transfer_lr`, `transfer_every`, `max_pulses`, `pulse`, `io`, `device_c`,
    `t_sample_s`), and:

    - `in_chop_prob`: the probability that an input chopper flips after its column's read (random), or the
      inverse period in sweeps (regular). Default 0.1 (aihwkit's default).
    - `in_chop_random`: random (True, aihwkit's default) or regular flips.
    - `out_chop_prob`: the probability that an output chopper flips after each full sweep. Default 0 (aihwkit).
    """

    in_chop_prob: float = eqx.field(static=True, default=0.1)
    in_chop_random: bool = eqx.field(static=True, default=True)
    out_chop_prob: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        for name in ("in_chop_prob", "out_chop_prob"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
                raise ValueError(f"ChoppedTTv2 {name} must be a probability in [0, 1], got {v!r}")
        if not isinstance(self.in_chop_random, bool):
            raise ValueError(f"ChoppedTTv2 in_chop_random must be True or False, got {self.in_chop_random!r}")

    @property
    def chop_period(self) -> int | None:
        """Sweeps between two flips of an input chopper with regular chopping (`None` when chopping is random or
        off): `max(ceil(1 / in_chop_prob), 2)`, as aihwkit."""
        if self.in_chop_random or self.in_chop_prob == 0:
            return None
        return max(math.ceil(1.0 / self.in_chop_prob), 2)

    def init(self, shape: tuple[int, int], *, key, w0=None) -> ChoppedState:
        """`TikiTakaV2`'s fresh arrays and filter, and choppers at +1."""
        base = super().init(shape, key=key, w0=w0)
        return ChoppedState(*base, jnp.ones((shape[1],), jnp.float32), jnp.ones((shape[0],), jnp.float32))

    def _flip(self, chop, k, sweep, key):
        """The choppers after the transfer read of column `k` in sweep `sweep`."""
        c_in, c_out = chop
        k_in, k_out = jr.split(key)
        if self.in_chop_prob > 0:
            period = self.chop_period
            flip = jr.uniform(k_in) < self.in_chop_prob if period is None else sweep % period == period - 1
            c_in = c_in.at[k].multiply(jnp.where(flip, -1.0, 1.0))
        if self.out_chop_prob > 0:
            flip = (jr.uniform(k_out, c_out.shape) < self.out_chop_prob) & (k == c_in.shape[0] - 1)
            c_out = jnp.where(flip, -c_out, c_out)
        return c_in, c_out

    def update(self, state: ChoppedState, x: jax.Array, d: jax.Array, *, key) -> ChoppedState:
        """Train on a batch (`x` `(batch, in)`, `d` `(batch, out)` = `dL/dy` per sample)."""
        shape = shape_of(state.arrays[0])
        check_batch(x, d, shape)
        chopper = (lambda chop: chop, (state.in_chop, state.out_chop), self._flip)
        a_cells, c_cells, h, step, pa, pc, n_tr, chop = self._samples(state.arrays, state.buffer, state.step, x, d,
                                                                      key, chopper)
        counts = self._counts(state.counts, shape, x.shape[0], pa, pc, n_tr)
        return ChoppedState((a_cells, c_cells), h, step, counts, *chop)
