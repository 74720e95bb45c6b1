"""The crossbar workload: one Gaussian matrix-vector product, its relative error on analog hardware over many
programmings, and the digital int8 baseline it is compared with."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from analogsim import CrossbarConfig, program
from analogsim.nn import Int8Linear


def mvm_problem(key, n_out: int, n_in: int, batch: int):
    """A Gaussian weight matrix scaled by `1 / sqrt(n_in)` and a batch of standard Gaussian inputs.

    **Returns:**

    `(W, x)` with `W` of shape (n_out, n_in) and `x` of shape (batch, n_in).
    """
    kw, kx = jr.split(key)
    W = jr.normal(kw, (n_out, n_in)) / np.sqrt(n_in)
    x = jr.normal(kx, (batch, n_in))
    return W, x


def relative_error(y, y_ref):
    """`|y - y_ref| / |y_ref|` in the Frobenius norm."""
    return jnp.linalg.norm(y - y_ref) / jnp.linalg.norm(y_ref)


def int8_mvm(W, x):
    """The digital int8 baseline of `x @ W.T` (`analogsim.nn.Int8Linear`: per-row weight scales, per-vector
    activation scales, exact integer accumulation), for `x` of shape (..., n_in)."""
    return Int8Linear(W, None)(x)


def mc_errors(W, x, cfg: CrossbarConfig, times: list, n_prog: int, key) -> np.ndarray:
    """Relative MVM error `|y - W x| / |W x|` for independent programmings (vmapped over keys) at several times.

    **Arguments:**

    - `W`, `x`: the problem (`mvm_problem`).
    - `cfg`: the hardware.
    - `times`: seconds after programming; `None` for the array as programmed.
    - `n_prog`: number of independent programmings.
    - `key`: the PRNG key of programming, drift and read noise.

    **Returns:**

    A NumPy array of shape (n_prog, len(times)).
    """

    def one(k, W, x):
        y_ref = x @ W.T
        kp, kt, kn = jr.split(k, 3)
        xb = program(W, cfg, key=kp)
        errs = []
        for i, t in enumerate(times):
            xt = xb if t is None else xb.at(t, key=jr.fold_in(kt, i))
            errs.append(relative_error(xt(x, key=jr.fold_in(kn, i)), y_ref))
        return jnp.stack(errs)

    # W and x are arguments, not closed-over constants, so XLA does not constant-fold the reference product.
    run = jax.jit(jax.vmap(one, in_axes=(0, None, None)))
    return np.asarray(run(jr.split(key, n_prog), W, x))
