"""Fast counter-based random numbers for large simulated arrays.

Use `jax.random` for keys (make, split, fold in), small arrays and exact tails; use this module for the large noise
arrays of the hardware model (programming, drift, read and write noise, fault maps, output noise). The generator
hashes each element's index with two seeds drawn from the key (murmur3 finalizer), so it fuses into its consumer.

`normal(key, shape)`, `moment_normal(key, shape)` (near-normal, cheaper), `uniform(key, shape)` and
`bits(key, shape)` are pure functions of the JAX key: the same key gives the same array; XLA fuses them into their
consumer's loop. Normals are inverse-CDF samples truncated at 5.3 sigma (probability 1.2e-7); use `jax.random`
where exact tails matter.

`check_key(key)` raises the library's one `ValueError` for anything that is not a JAX PRNG key (an int seed, say),
with the message that says how to make one; `hnn` and `ebm` call it at their entry points too.
"""

from ._random import (
    bits as bits,
    fast_erfinv as fast_erfinv,
    fast_log as fast_log,
    moment_normal as moment_normal,
    normal as normal,
    uniform as uniform,
)
from ._validate import check_key as check_key
