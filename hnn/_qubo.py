"""Quadratization of the k-SAT energy into a QUBO with auxiliary variables (Rosenberg's reduction).

Rosenberg (Cahiers du Centre d'Etudes de Recherche Operationnelle 17, 71-74, 1975) replaces a product `u v` of two
binary quantities by a new binary variable `z` plus the penalty `P (u v - 2 u z - 2 v z + 3 z)`, which is 0 when
`z = u v` and at least `P` otherwise. For a clause with literal-falsity indicators `y_1..y_s` (`y = 1 - x` for a
positive literal, `y = x` for a negated one) the violation indicator `y_1 y_2 ... y_s` becomes, with the chain
`z_1 = y_1 y_2`, `z_j = z_{j-1} y_{j+1}`, the quadratic `z_{s-2} y_s + P sum_j penalty_j`: `s - 2` auxiliary
variables per clause of size `s >= 3`. With `P >= 1`, minimizing over the auxiliary variables gives back the clause
count exactly, so the QUBO has the same minimizers on the original variables. This is the quadratic Ising/QUBO
machine's view of k-SAT, the baseline of Hizzani et al. (ISCAS 2024).
"""

from __future__ import annotations

from collections import defaultdict

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from ._cnf import CNF

__all__ = ["QUBO", "rosenberg", "qubo_energy"]


class QUBO(eqx.Module):
    """A quadratic pseudo-Boolean function `E(s) = offset + sum_i linear_i s_i + sum_e weight_e s_{i_e} s_{j_e}` over
    `s in {0, 1}^n`, stored as an edge list (jit-friendly).

    **Arguments:**

    - `linear`: the linear coefficients `linear_i`.
    - `edges`, `edge_weights`: the pairs `(i_e, j_e)`, `i_e < j_e`, and their weights.
    - `offset`: the constant term.
    - `n_vars`: the number of variables `n`.
    - `n_original`: the first `n_original` variables are the formula's, the rest auxiliary.
    """

    linear: Float[Array, " n"]
    edges: Int[Array, "e 2"]
    edge_weights: Float[Array, " e"]
    offset: Float[Array, ""]
    n_vars: int = eqx.field(static=True)
    n_original: int = eqx.field(static=True)

    @property
    def n_aux(self) -> int:
        """The number of auxiliary variables."""
        return self.n_vars - self.n_original

    def to_dense(self) -> tuple[Float[Array, "n n"], Float[Array, " n"], Float[Array, ""]]:
        """`(W, b, c)` with `W` symmetric, zero diagonal and `E(s) = c + b.s + s.W.s / 2`."""
        w = jnp.zeros((self.n_vars, self.n_vars), self.linear.dtype)
        w = w.at[self.edges[:, 0], self.edges[:, 1]].add(self.edge_weights)
        w = w.at[self.edges[:, 1], self.edges[:, 0]].add(self.edge_weights)
        return w, self.linear, self.offset


def qubo_energy(qubo: QUBO, s: Array) -> Array:
    """`E(s)` for binary (or relaxed) `s` of shape `(..., n_vars)`."""
    s = jnp.asarray(s)
    if s.ndim < 1 or s.shape[-1] != qubo.n_vars:
        raise ValueError(f"`s` must have shape (..., {qubo.n_vars}), got {s.shape}.")
    s = s.astype(qubo.linear.dtype)
    quad = jnp.sum(qubo.edge_weights * s[..., qubo.edges[:, 0]] * s[..., qubo.edges[:, 1]], axis=-1)
    return qubo.offset + s @ qubo.linear + quad


class _Poly:
    """Quadratic polynomial accumulator: affine forms are `(const, {var: coef})`."""

    def __init__(self):
        self.const = 0.0
        self.lin = defaultdict(float)
        self.quad = defaultdict(float)

    def add_affine(self, a, scale):
        c, terms = a
        self.const += scale * c
        for v, w in terms.items():
            self.lin[v] += scale * w

    def add_product(self, a, b, scale):
        ca, ta = a
        cb, tb = b
        self.const += scale * ca * cb
        for v, w in ta.items():
            self.lin[v] += scale * w * cb
        for v, w in tb.items():
            self.lin[v] += scale * w * ca
        for i, wi in ta.items():
            for j, wj in tb.items():
                if i == j:  # s^2 = s on binaries
                    self.lin[i] += scale * wi * wj
                else:
                    self.quad[(min(i, j), max(i, j))] += scale * wi * wj


def rosenberg(cnf: CNF, *, penalty: float = 2.0) -> QUBO:
    """Rosenberg quadratization of `energy(cnf, .)` (one auxiliary chain per clause, see the module docstring).

    **Arguments:**

    - `cnf`: the formula.
    - `penalty`: the weight `P` of the substitution penalties; `P >= 1` keeps the minimizers (`P = 1` admits ties
      in the auxiliary variables, the default 2 makes every wrong auxiliary strictly costlier).

    **Returns:**

    The `QUBO`, whose minimum over the auxiliary variables is `energy(cnf, x)` for every `x`.
    """
    if not penalty >= 1.0:
        raise ValueError(f"`penalty` must be >= 1 for the QUBO to keep the CNF's minimizers, got {penalty}.")
    poly = _Poly()
    n = cnf.n_vars
    next_aux = n
    for clause in cnf.to_lists():
        ys = [((1.0, {abs(lit) - 1: -1.0}) if lit > 0 else (0.0, {abs(lit) - 1: 1.0})) for lit in clause]
        if len(ys) == 0:
            poly.const += 1.0
        elif len(ys) == 1:
            poly.add_affine(ys[0], 1.0)
        elif len(ys) == 2:
            poly.add_product(ys[0], ys[1], 1.0)
        else:
            u = ys[0]
            for y in ys[1:-1]:
                z = (0.0, {next_aux: 1.0})
                next_aux += 1
                # P (u y - 2 u z - 2 y z + 3 z)
                poly.add_product(u, y, penalty)
                poly.add_product(u, z, -2.0 * penalty)
                poly.add_product(y, z, -2.0 * penalty)
                poly.add_affine(z, 3.0 * penalty)
                u = z
            poly.add_product(u, ys[-1], 1.0)
    total = next_aux
    linear = np.zeros(total, np.float32)
    for v, w in poly.lin.items():
        linear[v] += w
    items = [(ij, w) for ij, w in sorted(poly.quad.items()) if w != 0.0]
    edges = np.array([ij for ij, _ in items], np.int32).reshape(-1, 2)
    weights = np.array([w for _, w in items], np.float32)
    return QUBO(
        linear=jnp.asarray(linear),
        edges=jnp.asarray(edges),
        edge_weights=jnp.asarray(weights),
        offset=jnp.asarray(poly.const, jnp.float32),
        n_vars=total,
        n_original=n,
    )
