"""High-order Hopfield networks that solve k-SAT natively, with digital baselines (probSAT, WalkSAT, a quadratized
QUBO twin, CaDiCaL) and time-to-solution metrics."""

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
from ._hardware import (
    analog_step_cost as analog_step_cost,
    analog_step_mvms as analog_step_mvms,
    energy_to_solution_j as energy_to_solution_j,
)
from ._method import (
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
    literal_matrix as literal_matrix,
    probsat_parameters as probsat_parameters,
)
from ._metrics import tts99 as tts99, tts_quantiles as tts_quantiles
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
from ._hardware import qubo_step_cost as qubo_step_cost, qubo_step_mvms as qubo_step_mvms
from ._method import QuboAnnealing as QuboAnnealing, balanced_coloring as balanced_coloring
