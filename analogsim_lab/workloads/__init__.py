"""The lab's reference workloads, shared by the examples, the report and the benchmark so that all of them measure
the same thing:

- the crossbar MVM (`mvm_problem`, `mc_errors`, `int8_mvm`): one Gaussian matrix-vector product on analog
    hardware over many programmings, against digital int8;
- the digits MLP (`digits_mlp`, `MLP`): a 64-256-256-10 MLP on scikit-learn's 8x8 digits, digital and on PCM;
- the energy study (`mlp_counts`, `adc_sweep`, `technologies`, `digital_devices`): an MLP's matrix products
    counted on HERMES-like tiles and priced on each technology table, against GPUs and this CPU;
- the tiny transformer (`tiny_transformer`): a character-level language model on the standard library's source,
    digital, with analog projections and fully analog; `transformer_speed_row` times its forward pass.
"""

from .common import BATCH_SIZE as BATCH_SIZE, Progress as Progress, fit as fit
from .corpus import (
    TRAIN_FILES as TRAIN_FILES,
    VAL_FILES as VAL_FILES,
    VOCAB as VOCAB,
    load_stdlib_corpus as load_stdlib_corpus,
    windows as windows,
)
from .digits import MLP as MLP, digits_mlp as digits_mlp, load_digits_split as load_digits_split
from .energy import (
    ADC_BITS as ADC_BITS,
    MLP_SHAPES as MLP_SHAPES,
    adc_sweep as adc_sweep,
    digital_devices as digital_devices,
    mlp_counts as mlp_counts,
    technologies as technologies,
)
from .insitu_transformer import insitu_transformer as insitu_transformer
from .mvm import (
    int8_mvm as int8_mvm,
    mc_errors as mc_errors,
    mvm_problem as mvm_problem,
    relative_error as relative_error,
)
from .transformer import (
    tiny_transformer as tiny_transformer,
    transformer_sizes as transformer_sizes,
    transformer_speed_row as transformer_speed_row,
)
