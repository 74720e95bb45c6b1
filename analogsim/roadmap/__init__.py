"""The analytical LLM-training cost framework of P. Faraboschi, E. Giles, J. Hotard, K. Owczarek and A. Wheeler,
*Reducing the Barriers to Entry for Foundation Model Training* (Hewlett Packard Enterprise, arXiv:2404.08811, 2024),
extended with its revolutionary scenario (analog in-memory computing, Sec. 4.1) rebuilt as a model of analog
training priced by `analogsim.cost`.

- Table 3 parameters (`GPU_MTBF_HOURS`, `FLOPS_PER_GPU`, ...) and the GPU growth rate of Sec. 2.1;
- training compute and its GPU cost (`training_flops`, `moe_flops`, `gpu_hours`, `training_cost_usd`);
- failures, checkpoints and speedup (`mtti_hours`, `k_of_n_mtti_hours`, `daly_interval_hours`,
  `expected_wall_hours`, `amdahl_speedup`): the paper states their inputs and results, not their formulas, so
  these are the standard models each docstring names;
- the system and a training run on it (`TrainingSystem`, `baseline`, `optimized`, `time_to_train`: Fig. 7);
- the cost of a run in a year, GPU and cloud (`run_cost_usd`, `CLOUD_OVER_GPU`) and the projection by year with
  the stated growth rates (`Scenario`, `table1_scenarios`, `project_cost_usd`: Table 1, Fig. 5);
- every figure the paper's text states next to the framework's value, with a status computed from the two
  (`reproduction_table`, `claim`, `claim_status`, `summary`); the Fig. 7 saving and its sensitivity (`saving`);
- the revolutionary scenario as a model of analog training: a GPT-3-class model and its MoE variant
  (`TransformerShape`, `gpt3`, `gpt3_moe`), the training devices with their measured in-situ pulse rates,
  endurance and accuracy (`TrainingDevice`, `training_devices`), the run on analog arrays (`AnalogSystem`,
  `analog_run`: forward, backward, in-situ update, attention on gain cells, the digital remainder op by op, data
  movement, pipelined time, chips, writes per cell), the GPU baseline (`GPUBaseline`, `gpu_run`) and the table
  "training a GPT-3-class model" with its sensitivity (`training_table`, `revolutionary_data`).

Every function takes and returns float64 NumPy values (or Python floats) and broadcasts, so a sweep is one call.

```python
from analogsim import roadmap

run = roadmap.time_to_train(1.8e12, 50_000, roadmap.optimized(), n_experts=8)
run.wall_days, run.cost_usd
roadmap.saving_at(50_000)  # baseline over optimized wall time: the paper's "about 2x"
row = roadmap.analog_run(roadmap.gpt3(), roadmap.cmos_training())
row.energy_j["update"], row.wall_s / 86400, row.endurance_status
```
"""

