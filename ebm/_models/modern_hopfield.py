"""The modern (dense) Hopfield network with the log-sum-exp energy."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._custom_types import PRNGKeyArray
from .._validate import concrete
from .base import AbstractNonPairwiseEBM, Annealing, Enumeration, grad_field, vmapped_fields_t
from .hopfield import check_patterns


class ModernHopfield(AbstractNonPairwiseEBM):
    """Modern (dense) Hopfield network with the softmax / log-sum-exp energy (Ramsauer et al., "Hopfield networks
    is all you need", ICLR 2021, eq. 2; the exponential dense associative memory of Demircigil et al., J. Stat.
    Phys. 168, 288, 2017):

    `E(x) = -(1/beta) log sum_mu exp(beta xi_mu . x) + 1/2 x . x + (1/beta) log M + 1/2 max_mu |xi_mu|^2`.

    The update `x <- Xi^T softmax(beta Xi x)` (one step of the concave-convex procedure) retrieves a stored pattern
    in one step when patterns are well separated; capacity is exponential in `n`. Its states are continuous and its
    energy is not multilinear, so the block samplers, the estimators of `log Z` and the p-bit machine refuse it.

    **Arguments:**

    - `patterns`: stored patterns (M, n).
    - `beta`: inverse temperature of the softmax (> 0).
    """

    patterns: Float[Array, "m n"]
    beta: Float[Array, ""]

    def __init__(self, patterns, beta=1.0):
        p = check_patterns(patterns, spins=False)
        b = concrete(beta)
        if b is not None and not (np.all(np.isfinite(b)) and np.all(b > 0)):
            raise ValueError(f"beta must be finite and > 0, got {beta}")
        self.patterns = p
        self.beta = jnp.asarray(beta, jnp.float32)

    @property
    def n_units(self) -> int:
        return self.patterns.shape[1]

    @property
    def n_visible(self) -> int:
        return self.patterns.shape[1]

    @property
    def spin(self) -> bool:
        return True

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        raise ValueError("ModernHopfield has a non-multilinear energy; block Gibbs sampling is not supported")

    def energy(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        m = self.patterns.shape[0]
        lse = jax.nn.logsumexp(self.beta * (self.patterns @ x)) / self.beta
        const = math.log(m) / self.beta + 0.5 * jnp.max(jnp.sum(self.patterns**2, axis=1))
        return -lse + 0.5 * x @ x + const

    def field(self, x: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
        """The energy-gradient field `-2 dE/dx_i`: a linearisation here (the energy is not multilinear)."""
        return grad_field(self, x, block)

    def fields_t(self, xt: Float[Array, "n chains"], block: tuple[int, ...]) -> Float[Array, "b chains"]:
        return vmapped_fields_t(self, xt, block)

    def free_energy(self, v: Float[Array, " n"]) -> Float[Array, ""]:
        """The energy (no hidden units)."""
        return self.energy(v)

    def visible_to_state(self, v: Float[Array, "... n"], key: PRNGKeyArray) -> Float[Array, "... n"]:
        """`v` itself (no hidden units)."""
        return v

    def enumeration(self, beta) -> Enumeration:
        """Raises `ValueError`: continuous states, no finite sum."""
        raise ValueError("ModernHopfield has continuous states; its partition function is not a finite sum")

    def annealing(self, base_visible_mean: Float[Array, " n"] | None) -> Annealing:
        """Raises `ValueError`: continuous states."""
        raise ValueError("ModernHopfield has continuous states; AIS over binary units does not apply")

    def update(self, x: Float[Array, "... n"]) -> Float[Array, "... n"]:
        """One retrieval step `Xi^T softmax(beta Xi x)`."""
        return jax.nn.softmax(self.beta * (x @ self.patterns.T), axis=-1) @ self.patterns

    def recall(
        self, x0: Float[Array, "... n"], *, steps: int = 1, binarize: bool = True
    ) -> Float[Array, "... n"]:
        """`steps` retrieval updates from `x0`; with `binarize` the result is `sign` of the last update."""
        x = jnp.asarray(x0, jnp.float32)
        if x.ndim < 1 or x.shape[-1] != self.n_units:
            raise ValueError(f"x0 must have shape (..., {self.n_units}), got {x.shape}")
        x = jax.lax.fori_loop(0, steps, lambda _, x: self.update(x), x)
        return jnp.where(x >= 0, 1.0, -1.0) if binarize else x
