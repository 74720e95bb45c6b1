"""analogsim: analog in-memory computing in JAX.

Crossbar arrays of PCM, ReRAM or ideal devices with DAC/ADC readout, tiling, noise, drift, faults and IR drop:

```python
import analogsim as asim
cfg = asim.CrossbarConfig(device=asim.devices.PCM(), dac=asim.DAC(bits=8), adc=asim.ADC(bits=8))
xb = asim.program(W, cfg, key=k1)   # W: (out, in)
xb = xb.at(3600.0, key=k2)          # one hour after programming
y = xb(x, key=k3)                   # analog W @ x
```

Random numbers: keys are made, split and folded with `jax.random`; large noise arrays (programming, drift and read
noise of a crossbar) are drawn with the counter-based `analogsim.random`.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

from . import io as io, random as random

if TYPE_CHECKING:  # the names below are imported on first use (see `_LAZY_NAMES`)
    from . import checkpoint, cost, devices, distributed, insitu, nn, roadmap, timing  # noqa: F401
    from ._config import CrossbarConfig as CrossbarConfig
    from ._converters import ADC as ADC, DAC as DAC, quantize as quantize
    from ._crossbar import Crossbar as Crossbar, program as program
    from ._nonideal import IRDrop as IRDrop, ReadNoise as ReadNoise, StuckAt as StuckAt
    from .nn import analogize as analogize, program_model as program_model

__version__ = "0.1.0"

# Imported on first use, so that a program that needs only a few of them (e.g. `python -m hnn`, which reads files
# and draws random numbers) does not pay at start-up for the crossbar models, the cost model, the training stack
# (optax) and the roadmap.
_LAZY_MODULES = ("checkpoint", "cost", "devices", "distributed", "insitu", "nn", "roadmap", "timing")
_LAZY_NAMES = {
    "CrossbarConfig": "_config",
    "ADC": "_converters",
    "DAC": "_converters",
    "quantize": "_converters",
    "Crossbar": "_crossbar",
    "program": "_crossbar",
    "IRDrop": "_nonideal",
    "ReadNoise": "_nonideal",
    "StuckAt": "_nonideal",
    "analogize": "nn",
    "program_model": "nn",
}


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        return _importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(_importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY_MODULES, *_LAZY_NAMES])
