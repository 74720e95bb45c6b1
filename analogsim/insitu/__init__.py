"""In-situ training: optimizers that train a layer's weights on the analog array itself, by pulses.

The weights live in update-capable devices (`analogsim.devices.AbstractPulsedDevice`); each optimizer is an
`init`/`update` pair whose state (device states, digital accumulators, step, `Counts` of every pulse, read and
conversion) is a pytree, so it jits, vmaps over seeds and checkpoints.

```python
import analogsim as asim
dev = asim.devices.SoftBounds(dw_min=0.001, up_down=0.1, w_min=-1.0, w_max=1.0)
opt = asim.insitu.TikiTakaV2(dev, lr=0.01)
state = opt.init((n_out, n_in), key=k1)
y = asim.insitu.AnalogIO().read(opt.weights(state), x, key=k2)   # forward through the array
state = opt.update(state, x_batch, d_batch, key=k3)              # d = dL/dy per sample
state.counts.max_pulses_per_cell
```
"""

from ._chopped import ChoppedState as ChoppedState, ChoppedTTv2 as ChoppedTTv2
from ._mixed import MixedPrecision as MixedPrecision
from ._model import (
    InsituLinear as InsituLinear,
    InsituTrainer as InsituTrainer,
    ModelState as ModelState,
    analog_layers as analog_layers,
    pulse_stats as pulse_stats,
)
from ._sgd import AnalogSGD as AnalogSGD, pulse_batch as pulse_batch
from ._state import AnalogIO as AnalogIO, Counts as Counts, InsituState as InsituState
from ._tiki_taka import TikiTakaV2 as TikiTakaV2
from ._update import PulseUpdate as PulseUpdate
