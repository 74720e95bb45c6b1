"""Shared type aliases for annotations."""

import jax
from jaxtyping import Array, Float, Int

PRNGKeyArray = jax.Array
"""A JAX PRNG key: a typed key from `jax.random.key` or a raw `uint32[2]` key from `jax.random.PRNGKey`."""

__all__ = ["Array", "Float", "Int", "PRNGKeyArray"]
