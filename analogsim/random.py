"""Fast counter-based random numbers for large simulated arrays (public interface of ``analogsim._random``).

``normal(key, shape)``, ``uniform(key, shape)`` and ``bits(key, shape)`` are pure functions of the JAX key: the same
key gives the same array; XLA fuses them into their consumer's loop. Normals are inverse-CDF samples truncated at
5.3 sigma (probability 1.2e-7); use ``jax.random`` where exact tails matter.
"""

from ._random import bits as bits, normal as normal, uniform as uniform
