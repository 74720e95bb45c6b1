"""Energy and time of analog in-memory computing, counted from the shapes that run and priced by technology tables
with a source for every number; digital baselines (A100, H100, H200, this CPU) priced by a roofline.

Typical use:

```python
import analogsim as asim
from analogsim import cost

cfg = asim.CrossbarConfig(dac=asim.DAC(bits=8), adc=asim.ADC(bits=8), tile=(256, 256))
layers = [
    cost.count_mvm((4096, 1024), cfg, batch=128, name="fc1"),
    cost.count_mvm((1024, 4096), cfg, batch=128, name="fc2"),
]
rows, total = cost.price_all(layers, cost.pcm_hermes())
total.total_j, total.tops_per_w, total.energy_j["adc"]
cost.compare(layers, cost.pcm_hermes(), cost.h100())["total"]["energy_ratio"]
```

Other packages price their workloads the same way: pass the (out, in) shape of every analog matrix product they run
to `count_mvm` with a batch (replicas, chains, tokens), or `count_crossbars` on a model holding `analogsim.Crossbar`
leaves.
"""

from ._counts import (
    CELLS_PER_WEIGHT as CELLS_PER_WEIGHT,
    MVMCount as MVMCount,
    OpCounts as OpCounts,
    count_crossbars as count_crossbars,
    count_mvm as count_mvm,
    total as total,
)
from ._digital import (
    CPU_POWER_W as CPU_POWER_W,
    DigitalDevice as DigitalDevice,
    a100 as a100,
    h100 as h100,
    h200 as h200,
    measure_cpu as measure_cpu,
)
from ._hermes import (
    HERMES_MVM_ENERGY_PJ as HERMES_MVM_ENERGY_PJ,
    HERMES_MVM_TIME_S as HERMES_MVM_TIME_S,
    HERMES_PWM_SLOT_S as HERMES_PWM_SLOT_S,
    HERMES_READ_V as HERMES_READ_V,
    HERMES_TOPS_PER_W as HERMES_TOPS_PER_W,
    MEAN_ABS_WEIGHT as MEAN_ABS_WEIGHT,
    MEAN_INPUT as MEAN_INPUT,
    PCM_G_MAX_US as PCM_G_MAX_US,
    pcm_cell_read_fj as pcm_cell_read_fj,
)
from ._price import (
    COMPONENTS as COMPONENTS,
    Cost as Cost,
    DigitalCost as DigitalCost,
    compare as compare,
    hermes_mvm as hermes_mvm,
    price as price,
    price_all as price_all,
    price_digital as price_digital,
)
from ._pulses import (
    INSITU_COMPONENTS as INSITU_COMPONENTS,
    PulseTable as PulseTable,
    price_insitu as price_insitu,
    pulses_capacitor_li2018 as pulses_capacitor_li2018,
    pulses_ecram_tang2018 as pulses_ecram_tang2018,
    pulses_reram_assumed as pulses_reram_assumed,
)
from ._tech import (
    ADCModel as ADCModel,
    Technology as Technology,
    gaincell_leroux as gaincell_leroux,
    pcm_hermes as pcm_hermes,
    reram_neurram as reram_neurram,
)
from ._training_units import (
    FP32_ADD_PJ as FP32_ADD_PJ,
    FP32_MUL_PJ as FP32_MUL_PJ,
    HBM3_BYTES_PER_S as HBM3_BYTES_PER_S,
    HBM_PJ_PER_BYTE as HBM_PJ_PER_BYTE,
    SPECIAL_FUNCTION_PJ as SPECIAL_FUNCTION_PJ,
    SRAM_PJ_PER_VALUE as SRAM_PJ_PER_VALUE,
)
