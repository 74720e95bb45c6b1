"""The update pass of an analog array: stochastic pulse trains on rows and columns, one pulse per coincidence."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr

from .._validate import check_int, concrete

_MODES = ("bit_trains", "binomial", "moments")


class PulseUpdate(eqx.Module):
    """The rank-one update `W <- W - lr d x^T` of one sample done the way the array does it, after IBM aihwkit's
    stochastic-compressed pulsing with update management (`PulseType.StochasticCompressed`,
    `src/rpucuda/sparse_bit_line_maker.cpp` and `PulsedUpdateMetaParameter::performUpdateManagement` in
    `src/rpucuda/rpu_pulsed_meta_parameter.cpp`; T. Gokmen and Y. Vlasov, Front. Neurosci. 10, 333 (2016)).

    Each input `x_i` drives row `i` with a train of `BL` time slots, each slot firing with probability
    `p_i = min(B |x_i|, 1)`; each error `d_j` drives column `j` with probability `q_j = min(A |d_j|, 1)`. Cell `(j, i)`
    receives one pulse per slot where both fire, of direction `-sign(d_j) sign(x_i)` (so the weight moves against
    the gradient). The outer product is never formed in float: the count is the number of coincidences. With
    `A = B = sqrt(lr / (dw_min BL))` the expected change is `E[n] dw_min = lr |d_j x_i|`.

    - Update management (`update_management=True`, aihwkit's default): `A` and `B` are rebalanced by
      `sqrt(x_max / d_max)` so the largest `x` and `d` fire with the same probability; if
      `k = lr x_max d_max / dw_min` exceeds `BL`, `d` is scaled down by `BL / k` (the update is clipped, not the
      train length).
    - Bit-length management (`bl_management=True`, aihwkit's default): the train is only `ceil(k)` slots long
      (at most `BL`), so small updates use few slots.

    **Arguments:**

    - `bl`: the (maximum) length of the pulse trains, `desired_BL` in aihwkit. Default 31 (aihwkit).
    - `update_management`, `bl_management`: as above. Default True (aihwkit).
    - `mode`: `"bit_trains"` simulates the row and column trains and counts coincidences (the reference, and the
      faster of the two on CPU: one `(out, BL) x (BL, in)` product of 0/1 matrices); `"binomial"` draws each cell's
      count from its distribution `Binomial(BL, p_i q_j)`, independently per cell (the same per-cell mean and
      variance, without the correlation between cells that share a row or column); `"moments"` is the fast path:
      per batch, each cell's numbers of up and down pulses are summed over the samples in mean and variance (four
      `(out, batch) x (batch, in)` products, `count_moments`), and the device applies them at once in closed form
      (`pulse_counts`: one Gaussian draw per cell, the ups and downs interleaved). One sample's `coincidences`
      in this mode draws the binomial counts.
    """

    bl: int = eqx.field(static=True, default=31)
    update_management: bool = eqx.field(static=True, default=True)
    bl_management: bool = eqx.field(static=True, default=True)
    mode: str = eqx.field(static=True, default="bit_trains")

    def __check_init__(self):
        check_int(self.bl, "PulseUpdate bl (pulse train length BL)", minimum=1)
        if self.mode not in _MODES:
            raise ValueError(f"PulseUpdate mode must be one of {_MODES}, got {self.mode!r}")

    def check_lr(self, lr, dw_min) -> None:
        """Raise `ValueError` if the learning rate asks for more than `BL` pulses for a unit update
        (`lr / dw_min > BL`): the trains could not deliver it. Traced values are not checked."""
        lr_c, dw_c = concrete(lr), concrete(dw_min)
        if lr_c is None or dw_c is None:
            return
        if not lr_c >= 0:
            raise ValueError(f"learning rate must be >= 0, got {lr}")
        if lr_c / dw_c > self.bl:
            raise ValueError(
                f"learning rate {float(lr_c):g} maps to lr / dw_min = {float(lr_c / dw_c):.1f} pulses per unit "
                f"update, more than the pulse train length BL = {self.bl}: lower lr to <= {float(dw_c) * self.bl:g} "
                "or raise bl"
            )

    def probabilities(self, x: jax.Array, d: jax.Array, lr, dw_min):
        """Per-slot firing probabilities of the rows (`p`, shape `x`) and columns (`q`, shape `d`) and the number of
        slots used (`bl_used`, an int scalar)."""
        x_max, d_max = jnp.max(jnp.abs(x)), jnp.max(jnp.abs(d))
        live = (x_max > 0) & (d_max > 0) & (lr > 0)
        k = lr * x_max * d_max / dw_min
        bl = jnp.asarray(self.bl, jnp.float32)
        if self.bl_management:
            bl = jnp.clip(jnp.ceil(k), 1.0, self.bl)
        a = b = jnp.sqrt(lr / (dw_min * bl))
        if self.update_management:
            safe_x, d_val = jnp.where(live, x_max, 1.0), jnp.where(live, d_max, 1.0)
            d_val = d_val * jnp.where(k > self.bl, self.bl / jnp.where(live, k, 1.0), 1.0)
            a = a * jnp.sqrt(safe_x / d_val)
            b = b * jnp.sqrt(d_val / safe_x)
        p = jnp.where(live, jnp.minimum(jnp.abs(x) * b, 1.0), 0.0)
        q = jnp.where(live, jnp.minimum(jnp.abs(d) * a, 1.0), 0.0)
        return p, q, jnp.where(live, bl, 0.0).astype(jnp.int32)

    def coincidences(self, x: jax.Array, d: jax.Array, lr, dw_min, *, key) -> jax.Array:
        """The signed number of up pulses each cell of the `(out, in)` array receives for the update
        `-lr d x^T` of one sample (`x`: `(in,)`, `d`: `(out,)`): an int32 array, `n > 0` up, `n < 0` down."""
        if x.ndim != 1 or d.ndim != 1:
            raise ValueError(f"coincidences takes one sample: x (in,) and d (out,), got {x.shape} and {d.shape}")
        if key is None:
            raise ValueError("the pulse trains are stochastic: pass key=...")
        p, q, bl_used = self.probabilities(x, d, lr, dw_min)
        if self.mode == "bit_trains":
            kx, kd = jr.split(key)
            slot = (jnp.arange(self.bl) < bl_used)[:, None]
            rows = (jr.uniform(kx, (self.bl,) + x.shape) < p) & slot
            cols = (jr.uniform(kd, (self.bl,) + d.shape) < q) & slot
            count = jnp.round(cols.astype(jnp.float32).T @ rows.astype(jnp.float32)).astype(jnp.int32)
        else:
            prob = q[:, None] * p[None, :]
            count = jr.binomial(key, bl_used.astype(jnp.float32), prob).astype(jnp.int32)
        sign = -(jnp.sign(d)[:, None] * jnp.sign(x)[None, :]).astype(jnp.int32)
        return sign * count

    def count_moments(self, x: jax.Array, d: jax.Array, lr, dw_min):
        """Mean and variance, per cell, of the numbers of up and down pulses a batch delivers (`x` `(batch, in)`,
        `d` `(batch, out)`), each sample's count being `Binomial(bl_b, p_i q_j)` in the direction
        `-sign(d_j) sign(x_i)`, independent across samples. With `T = sum_b bl_b q p`, `S` the same with the signs,
        and `T2`, `S2` with `(q p)^2`: `E[n_up] = (T - S) / 2`, `E[n_down] = (T + S) / 2`,
        `Var[n_up] = E[n_up] - (T2 - S2) / 2`, `Var[n_down] = E[n_down] - (T2 + S2) / 2`.

        **Returns:**

        `(n_up, var_up, n_down, var_down)`, float32 arrays of shape `(out, in)`.
        """
        p, q, bl = jax.vmap(lambda xb, db: self.probabilities(xb, db, lr, dw_min))(x, d)
        # The column factors as (out, batch) and four plain matrix products: XLA:CPU runs these through its fast
        # GEMM, where a batched product contracting the leading axis of (4, batch, out) takes about 1.3x longer.
        q, sd = q.T, jnp.sign(d).T
        qb = q * bl[None, :].astype(jnp.float32)
        sx, qbq = jnp.sign(x), qb * q
        t, s, t2, s2 = (a @ b for a, b in ((qb, p), (qb * sd, p * sx), (qbq, p * p), (qbq * sd, p * p * sx)))
        n_up, n_down = 0.5 * (t - s), 0.5 * (t + s)
        var_up = jnp.maximum(n_up - 0.5 * (t2 - s2), 0.0)
        var_down = jnp.maximum(n_down - 0.5 * (t2 + s2), 0.0)
        return jnp.maximum(n_up, 0.0), var_up, jnp.maximum(n_down, 0.0), var_down
