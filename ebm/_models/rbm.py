"""The Bernoulli-Bernoulli restricted Boltzmann machine."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
from jaxtyping import Array, Float

from analogsim import random as _random

from .._custom_types import PRNGKeyArray
from .._validate import check_int, require_key
from .base import AbstractEBM, Annealing, Enumeration, MatVec, grad_field, vmapped_fields_t


def _log_odds(p: Float[Array, " n"]) -> Float[Array, " n"]:
    """`log(p / (1 - p))` with `p` clipped to [1e-3, 1 - 1e-3] (a pixel never on stays finite)."""
    p = jnp.clip(jnp.asarray(p, jnp.float32), 1e-3, 1 - 1e-3)
    return jnp.log(p) - jnp.log1p(-p)


class RBM(AbstractEBM):
    """Bernoulli-Bernoulli restricted Boltzmann machine (Smolensky 1986; Hinton 2002).

    `E(v, h) = -v^T W h - a^T v - b^T h` with `v` in {0,1}^nv, `h` in {0,1}^nh. The joint state is
    `x = concat(v, h)`; the two layers are the two colour blocks.

    **Arguments:**

    - `W`: couplings (n_visible, n_hidden).
    - `a`: visible biases (n_visible,).
    - `b`: hidden biases (n_hidden,).
    """

    W: Float[Array, "nv nh"]
    a: Float[Array, " nv"]
    b: Float[Array, " nh"]

    def __check_init__(self):
        if self.W.ndim != 2:
            raise ValueError(f"RBM W must be (n_visible, n_hidden), got shape {self.W.shape}")
        nv, nh = self.W.shape
        if self.a.shape != (nv,) or self.b.shape != (nh,):
            raise ValueError(
                f"RBM biases must have shapes a: ({nv},), b: ({nh},) to match W {self.W.shape}, "
                f"got a: {self.a.shape}, b: {self.b.shape}"
            )

    @classmethod
    def init(
        cls, n_visible: int, n_hidden: int, *, key: PRNGKeyArray, std: float = 0.01, visible_mean=None
    ) -> RBM:
        """Small random couplings (std `std`), zero hidden biases, and visible biases at the data log-odds
        `log(p / (1 - p))` if `visible_mean` (n_visible,) is given (Hinton, "A practical guide to training
        restricted Boltzmann machines", UTML TR 2010-003, section 8)."""
        check_int(n_visible, "RBM n_visible", 1)
        check_int(n_hidden, "RBM n_hidden", 1)
        require_key(key, "RBM.init (random couplings)")
        W = std * jr.normal(key, (n_visible, n_hidden))
        a = jnp.zeros(n_visible) if visible_mean is None else _log_odds(visible_mean)
        return cls(W=W, a=a, b=jnp.zeros(n_hidden))

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        """Units of the hidden layer."""
        return self.W.shape[1]

    @property
    def n_units(self) -> int:
        return self.W.shape[0] + self.W.shape[1]

    @property
    def spin(self) -> bool:
        return False

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        nv, nh = self.W.shape
        return (tuple(range(nv)), tuple(range(nv, nv + nh)))

    def split(self, x: Float[Array, "... n"]) -> tuple[Array, Array]:
        """`(v, h)` of joint states `x`."""
        return x[..., : self.n_visible], x[..., self.n_visible :]

    def energy(self, x: Float[Array, " n"]) -> Float[Array, ""]:
        v, h = self.split(x)
        return -(v @ self.W @ h) - self.a @ v - self.b @ h

    def field(self, x: Float[Array, " n"], block: tuple[int, ...]) -> Float[Array, " b"]:
        v, h = self.split(x)
        nv = self.n_visible
        if block == tuple(range(nv)):
            return self.a + self.W @ h
        if block == tuple(range(nv, self.n_units)):
            return self.b + v @ self.W
        return grad_field(self, x, block)

    def fields_t(self, xt: Float[Array, "n chains"], block: tuple[int, ...]) -> Float[Array, "b chains"]:
        nv = self.n_visible
        if block == tuple(range(nv)):
            return self.a[:, None] + self.W @ xt[nv:]
        if block == tuple(range(nv, self.n_units)):
            return self.b[:, None] + self.W.T @ xt[:nv]
        return vmapped_fields_t(self, xt, block)

    def free_energy(self, v: Float[Array, " nv"]) -> Float[Array, ""]:
        """`F(v) = -a^T v - sum_j softplus(b_j + (W^T v)_j)`."""
        return -(self.a @ v) - jnp.sum(jax.nn.softplus(self.b + v @ self.W))

    def hidden_free_energy(self, h: Float[Array, " nh"]) -> Float[Array, ""]:
        """`-log sum_v exp(-E(v, h)) = -b^T h - sum_i softplus(a_i + (W h)_i)`."""
        return -(self.b @ h) - jnp.sum(jax.nn.softplus(self.a + self.W @ h))

    def visible_to_state(self, v: Float[Array, "... nv"], key: PRNGKeyArray) -> Float[Array, "... n"]:
        """`concat(v, h)` with `h ~ p(h | v)`."""
        ph = jax.nn.sigmoid(self.b + v @ self.W)
        h = (jr.uniform(key, ph.shape) < ph).astype(v.dtype)
        return jnp.concatenate([v, h], axis=-1)

    def enumeration(self, beta) -> Enumeration:
        """The smaller layer is enumerated and the other summed out analytically (`log Z = logsumexp_h -F(h)`), so
        a 64x20 RBM costs 2**20 terms."""
        scaled = RBM(W=beta * self.W, a=beta * self.a, b=beta * self.b)
        if self.n_hidden <= self.n_visible:
            return Enumeration(
                self.n_hidden, False, "the smaller RBM layer", lambda h: -scaled.hidden_free_energy(h)
            )
        return Enumeration(self.n_visible, False, "the smaller RBM layer", lambda v: -scaled.free_energy(v))

    def annealing(self, base_visible_mean: Float[Array, " nv"] | None) -> Annealing:
        """The visible marginal annealed from a base-rate model `p_0(v) ~ exp(a0^T v)` (hidden units uniform) to
        the RBM (Salakhutdinov & Murray, "On the quantitative analysis of deep belief networks", ICML 2008):
        `p_k(v) ~ exp((1 - b_k) a0^T v) exp(b_k a^T v) prod_j (1 + exp(b_k (b_j + W_j^T v)))`, with one Gibbs step
        (h then v) at each `b_k`. `a0` is the log-odds of `base_visible_mean` (zero without it: a uniform base)."""
        nv, nh = self.W.shape
        if base_visible_mean is None:
            a0 = jnp.zeros(nv)
        else:
            if jnp.shape(base_visible_mean) != (nv,):
                raise ValueError(
                    f"base_visible_mean must have shape ({nv},), got {jnp.shape(base_visible_mean)}"
                )
            a0 = _log_odds(base_visible_mean)

        def log_f(v, bk):  # log unnormalized p_k(v), hidden units summed out
            return (
                (1.0 - bk) * (v @ a0)
                + bk * (v @ self.a)
                + jnp.sum(jax.nn.softplus(bk * (self.b + v @ self.W)))
            )

        def accumulate(lw, v, b_prev, b_k):
            return lw + jax.vmap(log_f, (0, None))(v, b_k) - jax.vmap(log_f, (0, None))(v, b_prev)

        def step(v, b_k, key):
            kh, kv = jr.split(key)
            ph = jax.nn.sigmoid(b_k * (self.b + v @ self.W))
            h = (_random.uniform(kh, ph.shape) < ph).astype(jnp.float32)
            pv = jax.nn.sigmoid((1.0 - b_k) * a0 + b_k * (self.a + h @ self.W.T))
            return (_random.uniform(kv, pv.shape) < pv).astype(jnp.float32)

        return Annealing(
            init=lambda key, n: (jr.uniform(key, (n, nv)) < jax.nn.sigmoid(a0)).astype(jnp.float32),
            log_z0=jnp.sum(jax.nn.softplus(a0)) + nh * jnp.log(2.0),
            accumulate=accumulate,
            step=step,
        )

    def coupling_matrices(self) -> tuple[Float[Array, "out in"], ...]:
        """`W` (nv, nh) for the visible fields and `W^T` (nh, nv) for the hidden fields."""
        return (self.W, self.W.T)

    @property
    def block_matrices(self) -> tuple[int, ...]:
        return (0, 1)

    def crossbar_fields(
        self, mvm: MatVec, x: Float[Array, "chains n"], c: int, block: tuple[int, ...]
    ) -> Float[Array, "chains b"]:
        nv = self.n_visible
        if c == 0:
            return self.a + mvm(0, x[:, nv:])
        return self.b + mvm(1, x[:, :nv])
