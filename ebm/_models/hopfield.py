"""The classical Hopfield network."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._validate import check_states, concrete
from .base import (
    AbstractFullyVisibleEBM,
    MatVec,
    pairwise_crossbar_fields,
)


def check_patterns(patterns, *, spins: bool) -> jax.Array:
    """Stored patterns as a float32 (n_patterns, n) array with `n_patterns >= 1` (and, with `spins`, values in
    {-1, +1} when concrete)."""
    p = jnp.asarray(patterns, jnp.float32)
    if p.ndim != 2 or p.shape[0] < 1:
        raise ValueError(f"patterns must be (n_patterns, n) with n_patterns >= 1, got shape {p.shape}")
    v = concrete(p)
    if spins and v is not None and not np.all(np.isin(v, (-1, 1))):
        raise ValueError("Hopfield patterns must be spins in {-1, +1}")
    return p


class Hopfield(AbstractFullyVisibleEBM):
    """Classical Hopfield network (Hopfield, PNAS 79, 2554, 1982) over spins `s` in {-1,+1}^n.

    `E(s) = -1/2 s^T J s - b^T s` with symmetric `J` and zero diagonal. Build with `Hopfield.hebbian` or
    `Hopfield.storkey`; `recall` runs deterministic asynchronous dynamics (zero temperature); the samplers run it
    at finite temperature. Dense: every unit is its own colour block (asynchronous updates).

    **Arguments:**

    - `J`: symmetric couplings (n, n) with zero diagonal.
    - `bias`: (n,) biases.
    """

    J: Float[Array, "n n"]
    bias: Float[Array, " n"]

    def __check_init__(self):
        if self.J.ndim != 2 or self.J.shape[0] != self.J.shape[1]:
            raise ValueError(f"Hopfield J must be square (n, n), got {self.J.shape}")
        if self.bias.shape != self.J.shape[:1]:
            raise ValueError(f"Hopfield bias must have shape ({self.J.shape[0]},), got {self.bias.shape}")

    @classmethod
    def hebbian(cls, patterns) -> Hopfield:
        """Hebb's rule `J = (1/n) sum_mu xi^mu xi^mu^T`, zero diagonal (capacity about 0.138 n random patterns:
        Amit, Gutfreund & Sompolinsky, PRL 55, 1530, 1985)."""
        p = check_patterns(patterns, spins=True)
        n = p.shape[1]
        J = p.T @ p / n
        return cls(J=J * (1.0 - jnp.eye(n)), bias=jnp.zeros(n))

    @classmethod
    def storkey(cls, patterns) -> Hopfield:
        """Storkey's incremental rule (Storkey, ICANN 1997), higher capacity than Hebb on correlated patterns:
        `J_ij += (xi_i xi_j - xi_i h_ji - h_ij xi_j) / n` with `h_ij = sum_{k != i, j} J_ik xi_k`."""
        p = check_patterns(patterns, spins=True)
        n = p.shape[1]

        def add(J, xi):
            h = J @ xi  # h_i = sum_k J_ik xi_k (J has zero diagonal)
            H = h[:, None] - J * xi[None, :]  # h_ij = h_i - J_ij xi_j (the k = i term is zero)
            dJ = (jnp.outer(xi, xi) - xi[:, None] * H.T - H * xi[None, :]) / n
            J = J + dJ
            return J * (1.0 - jnp.eye(n)), None

        J, _ = jax.lax.scan(add, jnp.zeros((n, n)), p)
        J = 0.5 * (J + J.T)
        return cls(J=J, bias=jnp.zeros(n))

    @property
    def n_units(self) -> int:
        return self.J.shape[0]

    @property
    def spin(self) -> bool:
        return True

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        return tuple((i,) for i in range(self.n_units))

    def energy(self, s: Float[Array, " n"]) -> Float[Array, ""]:
        return -0.5 * s @ self.J @ s - self.bias @ s

    def field(self, s: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
        idx = np.asarray(block)
        return 2.0 * (self.J[idx] @ s + self.bias[idx])

    def fields_t(self, st: Float[Array, "n chains"], block: tuple[int, ...]) -> Float[Array, "b chains"]:
        idx = np.asarray(block)
        return 2.0 * (self.J[idx] @ st + self.bias[idx][:, None])

    def coupling_matrices(self) -> tuple[Float[Array, "out in"], ...]:
        """`J` (n, n)."""
        return (self.J,)

    @property
    def block_matrices(self) -> tuple[int, ...]:
        return (0,) * self.n_units

    def crossbar_fields(
        self, mvm: MatVec, x: Float[Array, "chains n"], c: int, block: tuple[int, ...]
    ) -> Float[Array, "chains b"]:
        return pairwise_crossbar_fields(mvm, x, block, self.bias, True)

    def recall(self, s0: Float[Array, "... n"], *, sweeps: int = 10) -> Float[Array, "... n"]:
        """Zero-temperature asynchronous dynamics `s_i <- sign(sum_j J_ij s_j + b_i)` (ties keep `s_i`), units
        in order, for `sweeps` sweeps. Never increases the energy."""
        s0 = check_states(self, s0, name="s0")
        n = self.n_units

        def one(s):
            def unit(i, s):
                h = self.J[i] @ s + self.bias[i]
                return s.at[i].set(jnp.where(h > 0, 1.0, jnp.where(h < 0, -1.0, s[i])))

            return jax.lax.fori_loop(0, sweeps * n, lambda t, s: unit(t % n, s), s)

        flat = s0.reshape(-1, n)
        return jax.vmap(one)(flat).reshape(s0.shape)
