from __future__ import annotations

from typing import NamedTuple

import jax

from .._validate import check
from .base import AbstractDevice


class IdealCells(NamedTuple):
    g: jax.Array


class Ideal(AbstractDevice):
    """A perfect device: programs exactly to the target, never drifts, reads without noise."""

    g_min_us: float | jax.Array = 0.0
    g_max_us: float | jax.Array = 25.0

    def __check_init__(self):
        check(lambda g: g > 0, self.g_max_us, "g_max_us must be > 0")
        check(lambda g: g >= 0, self.g_min_us, "g_min_us must be >= 0")
        check(lambda g: g < self.g_max_us, self.g_min_us, "g_min_us must be < g_max_us")

    @property
    def stochastic(self) -> bool:
        return False

    def program(self, g_target, *, key=None) -> IdealCells:
        return IdealCells(g=g_target)

    def read(self, cells: IdealCells, t_seconds, *, key=None):
        return cells.g
