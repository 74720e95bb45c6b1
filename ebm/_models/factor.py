"""The higher-order (factor) Boltzmann machine whose factors are weighted CNF clauses."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

import hnn

from .._colour import colour_blocks, greedy_colouring
from .base import (
    AbstractFullyVisibleEBM,
    AbstractNonPairwiseEBM,
    grad_field,
    vmapped_fields_t,
)


def _check_clauses(cnf: hnn.CNF) -> np.ndarray:
    """The clauses as a NumPy array, each variable at most once per clause (so that `E` is multilinear)."""
    clauses = np.asarray(cnf.clauses)
    for c, row in enumerate(clauses):
        vars_ = np.abs(row[row != 0])
        if len(np.unique(vars_)) != len(vars_):
            raise ValueError(f"clause {c} repeats a variable ({row.tolist()}); each variable at most once")
    return clauses


def _factor_graph_edges(clauses: np.ndarray) -> np.ndarray:
    """The pairs of variables that share a clause (m, 2): the interaction graph to colour."""
    edges = []
    for row in clauses:
        v = np.abs(row[row != 0]) - 1
        edges += [(int(v[i]), int(v[j])) for i in range(len(v)) for j in range(i + 1, len(v))]
    return np.array(edges).reshape(-1, 2)


class FactorBoltzmannMachine(AbstractFullyVisibleEBM, AbstractNonPairwiseEBM):
    """A higher-order (factor) Boltzmann machine over binary units whose factors are weighted CNF clauses.

    `E(x) = sum_c w_c prod_{i in c} (1 - l_i(x)) - b^T x`: clause `c` costs `w_c` when all its literals are
    false. With unit weights and zero bias this is exactly `hnn.energy` (the high-order Hopfield k-SAT energy of
    Bhattacharya et al., Nat. Commun. 15, 8211, 2024), so `p(x) ~ exp(-beta E)` concentrates on satisfying
    assignments as `beta` grows. Any clause of any order is a factor; no quadratization.

    **Arguments:**

    - `cnf`: an `hnn.CNF` (clauses must not repeat a variable, so `E` is multilinear).
    - `clause_weights`: (m,) factor weights (ones by default).
    - `bias`: (n,) unit biases (zeros by default).
    """

    cnf: hnn.CNF
    clause_weights: Float[Array, " m"]
    bias: Float[Array, " n"]
    _blocks: tuple[tuple[int, ...], ...] = eqx.field(static=True)

    def __init__(self, cnf: hnn.CNF, clause_weights=None, bias=None):
        if not isinstance(cnf, hnn.CNF):
            raise ValueError(f"cnf must be an hnn.CNF, got {type(cnf).__name__}")
        clauses = _check_clauses(cnf)
        m, n = clauses.shape[0], cnf.n_vars
        w = jnp.ones(m) if clause_weights is None else jnp.asarray(clause_weights, jnp.float32)
        if w.shape != (m,):
            raise ValueError(f"clause_weights must have shape ({m},), got {w.shape}")
        b = jnp.zeros(n) if bias is None else jnp.asarray(bias, jnp.float32)
        if b.shape != (n,):
            raise ValueError(f"bias must have shape ({n},), got {b.shape}")
        self.cnf = cnf
        self.clause_weights = w
        self.bias = b
        self._blocks = colour_blocks(greedy_colouring(n, _factor_graph_edges(clauses)))

    @property
    def n_units(self) -> int:
        return self.cnf.n_vars

    @property
    def spin(self) -> bool:
        return False

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        return self._blocks

    def clause_energies(self, x: Float[Array, " n"]) -> Float[Array, " m"]:
        """`prod_{i in c} (1 - l_i(x))` of every clause `c`: `hnn.energy` of each clause on its own (the formula's
        clauses as a batch of one-clause formulas), so both packages share one clause energy."""
        one_clause_cnfs = eqx.tree_at(lambda f: f.clauses, self.cnf, self.cnf.clauses[:, None, :])
        return jax.vmap(hnn.energy, in_axes=(0, None))(one_clause_cnfs, x)

    def energy(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        return self.clause_weights @ self.clause_energies(x) - self.bias @ x

    def field(self, x: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
        return grad_field(self, x, block)

    def fields_t(self, xt: Float[Array, "n chains"], block: tuple[int, ...]) -> Float[Array, "b chains"]:
        return vmapped_fields_t(self, xt, block)
