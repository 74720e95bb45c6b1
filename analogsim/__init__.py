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

from . import (
    checkpoint as checkpoint,
    cost as cost,
    devices as devices,
    distributed as distributed,
    insitu as insitu,
    io as io,
    nn as nn,
    random as random,
    roadmap as roadmap,
    timing as timing,
)
from ._config import CrossbarConfig as CrossbarConfig
from ._converters import ADC as ADC, DAC as DAC, quantize as quantize
from ._crossbar import Crossbar as Crossbar, program as program
from ._nonideal import IRDrop as IRDrop, ReadNoise as ReadNoise, StuckAt as StuckAt
from .nn import analogize as analogize, program_model as program_model

__version__ = "0.1.0"
