"""High-order Hopfield networks that solve k-SAT natively, with digital baselines (probSAT, WalkSAT, a quadratized
QUBO twin, CaDiCaL) and time-to-solution metrics."""

import importlib as _importlib

from ._cnf import CNF as CNF, planted_ksat as planted_ksat, random_ksat as random_ksat
from ._dimacs import (
    DimacsError as DimacsError,
    DimacsReport as DimacsReport,
    parse_dimacs as parse_dimacs,
    read_dimacs as read_dimacs,
    read_dimacs_report as read_dimacs_report,
    write_dimacs as write_dimacs,
)
from ._energy import (
    energy as energy,
    flip_delta as flip_delta,
    is_satisfied as is_satisfied,
    make_break as make_break,
    verify as verify,
)
from ._method import (
    BITSET_MAX_BYTES as BITSET_MAX_BYTES,
    TUNED_SCHEDULES as TUNED_SCHEDULES,
    AbstractMethod as AbstractMethod,
    AbstractParallelHopfield as AbstractParallelHopfield,
    AnalogHopfield as AnalogHopfield,
    AnalogNetwork as AnalogNetwork,
    HighOrderHopfield as HighOrderHopfield,
    ProbSAT as ProbSAT,
    QuadratizedHopfield as QuadratizedHopfield,
    StepInfo as StepInfo,
    WalkSAT as WalkSAT,
    default_analog_config as default_analog_config,
    hopfield_schedule as hopfield_schedule,
    literal_matrix as literal_matrix,
    probsat_parameters as probsat_parameters,
)
from ._network import HighOrderNetwork as HighOrderNetwork, bucket_size as bucket_size
from ._qubo import QUBO as QUBO, qubo_energy as qubo_energy, rosenberg as rosenberg
from ._solve import (
    METHODS as METHODS,
    RESULTS as RESULTS,
    Solution as Solution,
    get_method as get_method,
    solve as solve,
)

# isort: split
from ._method import QuboAnnealing as QuboAnnealing, balanced_coloring as balanced_coloring

# Imported on first use, so that `python -m hnn`, which solves and prints, does not load the cost model's pricing
# of the hardware or the time-to-solution statistics at start-up.
_LAZY_NAMES = {
    "analog_step_cost": "_hardware",
    "analog_step_mvms": "_hardware",
    "energy_to_solution_j": "_hardware",
    "qubo_step_cost": "_hardware",
    "qubo_step_mvms": "_hardware",
    "tts99": "_metrics",
    "tts_quantiles": "_metrics",
}


def __getattr__(name: str):
    if name in _LAZY_NAMES:
        return getattr(_importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY_NAMES])
