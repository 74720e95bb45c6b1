"""Many pulses at once: the weight of a cell after `n_up` up and `n_down` down pulses in closed form, O(1) per cell.

For every model whose step is affine in the weight, `dw = alpha + beta w` (constant step: `beta = 0`; soft bounds:
`beta = -dw_up / w_max` up and `beta = dw_down / w_min` down; linear step), `n` pulses in one direction with
multiplicative cycle-to-cycle noise `1 + s xi` are a product of independent affine maps around the fixed point
`w* = -alpha / beta`: `w_n - w* = (w_0 - w*) prod_k (1 + beta (1 + s xi_k))`. Hence, exactly,

- mean: `w* + (w_0 - w*) (1 + beta)^n`;
- variance: `(w_0 - w*)^2 (1 + beta)^(2n) (exp(n log(1 + beta^2 s^2 / (1 + beta)^2)) - 1)`
  (`n dw^2 s^2` for `beta = 0`: the constant step's random walk).

Ups and downs of one cell arrive interleaved in random order (the update pass of a batch); the mean then uses the
product of all factors `(1 + beta_up)^n_up (1 + beta_down)^n_down` (order independent) and the summed drive
`n_up alpha_up + n_down alpha_down` around the combined fixed point, which is exact for one direction and correct
to first order in `beta n` otherwise. Pulse counts that are themselves random (mean and variance per cell, from the
update pass) add their variance through the step of one pulse at the midpoint weight, damped by the pulses after
it (the delta method); with random counts the cycle-to-cycle variance is taken to the same first order. The result is drawn as one
Gaussian per cell with these two moments (moment matching), then clipped to the cell's bounds.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

_BETA_FLOOR = -0.999
"""Steps larger than the whole span to the bound (`beta <= -1`) overshoot and are clipped by the bound anyway; the
factor `1 + beta` is kept positive so its logarithm exists."""


def _safe(x, ok):
    return jnp.where(ok, x, 1.0)


def _c2c_factor(n, beta, std):
    """`Var / step(w_0)^2 / (1 + beta)^(2n)` of `n` one-direction pulses: `expm1(n log1p(c)) / beta^2` with
    `c = (beta s / (1 + beta))^2`, and its limit `n s^2` at `beta = 0`."""
    nz = beta != 0
    c = jnp.square(beta * std / (1.0 + beta))
    return jnp.where(nz, jnp.expm1(n * jnp.log1p(c)) / jnp.square(_safe(beta, nz)), n * std**2)


def affine_moments(w, steps, n_up, n_down, var_up, var_down, std, *, exact: bool):
    """Mean and variance of a cell's weight after `n_up` up and `n_down` down pulses (see the module docstring).

    **Arguments:**

    - `w`: the weights before the pulses.
    - `steps`: `(alpha_up, beta_up, alpha_down, beta_down)`, the signed step `alpha + beta w` of one up and one down
      pulse (`alpha_down <= 0`).
    - `n_up`, `n_down`: expected pulse counts per cell (float, >= 0).
    - `var_up`, `var_down`: their variances per cell (0 for known counts).
    - `std`: the relative cycle-to-cycle spread of one pulse's step.
    - `exact`: the counts are known (`var_up = var_down = 0`) and each cell's pulses go one way: the exact
      cycle-to-cycle variance of the walk. Otherwise the variances are first order in `beta n` (cheaper: no
      further transcendental functions per cell).

    **Returns:**

    `(mean, var)`, arrays of `w`'s shape.
    """
    a_u, b_u, a_d, b_d = steps
    b_u, b_d = jnp.maximum(b_u, _BETA_FLOOR), jnp.maximum(b_d, _BETA_FLOOR)
    log_prod = n_up * jnp.log1p(b_u) + n_down * jnp.log1p(b_d)
    drive_beta = n_up * b_u + n_down * b_d
    nz = drive_beta != 0
    prod_m1 = jnp.expm1(log_prod)
    prod = 1.0 + prod_m1
    gain = jnp.where(nz, prod_m1 / _safe(drive_beta, nz), 1.0)
    mean = w * prod + (n_up * a_u + n_down * a_d) * gain
    # One pulse more or less, anywhere in the sequence: its step at the midpoint weight, damped by the pulses after
    # it (the average of prod^t over its position t in [0, 1]).
    w_mid = 0.5 * (w + mean)
    lz = log_prod != 0
    damp = jnp.where(lz, prod_m1 / _safe(log_prod, lz), 1.0)
    no_c2c = isinstance(std, (int, float)) and std == 0
    if exact:
        var = jnp.zeros_like(mean)
        if not no_c2c:
            var = jnp.square(prod) * (jnp.square(a_u + b_u * w) * _c2c_factor(n_up, b_u, std)
                                      + jnp.square(a_d + b_d * w) * _c2c_factor(n_down, b_d, std))
        return mean, var
    # Random counts (first order in beta n): each pulse adds its count variance and its cycle-to-cycle variance
    # `s^2 step^2`, both through the same damped midpoint step.
    s2 = 0.0 if no_c2c else jnp.square(std)
    var = jnp.square(damp) * ((var_up + s2 * n_up) * jnp.square(a_u + b_u * w_mid)
                              + (var_down + s2 * n_down) * jnp.square(a_d + b_d * w_mid))
    return mean, var


def split_counts(n: jax.Array):
    """A signed integer pulse count as float `(n_up, n_down)` counts."""
    n = n.astype(jnp.float32)
    return jnp.maximum(n, 0.0), jnp.maximum(-n, 0.0)
