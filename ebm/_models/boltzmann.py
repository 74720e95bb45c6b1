"""The Boltzmann machine / Ising model on a sparse graph."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Float, Int

from .._colour import colour_blocks, greedy_colouring
from .._custom_types import PRNGKeyArray
from .._validate import check_int, concrete, require_key
from .base import (
    AbstractFullyVisibleEBM,
    MatVec,
    pairwise_crossbar_fields,
)


def _neighbour_table(n: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded adjacency: neighbour index (n, d), edge index (n, d) and mask (n, d), d = max degree (>= 1)."""
    lists: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (i, j) in enumerate(edges):
        lists[int(i)].append((int(j), e))
        lists[int(j)].append((int(i), e))
    d = max(1, max((len(x) for x in lists), default=0))
    nb = np.zeros((n, d), np.int32)
    eid = np.zeros((n, d), np.int32)
    mask = np.zeros((n, d), bool)
    for i, row in enumerate(lists):
        for k, (j, e) in enumerate(row):
            nb[i, k], eid[i, k], mask[i, k] = j, e, True
    return nb, eid, mask


def _check_edges(n: int, edges) -> np.ndarray:
    """The edges as a concrete (m, 2) int64 array of distinct, non-self pairs of units `0..n-1`."""
    e = concrete(edges)
    if e is None:
        raise ValueError("BoltzmannMachine edges must be concrete (the graph is static), not traced")
    e = np.asarray(e, dtype=np.int64).reshape(-1, 2) if e.size else np.zeros((0, 2), np.int64)
    if e.size and (e.min() < 0 or e.max() >= n):
        raise ValueError(
            f"BoltzmannMachine edges must index units 0..{n - 1}, got range [{e.min()}, {e.max()}]"
        )
    if np.any(e[:, 0] == e[:, 1]):
        raise ValueError("BoltzmannMachine edges must not contain self-loops (i, i); put those in the bias")
    if len(np.unique(np.sort(e, axis=1), axis=0)) != len(e):
        raise ValueError("BoltzmannMachine edges must be distinct (each unordered pair at most once)")
    return e


