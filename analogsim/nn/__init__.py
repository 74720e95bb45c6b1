"""analogsim.nn: neural-network layers on analog hardware, hardware-aware training and drift evaluation.

```python
import analogsim as asim
import analogsim.nn as ann
cfg = asim.CrossbarConfig(device=asim.devices.PCM(), drift_compensation=True)
amodel = ann.analogize(model, cfg, hwa=ann.HWANoise(0.05))          # eqx.nn.Linear -> AnalogLinear
amodel = ann.train(amodel, loss_fn, data, optax.adam(1e-3), epochs=5, batch_size=32, key=k).model
res = ann.evaluate_drift(amodel, metric, n_programmings=10, key=k)  # metric at 1 s ... 1 year
```
"""

from ._analogize import (
    age_model as age_model,
    analogize as analogize,
    program_model as program_model,
    with_drift_compensation as with_drift_compensation,
)
from ._attention import (
    AnalogAttention as AnalogAttention,
    AttentionConfig as AttentionConfig,
    analog_mix as analog_mix,
    analog_scores as analog_scores,
    causal_mask as causal_mask,
    write_dynamic as write_dynamic,
)
from ._baselines import Int8Linear as Int8Linear, quantize_int8 as quantize_int8
from ._evaluate import (
    TIMES as TIMES,
    DriftResult as DriftResult,
    drift_trajectory as drift_trajectory,
    evaluate_drift as evaluate_drift,
)
from ._linear import AnalogLinear as AnalogLinear, HWANoise as HWANoise, apply_linear as apply_linear
from ._train import (
    TrainResult as TrainResult,
    hardware_fingerprint as hardware_fingerprint,
    train as train,
    trainable as trainable,
)
from ._transformer import (
    TinyTransformer as TinyTransformer,
    TransformerBlock as TransformerBlock,
    sequence_loss as sequence_loss,
)
