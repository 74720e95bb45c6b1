"""Small energy-based models: samplers, training, likelihoods, hardware sampling cost.

```python
import ebm, jax.random as jr
rbm = ebm.RBM.init(64, 20, key=jr.key(0))
s = ebm.sample(rbm, key=jr.key(1), n_chains=64, n_samples=100)     # block Gibbs, colours from the graph
ebm.exact_log_partition(rbm)                                       # enumerates the smaller layer
ebm.ais_log_partition(rbm, key=jr.key(2))                          # AISResult(log_z, stderr, log_weights)
ebm.pbit_sweep_cost(rbm)                                           # analogsim.cost.Cost of one p-bit sweep
```

The models form one family (`ebm.AbstractEBM`); what the samplers, estimators, trainer and hardware mapping need
from a model is an abstract member of that class, so a new model plugs into all of them.
"""

from ._ais import AISResult as AISResult, ais_log_partition as ais_log_partition
from ._colour import greedy_colouring as greedy_colouring, is_proper as is_proper
from ._exact import (
    MAX_ENUMERATION_BITS as MAX_ENUMERATION_BITS,
    all_states as all_states,
    can_enumerate as can_enumerate,
    empirical_distribution as empirical_distribution,
    exact_log_likelihood as exact_log_likelihood,
    exact_log_partition as exact_log_partition,
    exact_probabilities as exact_probabilities,
    state_index as state_index,
    total_variation as total_variation,
)
from ._hardware import (
    LITERATURE as LITERATURE,
    PBitTech as PBitTech,
    count_pbit_sweep as count_pbit_sweep,
    digital_cost as digital_cost,
    literature_costs as literature_costs,
    pbit_bottom_up as pbit_bottom_up,
    pbit_sweep_cost as pbit_sweep_cost,
    per_spin_update as per_spin_update,
)
from ._models import (
    RBM as RBM,
    AbstractEBM as AbstractEBM,
    AbstractFullyVisibleEBM as AbstractFullyVisibleEBM,
    AbstractNonPairwiseEBM as AbstractNonPairwiseEBM,
    Annealing as Annealing,
    BoltzmannMachine as BoltzmannMachine,
    Enumeration as Enumeration,
    FactorBoltzmannMachine as FactorBoltzmannMachine,
    Hopfield as Hopfield,
    ModernHopfield as ModernHopfield,
)
from ._pbit import (
    PBitMachine as PBitMachine,
    pbit_machine as pbit_machine,
    pbit_sweep as pbit_sweep,
    pbit_tv_sweep as pbit_tv_sweep,
    sample_pbit as sample_pbit,
)
from ._sampling import (
    Samples as Samples,
    geometric_betas as geometric_betas,
    gibbs_sweep as gibbs_sweep,
    random_states as random_states,
    sample as sample,
    sample_pt as sample_pt,
    shard_chains as shard_chains,
    sweep_t as sweep_t,
)
from ._train import (
    Trainer as Trainer,
    TrainResult as TrainResult,
    TrainState as TrainState,
    TrainStepInfo as TrainStepInfo,
    log_likelihood as log_likelihood,
)
from ._validate import check_states as check_states
