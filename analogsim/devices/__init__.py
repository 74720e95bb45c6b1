"""Memory devices: how target conductances are programmed and how they read over time.

Every device has `program(g_target, *, key) -> cells` and `read(cells, t_seconds, *, key) -> g` (conductances in
uS); see `AbstractDevice`.
"""

from ._constantstep import ConstantStep as ConstantStep
from ._expstep import ExpStep as ExpStep
from ._gaincell import GainCell as GainCell, GainCellCells as GainCellCells
from ._ideal import Ideal as Ideal, IdealCells as IdealCells
from ._linearstep import LinearStep as LinearStep
from ._pcm import PCM as PCM, PCMCells as PCMCells
from ._powstep import PowStep as PowStep
from ._presets import (
    capacitor_li2018 as capacitor_li2018,
    ecram_tang2018 as ecram_tang2018,
    reram_gong2018 as reram_gong2018,
    reram_softbounds_gong2018 as reram_softbounds_gong2018,
)
from ._pulsed import AbstractStepDevice as AbstractStepDevice, PulsedCells as PulsedCells
from ._reram import ReRAM as ReRAM, ReRAMCells as ReRAMCells
from ._softbounds import SoftBounds as SoftBounds
from .base import AbstractDevice as AbstractDevice, AbstractPulsedDevice as AbstractPulsedDevice
