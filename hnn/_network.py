"""The high-order Hopfield network compiled from a CNF: the clause-literal incidence in both directions.

A clause is a k-th order neuron coupling. The *forward* pass gives each clause its number of true literals (in an
analog crossbar, the MVM of the clause-literal matrix with the input voltages; Bhattacharya et al., Nat. Commun. 15,
8211, 2024); the *backward* pass sums, for each variable, the clauses whose other literals are all false, which is the
energy gradient and so each variable's make and break counts (see `hnn.energy`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Int

from ._cnf import CNF

__all__ = ["HighOrderNetwork"]

# Backward passes over at most this many occurrence slots are unrolled into one fused gather per slot (fast on CPU);
# wider occurrence lists use a single (n, d, replicas) gather.
_UNROLL_LIMIT = 64


def _round_up(n: int, multiple: int) -> int:
    """`n` rounded up to a multiple of `multiple` (at least `multiple`)."""
    return max(multiple, -(-n // multiple) * multiple)


def bucket_size(n: int) -> int:
    """The padded size of an axis of length `n`: the smallest size of the ladder 8, 16, 24, 32, 40, 56, 72, 96, ...
    (each step 1.25x the last, rounded up to a multiple of 8) that holds `n`. Formulas whose sizes fall in one
    bucket share compiled programs; padding costs at most 25 % more work."""
    size = 8
    while size < n:
        size = _round_up(int(size * 1.25), 8)
    return size


class HighOrderNetwork(eqx.Module):
    """Clause-literal incidence of a CNF in jit-friendly form, with padded per-variable occurrence lists.

    Built with `HighOrderNetwork.from_cnf(cnf)` from a concrete formula (the occurrence lists depend on the values).
    The clause axis is padded to `bucket_size(m)` and occurrence lists to a multiple of 8, so that instances of one
    size class share compiled code. Padding clauses hold no literal and count two true literals (`padding`), so
    they are never unsatisfied nor critical and no variable occurs in them; padding occurrence slots point at a
    dummy clause `n_clauses` (one past the padded clauses) whose true-literal count is never 0 or 1.

    Arrays with a replica axis use the *replica-minor* layout `(n_vars, replicas)` / `(m, replicas)`: each gather then
    moves contiguous rows of replicas, which is what makes the parallel sweep fast on a CPU.

    **Attributes:**

    - `var`, `negated`, `mask`: per clause slot, the 0-based variable, whether its literal is negated, and whether
      the slot holds a literal (False in padding).
    - `padding`: per clause, whether it is a padding clause (no literal, counted as satisfied).
    - `occ_clause`, `occ_positive`, `occ_valid`: per variable occurrence slot, the clause, whether the variable
      occurs positively there, and whether the slot is an occurrence (False in padding).
    - `n_vars`, `n_clauses`, `width`: the formula's variables, the padded number of clauses and the clause width.
    """

    var: Int[Array, "m k"]
    negated: Bool[Array, "m k"]
    mask: Bool[Array, "m k"]
    padding: Bool[Array, " m"]
    occ_clause: Int[Array, "n d"]
    occ_positive: Bool[Array, "n d"]
    occ_valid: Bool[Array, "n d"]
    n_vars: int = eqx.field(static=True)
    n_clauses: int = eqx.field(static=True)
    width: int = eqx.field(static=True)

    @classmethod
    def from_cnf(cls, cnf: CNF, *, pad_multiple: int = 8) -> HighOrderNetwork:
        """The network of the concrete formula `cnf`, clauses padded to `bucket_size(m)` and occurrence lists to a
        multiple of `pad_multiple`."""
        real = np.asarray(cnf.clauses)
        m_real, k = real.shape
        m = bucket_size(m_real) if m_real else 0
        clauses = np.zeros((m, k), np.int32)
        clauses[:m_real] = real
        padding = np.arange(m) >= m_real
        n = cnf.n_vars
        var = np.maximum(np.abs(clauses) - 1, 0).astype(np.int32)
        mask = clauses != 0
        negated = (clauses < 0) & mask
        counts = np.bincount(var[mask], minlength=n) if n else np.zeros(0, np.int64)
        d = _round_up(int(counts.max()) if n and counts.size else 0, pad_multiple)
        occ_clause = np.full((n, d), m, np.int32)
        occ_positive = np.zeros((n, d), bool)
        occ_valid = np.zeros((n, d), bool)
        fill = np.zeros(n, np.int64)
        cs, js = np.nonzero(mask)
        for c, j in zip(cs, js, strict=False):
            v = var[c, j]
            slot = fill[v]
            occ_clause[v, slot] = c
            occ_positive[v, slot] = clauses[c, j] > 0
            occ_valid[v, slot] = True
            fill[v] += 1
        return cls(
            var=jax.device_put(var),
            negated=jax.device_put(negated),
            mask=jax.device_put(mask),
            padding=jax.device_put(padding),
            occ_clause=jax.device_put(occ_clause),
            occ_positive=jax.device_put(occ_positive),
            occ_valid=jax.device_put(occ_valid),
            n_vars=n,
            n_clauses=m,
            width=k,
        )

    @property
    def max_occurrences(self) -> int:
        """The padded length of the occurrence lists."""
        return self.occ_clause.shape[1]

    @property
    def count_dtype(self):
        """The narrowest integer type that holds every count (int8 keeps the CPU's SIMD lanes full)."""
        return jnp.int8 if max(self.max_occurrences, self.width) < 127 else jnp.int32

    # ---- replica-minor batched passes: x is (n_vars, R) int8 in {0, 1} ----

    def forward(self, x: Int[Array, "n r"]) -> Int[Array, "m r"]:
        """Number of true literals of every clause for every replica (in `x`'s dtype). Padding slots count as
        false; padding clauses count 2."""
        xv = x[self.var]  # (m, k, R)
        lit = (xv ^ self.negated[..., None].astype(x.dtype)) & self.mask[..., None].astype(x.dtype)
        pad = (2 * self.padding[:, None]).astype(x.dtype)
        return jnp.sum(lit, axis=1, dtype=x.dtype) + pad

    def backward(self, x: Int[Array, "n r"], n_true: Int[Array, "m r"]) -> tuple[Array, Array]:
        """Make and break counts (int8, `(n_vars, R)`) from the clauses' true-literal counts."""
        r = x.shape[1]
        dt = x.dtype
        padded = jnp.concatenate([n_true, jnp.full((1, r), 2, dt)], axis=0)  # dummy clause: never 0 or 1
        d = self.max_occurrences
        if d <= _UNROLL_LIMIT:
            make = jnp.zeros_like(x)
            brk = jnp.zeros_like(x)
            for j in range(d):
                g = padded[self.occ_clause[:, j]]  # (n, R)
                lit_true = x == self.occ_positive[:, j, None].astype(dt)
                make = make + (g == 0).astype(dt)
                brk = brk + ((g == 1) & lit_true).astype(dt)
            return make, brk
        g = padded[self.occ_clause]  # (n, d, R)
        lit_true = x[:, None, :] == self.occ_positive[..., None].astype(dt)
        make = jnp.sum(g == 0, axis=1, dtype=dt)
        brk = jnp.sum((g == 1) & lit_true, axis=1, dtype=dt)
        return make, brk
