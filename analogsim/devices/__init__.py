"""Memory devices: how target conductances are programmed and how they read over time.

Every device has `program(g_target, *, key) -> cells` and `read(cells, t_seconds, *, key) -> g` (conductances in
uS); see `AbstractDevice`.
"""

from ._gaincell import GainCell as GainCell, GainCellCells as GainCellCells
from ._ideal import Ideal as Ideal, IdealCells as IdealCells
from ._pcm import PCM as PCM, PCMCells as PCMCells
from ._reram import ReRAM as ReRAM, ReRAMCells as ReRAMCells
from .base import AbstractDevice as AbstractDevice
