"""Array-level non-idealities that apply to any device: per-MVM read noise, stuck-at faults, IR drop."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ._validate import check

_READ_NOISE_KINDS = ("additive", "proportional")


class ReadNoise(eqx.Module):
    """Fresh conductance noise on every matrix-vector multiply (short-term read noise, aihwkit's ``w_noise``).

    The noise is independent per weight and per MVM, with standard deviation ``std`` in units of the weight range
    (``g_max - g_min`` maps to 1):

    - ``kind="additive"``: the same std for every weight (aihwkit ``WeightNoiseType.ADDITIVE_CONSTANT``);
    - ``kind="proportional"``: variance ``std^2 |w|`` (shot-noise-like, PCM-style: grows with the conductance).

    It is sampled where it is cheap: for one MVM the sum over inputs of independent Gaussian weight noise is exactly
    Gaussian on each output, with variance ``std^2 sum_i v_i^2`` (additive) or ``std^2 sum_i |w_ij| v_i^2``
    (proportional), so one sample per output replaces one per weight. The proportional kind costs a second
    matrix product (with ``|W|``); the additive kind costs almost nothing.
    """

    std: float | jax.Array = 0.01
    kind: str = eqx.field(static=True, default="additive")

    def __check_init__(self):
        check(lambda s: s >= 0, self.std, "ReadNoise std must be >= 0")
        if self.kind not in _READ_NOISE_KINDS:
            raise ValueError(f"ReadNoise kind must be one of {_READ_NOISE_KINDS}, got {self.kind!r}")


class StuckAt(eqx.Module):
    """Stuck-at faults: each cell is independently stuck at ``g_min`` with probability ``p_g_min`` or at ``g_max``
    with probability ``p_g_max``, whatever it was programmed to, and stays there (no drift, no read noise).
    The fault map is drawn once per programming."""

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


class IRDrop(eqx.Module):
    """First-order IR drop: each cell in series with the resistance of its own wire path.

    A cell at row ``i`` (input, word line driven from column 0) and column ``j`` (output, bit line read at the
    bottom edge, row ``rows``) of a ``rows x cols`` tile sees ``r_wire_ohm * ((j + 1) + (rows - i))`` ohms of
    wire in series, so its effective conductance is ``g / (1 + g R)``. This is the input-independent, first-order
    part of IR drop: cells far from the drivers and the ADCs are attenuated most, and larger tiles and higher
    conductances lose more. Currents shared with other cells on the same wires (which make the drop depend on the
    input pattern) are neglected, so it underestimates the drop when many cells conduct at once.

    Attributes:
        r_wire_ohm: wire resistance per cell pitch (ohm). About 1-3 ohm per segment is typical of Cu lines at
            sub-30 nm pitch; check it against your layout.
    """

    r_wire_ohm: float | jax.Array = 1.0

    def __check_init__(self):
        check(lambda r: r >= 0, self.r_wire_ohm, "IRDrop r_wire_ohm must be >= 0")

    def attenuate(self, g_us: jax.Array, rows: int, cols: int, col_index: jax.Array) -> jax.Array:
        """Effective conductance of cells ``g_us`` (..., out, rows) whose column within the tile is ``col_index``
        (out,) and row within the tile is the last axis."""
        i = jnp.arange(rows, dtype=jnp.float32)
        segments = (col_index.astype(jnp.float32)[:, None] + 1.0) + (rows - i)[None, :]
        r = self.r_wire_ohm * segments
        return g_us / (1.0 + g_us * 1e-6 * r)