class BoltzmannMachine(AbstractFullyVisibleEBM):
    """A Boltzmann machine / Ising model on a sparse graph with biases (Ackley, Hinton & Sejnowski 1985).

    `E(x) = -sum_{(i,j) in edges} w_ij x_i x_j - sum_i b_i x_i` with `x` in {0,1}^n, or `s` in {-1,+1}^n with
    `spin=True` (the Ising model, `J = w`, `h = b`). Local fields are computed from a padded neighbour table (cost
    proportional to the number of edges); the colour blocks come from DSatur on the graph.

    **Arguments:**

    - `n`: number of units.
    - `edges`: a concrete (m, 2) int array of distinct, non-self pairs.
    - `weights`: (m,) couplings, one per edge (trainable).
    - `bias`: (n,) biases (trainable; zero by default).
    - `spin`: units in {-1, +1} (Ising) instead of {0, 1}.
    """

    weights: Float[Array, " m"]
    bias: Float[Array, " n"]
    edges: Int[Array, "m 2"]
    nb: Int[Array, "n d"]
    nb_edge: Int[Array, "n d"]
    nb_mask: Array
    _n: int = eqx.field(static=True)
    _spin: bool = eqx.field(static=True)
    _blocks: tuple[tuple[int, ...], ...] = eqx.field(static=True)

    def __init__(self, n: int, edges, weights, bias=None, *, spin: bool = False):
        check_int(n, "BoltzmannMachine n", 1)
        e = _check_edges(n, edges)
        weights = jnp.asarray(weights, jnp.float32)
        if weights.shape != (len(e),):
            raise ValueError(
                f"BoltzmannMachine weights must have shape ({len(e)},) (one per edge), got {weights.shape}"
            )
        bias = jnp.zeros(n, jnp.float32) if bias is None else jnp.asarray(bias, jnp.float32)
        if bias.shape != (n,):
            raise ValueError(f"BoltzmannMachine bias must have shape ({n},), got {bias.shape}")
        if not isinstance(spin, bool):
            raise ValueError(f"spin must be a bool, got {spin!r}")
        nb, eid, mask = _neighbour_table(n, e)
        self.weights = weights
        self.bias = bias
        self.edges = jnp.asarray(e, jnp.int32)
        self.nb = jnp.asarray(nb)
        self.nb_edge = jnp.asarray(eid)
        self.nb_mask = jnp.asarray(mask)
        self._n = int(n)
        self._spin = spin
        self._blocks = colour_blocks(greedy_colouring(n, e))

    @classmethod
    def from_dense(cls, J, bias=None, *, spin: bool = False) -> BoltzmannMachine:
        """From a symmetric coupling matrix `J` (n, n) with zero diagonal: one edge per nonzero `J_ij`, i < j,
        and `E = -1/2 x^T J x - b^T x`."""
        J = np.asarray(J, np.float32)
        if J.ndim != 2 or J.shape[0] != J.shape[1]:
            raise ValueError(f"J must be square (n, n), got shape {J.shape}")
        if not np.allclose(J, J.T, atol=1e-6):
            raise ValueError("J must be symmetric")
        if np.any(np.diag(J) != 0):
            raise ValueError("J must have a zero diagonal (self-couplings are biases)")
        i, j = np.nonzero(np.triu(J, 1))
        return cls(J.shape[0], np.stack([i, j], 1), J[i, j], bias, spin=spin)

    @classmethod
    def random(
        cls,
        n: int,
        *,
        key: PRNGKeyArray,
        edge_prob: float = 1.0,
        coupling_std: float = 1.0,
        bias_std: float = 0.5,
        spin: bool = False,
    ) -> BoltzmannMachine:
        """Gaussian couplings on an Erdos-Renyi graph (each pair kept with probability `edge_prob`)."""
        require_key(key, "BoltzmannMachine.random (random parameters)")
        if not 0.0 <= edge_prob <= 1.0:
            raise ValueError(f"edge_prob must be in [0, 1], got {edge_prob}")
        kg, kw, kb = jr.split(key, 3)
        i, j = np.triu_indices(n, 1)
        keep = np.asarray(jr.uniform(kg, (len(i),))) < edge_prob
        edges = np.stack([i[keep], j[keep]], 1)
        w = coupling_std * jr.normal(kw, (len(edges),))
        b = bias_std * jr.normal(kb, (n,))
        return cls(n, edges, w, b, spin=spin)

    @classmethod
    def lattice(
        cls, side: int, *, coupling: float = 1.0, field: float = 0.0, periodic: bool = True, spin: bool = True
    ) -> BoltzmannMachine:
        """A `side x side` square-lattice Ising model with uniform coupling and field (row-major units)."""
        if not isinstance(side, int) or side < 2:
            raise ValueError(f"side must be an int >= 2, got {side!r}")
        idx = np.arange(side * side).reshape(side, side)
        right = np.roll(idx, -1, axis=1) if periodic else idx[:, 1:]
        down = np.roll(idx, -1, axis=0) if periodic else idx[1:, :]
        a1 = idx if periodic else idx[:, :-1]
        a2 = idx if periodic else idx[:-1, :]
        edges = np.concatenate(
            [np.stack([a1.ravel(), right.ravel()], 1), np.stack([a2.ravel(), down.ravel()], 1)]
        )
        if periodic and side == 2:
            edges = np.unique(np.sort(edges, 1), axis=0)
        return cls(
            side * side,
            edges,
            np.full(len(edges), coupling, np.float32),
            np.full(side * side, field),
            spin=spin,
        )

    @property
    def n_units(self) -> int:
        return self._n

    @property
    def spin(self) -> bool:
        return self._spin

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        return self._blocks

    def dense_couplings(self) -> Float[Array, "n n"]:
        """The symmetric coupling matrix `J` with `E = -1/2 x^T J x - b^T x`."""
        J = jnp.zeros((self._n, self._n)).at[self.edges[:, 0], self.edges[:, 1]].set(self.weights)
        return J + J.T

    def energy(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        pair = x[self.edges[:, 0]] * x[self.edges[:, 1]]
        return -(self.weights @ pair) - self.bias @ x

    def _neighbours(self, idx) -> tuple[Int[Array, "b d"], Float[Array, "b d"]]:
        """Neighbour indices and coupling weights (zero in padding) of the units `idx` (all if `None`)."""
        if idx is None:
            nb, eid, mask = self.nb, self.nb_edge, self.nb_mask
        else:
            nb, eid, mask = self.nb[idx], self.nb_edge[idx], self.nb_mask[idx]
        w = jnp.where(mask, self.weights[eid], 0.0) if self.weights.size else jnp.zeros(nb.shape)
        return nb, w

    def local_fields(self, x: Float[Array, " n"], idx=None) -> Float[Array, " b"]:
        """`h_i = b_i + sum_j J_ij x_j` for the units `idx` (all by default)."""
        idx = None if idx is None else np.asarray(idx)
        nb, w = self._neighbours(idx)
        b = self.bias if idx is None else self.bias[idx]
        # one flat gather with clamped (always in-range) indices: measured ~15% faster than x[nb] on XLA:CPU
        g = jnp.take(x, nb.reshape(-1), axis=-1, mode="clip").reshape(nb.shape)
        return b + jnp.sum(w * g, axis=-1)

    def field(self, x: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
        h = self.local_fields(x, block)
        return 2.0 * h if self._spin else h

    def fields_t(self, xt: Float[Array, "n chains"], block: tuple[int, ...]) -> Float[Array, "b chains"]:
        idx = np.asarray(block)
        nb, w = self._neighbours(idx)
        rows = jnp.take(xt, nb.reshape(-1), axis=0, mode="clip").reshape(nb.shape + xt.shape[1:])
        h = self.bias[idx][:, None] + jnp.sum(w[:, :, None] * rows, axis=1)
        return 2.0 * h if self._spin else h

    def coupling_matrices(self) -> tuple[Float[Array, "out in"], ...]:
        """The dense symmetric `J` (n, n) of `dense_couplings`."""
        return (self.dense_couplings(),)

    @property
    def block_matrices(self) -> tuple[int, ...]:
        return (0,) * len(self._blocks)

    def crossbar_fields(
        self, mvm: MatVec, x: Float[Array, "chains n"], c: int, block: tuple[int, ...]
    ) -> Float[Array, "chains b"]:
        return pairwise_crossbar_fields(mvm, x, block, self.bias, self._spin)
