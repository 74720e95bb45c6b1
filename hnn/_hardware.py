"""Energy and time of one step of the analog high-order network, and of one sweep of the quadratic (QUBO) network
on its own crossbar, priced by `analogsim.cost`."""

from __future__ import annotations

import equinox as eqx
import numpy as np

import analogsim as asim
from analogsim import cost

from ._cnf import CNF
from ._method.analog import _count_adc, _count_configs, default_analog_config, literal_matrix
from ._qubo import rosenberg


def analog_step_mvms(cnf: CNF, config: asim.CrossbarConfig | None = None, *, replicas: int = 1) -> list:
    """The analog MVMs of one parallel step of `hnn.AnalogHopfield` for `replicas` replicas: the forward pass
    through the clause-literal array (clauses x 2 n_vars) and the backward pass of the two indicator vectors
    through its transpose, with the per-array count ADCs the method uses."""
    config = config or default_analog_config()
    L = literal_matrix(cnf)
    m, two_n = L.shape
    fwd, bwd = _count_configs(L, config)
    return [
        cost.count_mvm((m, two_n), fwd, batch=replicas, name="forward: true literals per clause"),
        cost.count_mvm((two_n, m), bwd, batch=2 * replicas, name="backward: make and break"),
    ]


def analog_step_cost(
    cnf: CNF,
    config: asim.CrossbarConfig | None = None,
    tech: cost.Technology | None = None,
    *,
    replicas: int = 1,
) -> cost.Cost:
    """Energy and time of one parallel step of `hnn.AnalogHopfield`.

    **Arguments:**

    - `cnf`: the formula.
    - `config`: the crossbar configuration (default `hnn.default_analog_config()`).
    - `tech`: the technology that prices the MVMs (default: PCM calibrated to IBM HERMES, `cost.pcm_hermes()`).
    - `replicas`: the replicas advanced in the step.

    **Returns:**

    The step's `analogsim.cost.Cost` (energy in J, time in s). The neuron update (a comparator with noise per
    variable) is not priced: it is negligible next to the ADC conversions of the two MVMs.
    """
    return _price(analog_step_mvms(cnf, config, replicas=replicas), tech)


def qubo_step_mvms(
    cnf: CNF, config: asim.CrossbarConfig | None = None, *, penalty: float = 1.0, replicas: int = 1
) -> list:
    """The analog MVM of one sweep of the quadratic network on the Rosenberg QUBO of `cnf` (`hnn.rosenberg`): the
    `(n_vars + n_aux) x (n_vars + n_aux)` coupling array driven by the binary spins, every spin's local field
    converted once, by an ADC with one level per unit of field up to the largest row sum `sum_j |W_ij|`. A
    colour-class schedule (`hnn.QuboAnnealing`) converts each class's rows in its own phase: the conversions and
    array reads of one sweep add up to this one MVM, and the repeated input drive of the phases is not counted,
    so this is a lower bound on the quadratic machine's energy per sweep. The linear terms are a digital bias."""
    config = config or default_analog_config()
    qubo = rosenberg(cnf, penalty=penalty)
    n = qubo.n_vars
    row_sum = np.zeros(n)
    edges, w = np.asarray(qubo.edges), np.abs(np.asarray(qubo.edge_weights))
    np.add.at(row_sum, edges[:, 0], w)
    np.add.at(row_sum, edges[:, 1], w)
    adc = _count_adc(max(int(np.ceil(row_sum.max())) if n else 1, 1))
    cfg = eqx.tree_at(lambda c: c.adc, config, adc)
    return [cost.count_mvm((n, n), cfg, batch=replicas, name="QUBO sweep: local fields")]


def qubo_step_cost(
    cnf: CNF,
    config: asim.CrossbarConfig | None = None,
    tech: cost.Technology | None = None,
    *,
    penalty: float = 1.0,
    replicas: int = 1,
) -> cost.Cost:
    """Energy and time of one sweep of the quadratic network on the Rosenberg QUBO of `cnf` (`qubo_step_mvms`),
    on the same crossbar technology as `analog_step_cost` so that the two compare like for like.

    **Arguments:**

    - `cnf`: the formula.
    - `config`: the crossbar configuration (default `hnn.default_analog_config()`); its ADC is replaced by one
      level per unit of local field.
    - `tech`: the technology (default: PCM calibrated to IBM HERMES, `cost.pcm_hermes()`).
    - `penalty`: the Rosenberg penalty weight `P`.
    - `replicas`: the replicas advanced in the sweep.

    **Returns:**

    The sweep's `analogsim.cost.Cost` (energy in J, time in s; the spin updates themselves are not priced).
    """
    return _price(qubo_step_mvms(cnf, config, penalty=penalty, replicas=replicas), tech)


def _price(mvms: list, tech: cost.Technology | None) -> cost.Cost:
    """The total cost of `mvms` on `tech` (default PCM calibrated to IBM HERMES)."""
    _, total = cost.price_all(mvms, tech or cost.pcm_hermes())
    return total


def energy_to_solution_j(tts99_steps: float | None, step: cost.Cost) -> float | None:
    """Energy in J to reach a solution with 99 % probability: TTS99 (steps of one replica) times the energy of a
    one-replica step `step`; None when `tts99_steps` is None or not finite."""
    if tts99_steps is None or not np.isfinite(tts99_steps):
        return None
    return float(tts99_steps) * step.total_j
