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
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jaxtyping import Array, Int

import analogsim as asim

from .._cnf import CNF
from .._energy import energy
from .base import AbstractParallelHopfield, StepInfo, seed_lanes

__all__ = ["AnalogHopfield", "AnalogNetwork", "literal_matrix", "default_analog_config"]


def literal_matrix(cnf: CNF) -> np.ndarray:
    """The clause-literal incidence matrix `(m, 2 n)` in {0, 1}: column `v` is `x_v`, column `n + v` is `not x_v`."""
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


def _count_configs(
    L: np.ndarray, config: asim.CrossbarConfig
) -> tuple[asim.CrossbarConfig, asim.CrossbarConfig]:
    """The configurations of the forward array (`L`) and the backward array (`L^T`): `config` with only its ADC
    replaced (the user's device, DAC, noise and tiling stay) by one whose levels are the counts the array can
    produce: up to the largest clause size forward, up to the most occurrences of a literal backward."""
    k_max = max(int(L.sum(axis=1).max()) if L.size else 1, 1)
    d_max = max(int(L.sum(axis=0).max()) if L.size else 1, 1)
    fwd = eqx.tree_at(lambda c: c.adc, config, _count_adc(k_max))
    bwd = eqx.tree_at(lambda c: c.adc, config, _count_adc(d_max))
    return fwd, bwd


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
    """The two programmed crossbars of one CNF (forward `L`, backward `L^T`) at a time after programming.

    **Attributes:**

    - `forward_xb`: the crossbar of the clause-literal matrix `L` (clauses x 2 n_vars).
    - `backward_xb`: the crossbar of `L^T`.
    - `n_vars`, `n_clauses`: the formula's sizes.
    """

    forward_xb: asim.Crossbar
    backward_xb: asim.Crossbar
    n_vars: int = eqx.field(static=True)
    n_clauses: int = eqx.field(static=True)

    @classmethod
    def build(cls, cnf: CNF, config: asim.CrossbarConfig, *, key, t_seconds: float = 0.0) -> AnalogNetwork:
        """Programs the two arrays of `cnf`.

        **Arguments:**

        - `cnf`: the formula.
        - `config`: the crossbar configuration; its ADC is replaced per array by one level per count.
        - `key`: PRNG key of the programming (and of the aging to `t_seconds`).
        - `t_seconds`: the time after programming at which the arrays are read, in s.
        """
        L = literal_matrix(cnf)
        kf, kb, kft, kbt = jr.split(key, 4)
        fwd_cfg, bwd_cfg = _count_configs(L, config)
        fwd = asim.program(jnp.asarray(L), fwd_cfg, key=kf)
        bwd = asim.program(jnp.asarray(L.T), bwd_cfg, key=kb)
        if t_seconds:
            fwd = fwd.at(t_seconds, key=kft)
            bwd = bwd.at(t_seconds, key=kbt)
        return cls(fwd, bwd, cnf.n_vars, L.shape[0])

    def counts(self, x: Int[Array, "r n"], *, key) -> tuple[Array, Array, Array]:
        """Analog true-literal counts per clause `(r, m)` and make/break per variable `(r, n)` for the 0/1
        assignments `x` `(r, n)`; `key` draws the read noise of both MVMs."""
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


class AnalogProblem(eqx.Module):
    """The programmed arrays of a CNF and the CNF itself (satisfaction is checked digitally, exactly)."""

    network: AnalogNetwork
    cnf: CNF


class AnalogState(NamedTuple):
    """The state of `AnalogHopfield`.

    **Attributes:**

    - `x`: replica-major assignments `(replicas, n_vars)`, int8 0/1.
    - `unsat`: the exact unsatisfied-clause count of `x`, carried so each step counts it once.
    - `lanes`: the per-neuron `xorshift32` states, shaped like `x`.
    """

    x: Int[Array, "r n"]
    unsat: Int[Array, " r"]
    lanes: Int[Array, "r n"]


class AnalogHopfield(AbstractParallelHopfield):
    """High-order Hopfield dynamics whose forward and backward passes are analog crossbar MVMs, with the annealed
    Glauber update of `HighOrderHopfield` (`AbstractParallelHopfield`) on the analog make and break counts.

    **Arguments:**

    - `config`: the crossbar configuration (device, DAC, noise, tiles); default `default_analog_config()`.
    - `key`: the programming key of this hardware instance (the arrays are programmed once, in `prepare`).
    - `t_seconds`: the time after programming at which the arrays are used (drift, accumulated 1/f noise), in s.
    - `q`, `t_start`, `t_end`, `anneal_steps`: the update of `AbstractParallelHopfield`, with its defaults.

    Satisfaction is always checked exactly (digitally, `hnn.energy`): a replica stops when its assignment satisfies
    every clause. Random numbers: the crossbars' read noise comes from the step's key (through `analogsim`); the
    neuron update uses `xorshift32` lanes per neuron, seeded from `init`'s key, as `HighOrderHopfield` does.
    """

    config: asim.CrossbarConfig = eqx.field(default_factory=default_analog_config)
    key: Array = eqx.field(default_factory=lambda: jr.key(0))
    t_seconds: float = 0.0
    name: ClassVar[str] = "analog"
    replica_axis: ClassVar[int] = 0

    def __check_init__(self):
        if self.t_seconds < 0:
            raise ValueError(f"`t_seconds` must be >= 0, got {self.t_seconds}.")

    def prepare(self, cnf: CNF) -> AnalogProblem:
        net = AnalogNetwork.build(cnf, self.config, key=self.key, t_seconds=self.t_seconds)
        return AnalogProblem(net, cnf)

    def init(self, problem: AnalogProblem, x0, *, key) -> AnalogState:
        x = x0.astype(jnp.int8)
        return AnalogState(x, energy(problem.cnf, x), seed_lanes(key, x.shape))

    def step(self, problem: AnalogProblem, state: AnalogState, t, *, key) -> tuple[AnalogState, StepInfo]:
        _, make, brk = problem.network.counts(state.x, key=key)
        x, lanes, flips = self.parallel_update(state.x, brk - make, t, state.lanes, state.unsat)
        unsat = energy(problem.cnf, x)
        info = StepInfo(satisfied=unsat == 0, unsat=state.unsat, flips=flips)
        return AnalogState(x, unsat, lanes), info

    def assignment(self, problem, state: AnalogState):
        return state.x.astype(bool)

    def updates_per_step(self, problem: AnalogProblem, replicas: int) -> int:
        return problem.network.n_vars * replicas
