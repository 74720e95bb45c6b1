"""Interchangeable k-SAT dynamics run by `hnn.solve`."""

from .analog import (
    AnalogHopfield as AnalogHopfield,
    AnalogNetwork as AnalogNetwork,
    default_analog_config as default_analog_config,
    literal_matrix as literal_matrix,
)
from .base import (
    AbstractMethod as AbstractMethod,
    AbstractParallelHopfield as AbstractParallelHopfield,
    StepInfo as StepInfo,
)
from .focused import (
    BITSET_MAX_BYTES as BITSET_MAX_BYTES,
    ProbSAT as ProbSAT,
    WalkSAT as WalkSAT,
    probsat_parameters as probsat_parameters,
)
from .hopfield import (
    TUNED_SCHEDULES as TUNED_SCHEDULES,
    HighOrderHopfield as HighOrderHopfield,
    hopfield_schedule as hopfield_schedule,
)
from .quadratized import QuadratizedHopfield as QuadratizedHopfield

# isort: split
from .annealing import (
    AnnealingProblem as AnnealingProblem,
    QuboAnnealing as QuboAnnealing,
    balanced_coloring as balanced_coloring,
)
