"""Array-level non-idealities that apply to any device: per-MVM read noise, stuck-at faults, IR drop.

Each one computes its own effect, and the crossbar composes them in the order the hardware applies them:
`StuckAt.apply` and `IRDrop.attenuate` act on the conductances of a programmed array, `ReadNoise.variance` gives
the variance its noise adds to each tile output of one matrix-vector multiply (sampled by the ADC together with
the ADC's own noise, see `analogsim.ADC`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from . import _random
from ._custom_types import PRNGKeyArray
from ._validate import check

_READ_NOISE_KINDS = ("additive", "proportional")


class ReadNoise(eqx.Module):
    """Fresh conductance noise on every matrix-vector multiply (short-term read noise, aihwkit's `w_noise`).

    The noise is independent per weight and per MVM, with standard deviation `std` in units of the weight range
    (`g_max - g_min` maps to 1):

    - `kind="additive"`: the same std for every weight (aihwkit `WeightNoiseType.ADDITIVE_CONSTANT`);
    - `kind="proportional"`: variance `std^2 |w|` (shot-noise-like, PCM-style: grows with the conductance).

    It is sampled where it is cheap: for one MVM the sum over inputs of independent Gaussian weight noise is exactly
    Gaussian on each output, with variance `std^2 sum_i v_i^2` (additive) or `std^2 sum_i |w_ij| v_i^2`
    (proportional), so one sample per output replaces one per weight (see `variance`). The proportional kind costs
    a second matrix product (with `|W|`); the additive kind costs almost nothing.

    **Arguments:**

    - `std`: standard deviation of the weight noise, in units of the weight range (dimensionless).
    - `kind`: `"additive"` or `"proportional"`.
    """

    std: float | jax.Array = 0.01
    kind: str = eqx.field(static=True, default="additive")

    def __check_init__(self):
        check(lambda s: s >= 0, self.std, "ReadNoise std must be >= 0")
        if self.kind not in _READ_NOISE_KINDS:
            raise ValueError(f"ReadNoise kind must be one of {_READ_NOISE_KINDS}, got {self.kind!r}")

    def variance(self, v: jax.Array, w: jax.Array) -> jax.Array:
        """Variance of the read noise on each output of one MVM per tile.

        **Arguments:**

        - `v`: the analog drive levels, `(tiles, batch, rows)`, normalized to `[-1, 1]`.
        - `w`: the normalized weights, `(tiles, out, rows)`: `(G+ - G-) / (g_max - g_min)`.

        **Returns:**

        The output-noise variance in normalized units: `(tiles, batch, 1)` for the additive kind (the same for
        every output), `(tiles, batch, out)` for the proportional kind.
        """
        if self.kind == "additive":
            return self.std**2 * jnp.sum(v * v, axis=-1, keepdims=True)
        return self.std**2 * jnp.einsum("tbr,tor->tbo", v * v, jnp.abs(w))


class StuckAt(eqx.Module):
    """Stuck-at faults: each cell is independently stuck at `g_min` with probability `p_g_min` or at `g_max`
    with probability `p_g_max`, whatever it was programmed to, and stays there (no drift, no read noise).
    The fault map is drawn once per programming (see `apply`).

    **Arguments:**

    - `p_g_min`: probability that a cell is stuck at `g_min`, in `[0, 1]`.
    - `p_g_max`: probability that a cell is stuck at `g_max`, in `[0, 1]`; `p_g_min + p_g_max <= 1`.
    """

    p_g_min: float | jax.Array = 0.0
    p_g_max: float | jax.Array = 0.0

    def __check_init__(self):
        check(lambda p: (p >= 0) & (p <= 1), self.p_g_min, "StuckAt p_g_min must be in [0, 1]")
        check(lambda p: (p >= 0) & (p <= 1), self.p_g_max, "StuckAt p_g_max must be in [0, 1]")
        try:
            total = float(self.p_g_min) + float(self.p_g_max)
        except Exception:  # traced
            return
        if total > 1:
            raise ValueError(f"StuckAt p_g_min + p_g_max must be <= 1, got {total}")

    def apply(self, g_us: jax.Array, g_min_us, g_max_us, *, key: PRNGKeyArray) -> jax.Array:
        """The conductances `g_us` (uS, any shape) with the stuck cells of the fault map drawn from `key` set to
        `g_min_us` or `g_max_us`. The same key gives the same fault map, whatever the conductances."""
        u = _random.uniform(key, g_us.shape)
        return jnp.where(
            u < self.p_g_min, g_min_us, jnp.where(u < self.p_g_min + self.p_g_max, g_max_us, g_us)
        )


class IRDrop(eqx.Module):
    """First-order IR drop: each cell in series with the resistance of its own wire path.

    A cell at row `i` (input, word line driven from column 0) and column `j` (output, bit line read at the
    bottom edge, row `rows`) of a `rows x cols` tile sees `r_wire_ohm * ((j + 1) + (rows - i))` ohms of
    wire in series, so its effective conductance is `g / (1 + g R)`. This is the input-independent, first-order
    part of IR drop: cells far from the drivers and the ADCs are attenuated most, and larger tiles and higher
    conductances lose more. Currents shared with other cells on the same wires (which make the drop depend on the
    input pattern) are neglected, so it underestimates the drop when many cells conduct at once.

    **Arguments:**

    - `r_wire_ohm`: wire resistance per cell pitch (ohm). About 1-3 ohm per segment is typical of Cu lines at
      sub-30 nm pitch; check it against your layout.
    """

    r_wire_ohm: float | jax.Array = 1.0

    def __check_init__(self):
        check(lambda r: r >= 0, self.r_wire_ohm, "IRDrop r_wire_ohm must be >= 0")

    def attenuate(self, g_us: jax.Array, rows: int, cols: int, col_index: jax.Array) -> jax.Array:
        """Effective conductance of cells behind their wire resistance.

        **Arguments:**

        - `g_us`: conductances (uS), `(..., out, rows)`; the last axis is the row within the tile.
        - `rows`, `cols`: the rows and columns used in one tile.
        - `col_index`: the column of each output within its tile, `(out,)`.

        **Returns:**

        The attenuated conductances (uS), same shape as `g_us`.
        """
        i = jnp.arange(rows, dtype=jnp.float32)
        segments = (col_index.astype(jnp.float32)[:, None] + 1.0) + (rows - i)[None, :]
        r = self.r_wire_ohm * segments
        return g_us / (1.0 + g_us * 1e-6 * r)
