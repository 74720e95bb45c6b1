"""Training checkpoints: one file format and one resume rule for every trainer in the project.

A checkpoint holds a pytree's array leaves (`eqx.tree_serialise_leaves`) behind a JSON header with the number of
finished epochs, the per-epoch history (losses, learning curves) and a description of the run (`run`: anything
that must match for a resume to be valid: recipe, sizes, hardware fingerprint, key). Files are written atomically,
so a run killed while writing leaves the previous checkpoint intact.

Resume rule (`resume`): a run asked for `epochs` epochs in total continues after the checkpoint's last
finished epoch up to that total; a checkpoint of another run (a different `run` description) or with more epochs
than asked for raises `ValueError` instead of silently continuing or truncating it.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, NamedTuple

import equinox as eqx

from . import _io

_MAGIC = b"ANALOGSIM-CHECKPOINT-2\n"


class Checkpoint(NamedTuple):
    """What `load` and `resume` return."""

    tree: Any
    """The restored pytree (the structure of `like`)."""
    epoch: int
    """Number of finished epochs stored (0 when there was no checkpoint to resume)."""
    history: list
    """Per-epoch records of the finished epochs (one entry per epoch)."""
    run: dict
    """The run description stored with the checkpoint."""


def _check_epoch(epoch) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch must be an int >= 0, got {epoch!r}")
    return epoch


def save(path: str | os.PathLike, tree, *, epoch: int, run: dict, history: list | None = None) -> None:
    """Write `tree` with its epoch count, history and run description to `path` atomically.

    **Arguments:**

    - `path`: the file (its folder is created if needed).
    - `tree`: the pytree to store (its array leaves are written).
    - `epoch`: the number of finished epochs.
    - `run`: the run description (JSON-serialisable, no NaN) that a resume must match.
    - `history`: one JSON-serialisable entry per finished epoch.
    """
    epoch = _check_epoch(epoch)
    history = [] if history is None else list(history)
    if len(history) != epoch:
        raise ValueError(f"history must have one entry per finished epoch ({epoch}), got {len(history)}")
    buf = io.BytesIO()
    eqx.tree_serialise_leaves(buf, tree)
    header = json.dumps({"epoch": epoch, "history": history, "run": run}, allow_nan=False).encode()
    _io.write_bytes(path, _MAGIC + len(header).to_bytes(8, "little") + header + buf.getvalue())


def load(path: str | os.PathLike, like) -> Checkpoint:
    """Read a checkpoint written by `save` into the structure of `like` (same tree, same leaf shapes).
    Raises `ValueError` for a missing file, another format, or a tree that does not match.

    **Returns:**

    A `Checkpoint` with the restored tree, the epoch count, the history and the run description.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no checkpoint at {os.fspath(path)!r}")
    raw = path.read_bytes()
    if not raw.startswith(_MAGIC):
        raise ValueError(f"{os.fspath(path)!r} is not an analogsim checkpoint (or was written by an older version)")
    start = len(_MAGIC) + 8
    n = int.from_bytes(raw[len(_MAGIC) : start], "little")
    try:
        header = json.loads(raw[start : start + n].decode())
        tree = eqx.tree_deserialise_leaves(io.BytesIO(raw[start + n :]), like)
    except Exception as err:  # truncated header, shape or structure mismatch
        raise ValueError(f"checkpoint {os.fspath(path)!r} does not match the given structure: {err}") from err
    return Checkpoint(tree, int(header["epoch"]), list(header["history"]), dict(header["run"]))


def resume(path: str | os.PathLike | None, like, *, run: dict, epochs: int) -> Checkpoint:
    """The state to continue a run of `epochs` epochs in total from.

    Without a checkpoint file (or with `path=None`) this is `like` at epoch 0. Otherwise the stored state,
    provided the stored `run` equals `run` (`ValueError` naming the differing entries if not) and it has at
    most `epochs` finished epochs (`ValueError` if more: the run asked for is shorter than the one stored).

    **Arguments:**

    - `path`: the checkpoint file, or `None` for a run without checkpoints.
    - `like`: a pytree with the structure and leaf shapes of the stored one (the fresh state).
    - `run`: this run's description.
    - `epochs`: the total number of epochs this run asks for.

    **Returns:**

    The `Checkpoint` to continue from.
    """
    epochs = _check_epoch(epochs)
    run = json.loads(json.dumps(run))  # compare in the form it is stored in (tuples become lists)
    if path is None or not Path(path).exists():
        return Checkpoint(like, 0, [], run)
    ck = load(path, like)
    if ck.run != run:
        diff = "; ".join(
            f"{k}: stored {_short(ck.run.get(k))}, this run {_short(run.get(k))}"
            for k in sorted(set(ck.run) | set(run))
            if ck.run.get(k) != run.get(k)
        )
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} belongs to another run (differs in {diff}): use a new checkpoint path "
            "or the same settings"
        )
    if ck.epoch > epochs:
        raise ValueError(
            f"checkpoint {os.fspath(path)!r} has {ck.epoch} finished epochs, more than the {epochs} asked for: use "
            "a new checkpoint path or ask for at least as many epochs"
        )
    return ck


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
