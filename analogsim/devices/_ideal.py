from __future__ import annotations

from typing import NamedTuple

import jax

from .._validate import check_conductance_range
from .base import AbstractDevice


class IdealCells(NamedTuple):
    """The state of ideal cells."""

    g: jax.Array
    """Conductance (uS), exactly the target."""


class Ideal(AbstractDevice):
    """A perfect device: programs exactly to the target, never drifts, reads without noise.

    **Arguments:**

    - `g_min_us`, `g_max_us`: conductance range (uS).
    """

    g_min_us: float | jax.Array = 0.0
    g_max_us: float | jax.Array = 25.0

    def __check_init__(self):
        check_conductance_range(self.g_min_us, self.g_max_us, "Ideal")

    @property
    def stochastic(self) -> bool:
        return False

    def program(self, g_target, *, key=None) -> IdealCells:
        """The cells at exactly `g_target` (uS)."""
        return IdealCells(g=g_target)

    def read(self, cells: IdealCells, t_seconds, *, key=None):
        """The programmed conductance, at any time."""
        return cells.g
