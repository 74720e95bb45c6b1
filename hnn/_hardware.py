"""Energy and time of one step of the analog high-order network, priced by `analogsim.cost`."""

from __future__ import annotations

import numpy as np

import analogsim as asim
from analogsim import cost

from ._cnf import CNF
from ._method.analog import _count_configs, default_analog_config, literal_matrix


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
    _, total = cost.price_all(analog_step_mvms(cnf, config, replicas=replicas), tech or cost.pcm_hermes())
    return total


def energy_to_solution_j(tts99_steps: float | None, step: cost.Cost) -> float | None:
    """Energy in J to reach a solution with 99 % probability: TTS99 (steps of one replica) times the energy of a
    one-replica step `step`; None when `tts99_steps` is None or not finite."""
    if tts99_steps is None or not np.isfinite(tts99_steps):
        return None
    return float(tts99_steps) * step.total_j