from ._analog_training import (
    TRAINING_COMPONENTS as TRAINING_COMPONENTS,
    USD_PER_KWH as USD_PER_KWH,
    AnalogSystem as AnalogSystem,
    TrainingEstimate as TrainingEstimate,
    analog_run as analog_run,
    attention_mvms as attention_mvms,
    digital_op_j as digital_op_j,
    fc_per_token as fc_per_token,
    pipeline_wall_s as pipeline_wall_s,
)
from ._claim import (
    RELATIONS as RELATIONS,
    TOLERANCE as TOLERANCE,
    claim as claim,
    claim_status as claim_status,
)
from ._claims_cost import CROSSING_YEAR as CROSSING_YEAR, PARAM_GROWTH_2028 as PARAM_GROWTH_2028
from ._claims_system import saving as saving
from ._compute import (
    empirical_flops as empirical_flops,
    gpu_hours as gpu_hours,
    moe_flops as moe_flops,
    training_cost_usd as training_cost_usd,
    training_flops as training_flops,
)
from ._gpt3 import (
    ADAM_OPS as ADAM_OPS,
    FCMatrix as FCMatrix,
    TransformerShape as TransformerShape,
    gpt3 as gpt3,
    gpt3_moe as gpt3_moe,
)
from ._paper import (
    CHECKPOINT_GB_S as CHECKPOINT_GB_S,
    CPU_MTBF_HOURS as CPU_MTBF_HOURS,
    FLOPS_PER_GPU as FLOPS_PER_GPU,
    FLOPS_PER_PARAM_TOKEN as FLOPS_PER_PARAM_TOKEN,
    GPT3_PARAMS as GPT3_PARAMS,
    GPT3_YEAR as GPT3_YEAR,
    GPT4_PARAMS as GPT4_PARAMS,
    GPT4_YEAR as GPT4_YEAR,
    GPU_MEMORY_GB as GPU_MEMORY_GB,
    GPU_MTBF_HOURS as GPU_MTBF_HOURS,
    GPU_PERF_GROWTH_PER_YEAR as GPU_PERF_GROWTH_PER_YEAR,
    GPUS_PER_CPU as GPUS_PER_CPU,
    GROUP_RECOVERY_HOURS as GROUP_RECOVERY_HOURS,
    N_GROUPS as N_GROUPS,
    PARAM_GROWTH_PER_YEAR as PARAM_GROWTH_PER_YEAR,
    PRICE_PERFORMANCE_DOUBLING_YEARS as PRICE_PERFORMANCE_DOUBLING_YEARS,
    SEQUENTIAL_FRACTION as SEQUENTIAL_FRACTION,
    SUPERCOMPUTER_GROWTH_PER_YEAR as SUPERCOMPUTER_GROWTH_PER_YEAR,
    TOKEN_SCALING_EXPONENT as TOKEN_SCALING_EXPONENT,
    TOKENS_PER_PARAM as TOKENS_PER_PARAM,
    TOLERATED_GROUPS as TOLERATED_GROUPS,
    TYPICAL_EXPERTS as TYPICAL_EXPERTS,
    USD_PER_GPU_HOUR as USD_PER_GPU_HOUR,
)
from ._projection import (
    BASE_EXPERTS as BASE_EXPERTS,
    BASE_PARAMS as BASE_PARAMS,
    BASE_YEAR as BASE_YEAR,
    CLOUD_OVER_GPU as CLOUD_OVER_GPU,
    GPT4_EXPERTS as GPT4_EXPERTS,
    Scenario as Scenario,
    implied_param_growth as implied_param_growth,
    project_cost_usd as project_cost_usd,
    run_cost_usd as run_cost_usd,
    table1_scenarios as table1_scenarios,
)
from ._reliability import (
    amdahl_speedup as amdahl_speedup,
    checkpoint_hours as checkpoint_hours,
    daly_interval_hours as daly_interval_hours,
    expected_wall_hours as expected_wall_hours,
    k_of_n_mtti_hours as k_of_n_mtti_hours,
    mtti_hours as mtti_hours,
    system_mtti_hours as system_mtti_hours,
    young_interval_hours as young_interval_hours,
)
from ._reproduce import (
    FIG7_GPUS as FIG7_GPUS,
    PAPER_POINTS as PAPER_POINTS,
    fig7_data as fig7_data,
    projection_data as projection_data,
    reproduction_table as reproduction_table,
    saving_at as saving_at,
    summary as summary,
)
from ._system import (
    TrainingRun as TrainingRun,
    TrainingSystem as TrainingSystem,
    amdahl_unit_gpus as amdahl_unit_gpus,
    baseline as baseline,
    optimized as optimized,
    time_to_train as time_to_train,
)
from ._training_devices import (
    DIGITS_ACCURACY as DIGITS_ACCURACY,
    PULSES_PER_WEIGHT_PER_SAMPLE as PULSES_PER_WEIGHT_PER_SAMPLE,
    TrainingDevice as TrainingDevice,
    cmos_training as cmos_training,
    ecram_training as ecram_training,
    pcm_training as pcm_training,
    pulses_pcm_assumed as pulses_pcm_assumed,
    reram_training as reram_training,
    training_devices as training_devices,
)
from ._training_table import (
    GPU_POWER_W as GPU_POWER_W,
    TRAINING_COUNTED as TRAINING_COUNTED,
    GPUBaseline as GPUBaseline,
    gpu_run as gpu_run,
    model_flops as model_flops,
    revolutionary_data as revolutionary_data,
    training_table as training_table,
)
