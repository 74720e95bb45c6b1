"""Shared type aliases for annotations."""

from typing import Union

import jax
import numpy as np
from jaxtyping import Array, Float

PRNGKeyArray = jax.Array
"""A JAX PRNG key: a typed key from ``jax.random.key`` or a raw ``uint32[2]`` key from ``jax.random.PRNGKey``."""

ArrayLike = Union[jax.Array, np.ndarray, float, int]
Scalar = Union[Float[Array, ""], float]

__all__ = ["Array", "ArrayLike", "Float", "PRNGKeyArray", "Scalar"]
