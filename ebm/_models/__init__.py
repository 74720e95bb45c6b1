"""The model family: `AbstractEBM` (in `base.py`) and one file per model."""

from .base import (
    AbstractEBM as AbstractEBM,
    AbstractFullyVisibleEBM as AbstractFullyVisibleEBM,
    AbstractNonPairwiseEBM as AbstractNonPairwiseEBM,
    Annealing as Annealing,
    Enumeration as Enumeration,
)
from .boltzmann import BoltzmannMachine as BoltzmannMachine
from .factor import FactorBoltzmannMachine as FactorBoltzmannMachine
from .hopfield import Hopfield as Hopfield
from .modern_hopfield import ModernHopfield as ModernHopfield
from .rbm import RBM as RBM
