"""The high-order Hopfield energy of a CNF formula and the make/break counts it gives.

For a clause `c` with literals `l_i(x)` (`l_i = x_i` for a positive literal, `1 - x_i` for a negated one) the clause
is violated iff every literal is false, so the energy

```
E(x) = sum_c prod_{i in c} (1 - l_i(x))
```

counts the unsatisfied clauses on binary `x` and is the multilinear relaxation on `x in [0, 1]^N` (Hizzani et al.,
ISCAS 2024; Bhattacharya et al., Nat. Commun. 15, 8211, 2024). Because `E` is multilinear, the energy change of a
single flip is exact: `E(x with x_v flipped) - E(x) = (1 - 2 x_v) dE/dx_v`, and

```
dE/dx_v = sum_{c contains v} s_cv prod_{j in c, j != v} (1 - l_j(x)),    s_cv = -1 for x_v, +1 for not x_v.
```

On binary `x` the product is 1 iff every *other* literal of `c` is false: if `v`'s literal is false too, flipping
`v` satisfies `c` (a *make*); if it is true, `v` is the clause's only true literal and flipping it breaks `c` (a
*break*). So `dE/dx_v (1 - 2 x_v) = break_v - make_v`, the flip gain of WalkSAT/probSAT.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Int

from ._cnf import CNF

__all__ = ["energy", "make_break", "flip_delta", "is_satisfied", "verify"]


def _check_x(cnf: CNF, x) -> Array:
    x = jnp.asarray(x)
    if x.ndim < 1 or x.shape[-1] != cnf.n_vars:
        raise ValueError(f"`x` must have shape (..., n_vars) = (..., {cnf.n_vars}), got {x.shape}.")
    return x


def _literal_values(cnf: CNF, x):
    """The literal values `(..., m, k)` of assignments `x` `(..., n_vars)`; padding slots are false literals."""
    xv = jnp.take(x, cnf.var_index, axis=-1)  # (..., m, k)
    if jnp.issubdtype(xv.dtype, jnp.bool_):
        lit = jnp.where(cnf.is_positive, xv, ~xv)
        return lit & cnf.literal_mask
    lit = jnp.where(cnf.is_positive, xv, 1 - xv)
    return jnp.where(cnf.literal_mask, lit, jnp.zeros_like(lit))


def energy(cnf: CNF, x: Array) -> Array:
    """`E(x) = sum_c prod_{i in c} (1 - l_i(x))`.

    **Arguments:**

    - `cnf`: the formula.
    - `x`: assignments of shape `(..., n_vars)` (leading axes are a batch of replicas): boolean or integer (binary)
      or floating in `[0, 1]`.

    **Returns:**

    For binary `x`, the exact number of unsatisfied clauses as `int32`; for floating `x`, the multilinear
    relaxation, differentiable with `jax.grad`. Shape `x.shape[:-1]`.
    """
    x = _check_x(cnf, x)
    if jnp.issubdtype(x.dtype, jnp.floating):
        lit = _literal_values(cnf, x)
        return jnp.sum(jnp.prod(1 - lit, axis=-1), axis=-1)
    lit = _literal_values(cnf, x.astype(bool))
    return jnp.sum(~jnp.any(lit, axis=-1), axis=-1, dtype=jnp.int32)


def is_satisfied(cnf: CNF, x: Array) -> Bool[Array, ...]:
    """Whether the binary assignment(s) `x` (shape `(..., n_vars)`) satisfy every clause."""
    return energy(cnf, jnp.asarray(x).astype(bool)) == 0


def make_break(cnf: CNF, x: Array) -> tuple[Int[Array, "... n"], Int[Array, "... n"]]:
    """Make and break counts of every variable for binary assignment(s) `x` (shape `(..., n_vars)`).

    `make_v` is the number of unsatisfied clauses that flipping `v` would satisfy, `break_v` the number of satisfied
    clauses it would violate. They are read off the high-order network's gradient: each clause-literal pair
    contributes the product of its *other* literals' falsities (see the module docstring), to `make` when `v`'s
    literal is false and to `break` when it is true.
    """
    x = _check_x(cnf, x).astype(bool)
    lit = _literal_values(cnf, x)  # (..., m, k), padding false
    n_true = jnp.sum(lit, axis=-1, dtype=jnp.int32)[..., None]  # (..., m, 1)
    others_false = (n_true - lit.astype(jnp.int32)) == 0  # prod_{j != i} (1 - l_j)
    mask = cnf.literal_mask
    make_c = (others_false & ~lit & mask).astype(jnp.int32)
    break_c = (others_false & lit & mask).astype(jnp.int32)
    batch = x.shape[:-1]
    flat_idx = cnf.var_index.reshape(-1)
    make = jnp.zeros((*batch, cnf.n_vars), jnp.int32).at[..., flat_idx].add(make_c.reshape(*batch, -1))
    brk = jnp.zeros((*batch, cnf.n_vars), jnp.int32).at[..., flat_idx].add(break_c.reshape(*batch, -1))
    return make, brk


def flip_delta(cnf: CNF, x: Array) -> Int[Array, "... n"]:
    """`E(x with x_v flipped) - E(x)` for every variable `v`: `break_v - make_v`."""
    make, brk = make_break(cnf, x)
    return brk - make


def verify(cnf: CNF, assignment) -> bool:
    """Independent check (plain NumPy, not the network) that `assignment` (`n_vars` booleans) satisfies `cnf`.

    Used by `hnn.solve` before it reports `satisfied`."""
    a = np.asarray(assignment).astype(bool).reshape(-1)
    if a.shape[0] != cnf.n_vars:
        return False
    clauses = np.asarray(cnf.clauses)
    if clauses.shape[0] == 0:
        return True
    idx = np.maximum(np.abs(clauses) - 1, 0)
    vals = a[idx]
    lit = np.where(clauses > 0, vals, ~vals) & (clauses != 0)
    return bool(np.all(lit.any(axis=1)))
