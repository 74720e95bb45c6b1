"""The tiny transformer's text: fixed modules of the running Python's standard library, read as bytes."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import jax.numpy as jnp
import numpy as np

TRAIN_FILES = (
    "argparse.py",
    "calendar.py",
    "contextlib.py",
    "difflib.py",
    "fractions.py",
    "functools.py",
    "heapq.py",
    "random.py",
    "shlex.py",
    "statistics.py",
    "string.py",
    "textwrap.py",
)
"""Training corpus: these modules of the running Python's standard library (fixed list)."""
VAL_FILES = ("queue.py", "sched.py", "glob.py", "fnmatch.py", "bisect.py", "colorsys.py")
"""Held-out validation corpus (other files than the training ones)."""
VOCAB = 128
"""Token alphabet: ASCII bytes; bytes >= 128 (non-ASCII) are mapped to 0."""


def load_stdlib_corpus(files: tuple[str, ...], *, max_bytes: int | None = None) -> np.ndarray:
    """The concatenated bytes of standard-library files as int32 tokens in [0, 128).

    **Arguments:**

    - `files`: file names relative to the standard library's folder (`sysconfig.get_paths()["stdlib"]`).
    - `max_bytes`: keep only the first `max_bytes` tokens (`None`: all).

    **Returns:**

    A 1-D int32 NumPy array; the files are joined by a newline.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    chunks = []
    for f in files:
        p = root / f
        if not p.is_file():
            raise ValueError(f"standard-library file {p} not found; the corpus needs {files}")
        chunks.append(p.read_bytes())
    data = np.frombuffer(b"\n".join(chunks), dtype=np.uint8).astype(np.int32)
    data = np.where(data < VOCAB, data, 0)
    return data if max_bytes is None else data[:max_bytes]


def windows(tokens: np.ndarray, seq: int) -> jnp.ndarray:
    """Non-overlapping training windows of `seq + 1` tokens (inputs and next-token targets), shape (n, seq + 1)."""
    n = (len(tokens) - 1) // seq
    idx = np.arange(n)[:, None] * seq + np.arange(seq + 1)[None, :]
    return jnp.asarray(tokens[idx])
