"""The high-order Hopfield network run on analog crossbar arrays (through `analogsim`).

The clause-literal incidence matrix `L` (clauses x 2 n_vars: column `v` is the literal `x_v`, column `n + v` is
`not x_v`) is programmed into two crossbars, one per direction, as in the in-memory high-order solvers of Hizzani et
al. (ISCAS 2024) and Bhattacharya et al. (Nat. Commun. 15, 8211, 2024):

- forward: driving the columns with the literal values `[x, 1 - x]` gives each clause its number of true literals
  `s = L [x; 1 - x]`, converted by an ADC whose step is one literal;
- backward: driving `L^T` with the indicator vectors `[s == 0]` and `[s == 1]` gives, per literal, the number of
  unsatisfied clauses and of critically satisfied clauses it appears in, hence each variable's make and break counts.

Device noise (programming, drift, 1/f read noise, per-MVM read noise) perturbs the analog sums, so counts are
sometimes wrong: the hardware itself injects noise into the dynamics. On top of it the neurons use the same
stochastic parallel (Glauber) update with an annealed temperature as `HighOrderHopfield`.
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Int

import analogsim as asim

from .._cnf import CNF
from .base import AbstractMethod, StepInfo, anneal_temperature, check_anneal

__all__ = ["AnalogHopfield", "AnalogNetwork", "literal_matrix", "default_analog_config"]


def literal_matrix(cnf: CNF) -> np.ndarray:
    """The clause-literal incidence matrix (m, 2 n) in {0, 1}: column v is `x_v`, column n + v is `not x_v`."""
    clauses = np.asarray(cnf.clauses)
    m, n = clauses.shape[0], cnf.n_vars
    L = np.zeros((m, 2 * n), np.float32)
    rows, cols = np.nonzero(clauses)
    lits = clauses[rows, cols]
    L[rows, np.where(lits > 0, lits - 1, n + (-lits) - 1)] = 1.0
    return L


def _count_adc(max_count: int) -> asim.ADC:
    """An ADC whose levels are the integers -max_count..max_count (one level per literal/clause count)."""
    bits = int(np.ceil(np.log2(max_count + 1))) + 1
    return asim.ADC(bits=bits, bound=float(2 ** (bits - 1) - 1))


def default_analog_config(device: asim.devices.AbstractDevice | None = None) -> asim.CrossbarConfig:
    """PCM cells, binary 2-bit drivers (levels -1, 0, 1, no input scaling), 512x512 tiles, 1% per-MVM read noise.
    The ADCs are chosen per array by `AnalogNetwork.build` so that one step is one count."""
    return asim.CrossbarConfig(
        device=device if device is not None else asim.devices.PCM(),
        dac=asim.DAC(bits=2, bound=1.0, scale_inputs=False),
        adc=asim.ADC(bits=None, bound=None),
        read_noise=asim.ReadNoise(0.01),
        mapping="global",
    )


class AnalogNetwork(eqx.Module):
    """The two programmed crossbars of one CNF (forward `L`, backward `L^T`) at a time after programming."""

    forward_xb: asim.Crossbar
    backward_xb: asim.Crossbar
    n_vars: int = eqx.field(static=True)
    n_clauses: int = eqx.field(static=True)

    @classmethod
    def build(cls, cnf: CNF, config: asim.CrossbarConfig, *, key, t_seconds: float = 0.0) -> AnalogNetwork:
        L = literal_matrix(cnf)
        k_max = int(L.sum(axis=1).max()) if L.size else 1
        d_max = int(L.sum(axis=0).max()) if L.size else 1
        kf, kb, kft, kbt = jr.split(key, 4)
        # Replace only the ADCs (keep the user's device, DAC, noise, tiling): one level per count.
        fwd_cfg = eqx.tree_at(lambda c: c.adc, config, _count_adc(max(k_max, 1)))
        bwd_cfg = eqx.tree_at(lambda c: c.adc, config, _count_adc(max(d_max, 1)))
        fwd = asim.program(jnp.asarray(L), fwd_cfg, key=kf)
        bwd = asim.program(jnp.asarray(L.T), bwd_cfg, key=kb)
        if t_seconds:
            fwd = fwd.at(t_seconds, key=kft)
            bwd = bwd.at(t_seconds, key=kbt)
        return cls(fwd, bwd, cnf.n_vars, L.shape[0])

    def counts(self, x: Int[Array, "r n"], *, key) -> tuple[Array, Array, Array]:
        """Analog true-literal counts per clause (r, m) and make/break per variable (r, n) for assignments x."""
        k1, k2 = jr.split(key)
        xf = x.astype(jnp.float32)
        lits = jnp.concatenate([xf, 1.0 - xf], axis=1)  # (r, 2n)
        s = jnp.round(self.forward_xb(lits, key=k1))  # ADC output is already on integer levels
        u = jnp.stack([(s <= 0.5), jnp.abs(s - 1.0) < 0.5]).astype(jnp.float32)  # (2, r, m): s == 0, s == 1
        a = jnp.round(self.backward_xb(u, key=k2))  # (2, r, 2n)
        n = self.n_vars
        pos, neg = a[..., :n], a[..., n:]
        is_true = x.astype(bool)
        make = jnp.where(is_true, neg[0], pos[0])  # unsat clauses holding the literal a flip would make true
        brk = jnp.where(is_true, pos[1], neg[1])  # critical clauses whose only true literal is v's
        return s, make, brk


class AnalogState(NamedTuple):
    x: Int[Array, "r n"]
    unsat: Int[Array, " r"]  # exact unsatisfied-clause count of x, carried so each step counts it once


class AnalogHopfield(AbstractMethod):
    """High-order Hopfield dynamics whose forward and backward passes are analog crossbar MVMs.

    Attributes:
        config: the crossbar configuration (device, DAC, noise, tiles); default `default_analog_config()`.
        key: programming key of this hardware instance (the arrays are programmed once, in `prepare`).
        t_seconds: time after programming at which the arrays are used (drift, accumulated 1/f noise).
        q, t_start, t_end, anneal_steps: the stochastic parallel update, as in `HighOrderHopfield`.

    Satisfaction is always checked exactly (digitally): a replica stops when its assignment satisfies every clause.
    """

    config: asim.CrossbarConfig = eqx.field(default_factory=default_analog_config)
    key: Array = eqx.field(default_factory=lambda: jr.key(0))
    t_seconds: float = 0.0
    q: float = 0.4
    t_start: float = 1.5
    t_end: float = 0.15
    anneal_steps: int = 2000
    name: ClassVar[str] = "analog"
    replica_axis: ClassVar[int] = 0

    def __check_init__(self):
        check_anneal(self.q, self.t_start, self.t_end, self.anneal_steps)
        if self.t_seconds < 0:
            raise ValueError(f"`t_seconds` must be >= 0, got {self.t_seconds}.")

    def prepare(self, cnf: CNF) -> tuple[AnalogNetwork, Array, Array]:
        net = AnalogNetwork.build(cnf, self.config, key=self.key, t_seconds=self.t_seconds)
        clauses = np.asarray(cnf.clauses)
        var = np.maximum(np.abs(clauses) - 1, 0).astype(np.int32)
        return net, jnp.asarray(var), jnp.asarray(((clauses < 0) * 1 + (clauses == 0) * 2).astype(np.int8))

    @staticmethod
    def _exact_unsat(problem, x):
        """Digital check: unsatisfied clauses per replica (literal code 0: positive, 1: negated, 2: padding)."""
        _, var, code = problem
        xv = x[:, var]  # (r, m, k)
        lit = jnp.where(code == 0, xv, jnp.where(code == 1, 1 - xv, 0))
        return jnp.sum(jnp.sum(lit, axis=-1) == 0, axis=-1, dtype=jnp.int32)

    def init(self, problem, x0, *, key) -> AnalogState:
        x = x0.astype(jnp.int8)
        return AnalogState(x, self._exact_unsat(problem, x))

    def step(self, problem, state: AnalogState, t, *, key) -> tuple[AnalogState, StepInfo]:
        net = problem[0]
        x = state.x
        k_mvm, k_flip = jr.split(key)
        unsat = state.unsat
        _, make, brk = net.counts(x, key=k_mvm)
        temp = anneal_temperature(t, self.t_start, self.t_end, self.anneal_steps)
        p_flip = self.q * jax.nn.sigmoid(-(brk - make) / temp)
        flip = (jr.uniform(k_flip, x.shape) < p_flip) & (unsat > 0)[:, None]
        x_new = x ^ flip.astype(x.dtype)
        unsat_new = self._exact_unsat(problem, x_new)
        info = StepInfo(satisfied=unsat_new == 0, unsat=unsat, flips=jnp.sum(flip, axis=1, dtype=jnp.int32))
        return AnalogState(x_new, unsat_new), info

    def assignment(self, problem, state: AnalogState):
        return state.x.astype(bool)

    def updates_per_step(self, problem, replicas: int) -> int:
        return problem[0].n_vars * replicas
