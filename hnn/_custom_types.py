"""Shared jaxtyping aliases for `hnn`."""

from typing import Union

import numpy as np
from jaxtyping import Array, Bool, Float, Int

ArrayLike = Union[Array, np.ndarray]

__all__ = ["Array", "ArrayLike", "Bool", "Float", "Int"]
