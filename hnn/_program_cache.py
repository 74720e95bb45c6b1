"""The compiled programs of `hnn.solve` kept on disk as `jax.export` artifacts, so that a later process loads them
instead of tracing them.

JAX's persistent compilation cache skips XLA's compile on a second run, but every process still traces the search
loop and lowers it to StableHLO (about half a second for probSAT's loop on a CPU). An exported program is StableHLO
already: a later process deserialises it, and JAX's persistent compilation cache (when on) serves its XLA compile.

Each program is one file `<key>.hnnprog` in the cache directory. The key is a hash of everything that determines the
program: the function, the static part of its arguments (the method and its parameters, the problem's static
sizes, the replica count), the tree structure, shapes and dtypes of its array arguments (bucketed by
`hnn.bucket_size`, so one file serves many formulas of similar size), the jax, jaxlib and equinox versions, the
platform, the configuration flags that change tracing (x64, the PRNG implementation), and a hash of the source of
`hnn` and `analogsim`. The file holds a format line, a JSON header (the key, the BLAKE2b digest of the program, the
tree structure of the output) and the serialised program. A file that fails a check (truncated, corrupted, another
key or format) or does not compile is ignored and rebuilt; files are written atomically (`analogsim.io.write_bytes`).

Serialising needs the `flatbuffers` package, and calling an exported program on a CPU needs scipy (`jax.export`
loads LAPACK from it first, about 0.2 s of a warm start-up); without them, or where a program cannot be exported
(arrays on several devices or processes, a static argument without a stable `repr`), the function runs as it is.
A program is exported from the trace that `jax.jit` would compile, and the first process runs the exported program
too, so a run gives the same numbers with or without a cache entry.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import pathlib
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax

__all__ = ["call", "SUFFIX"]

SUFFIX = ".hnnprog"
_FORMAT = b"hnn-program 1\n"
_CONFIG_FLAGS = ("jax_enable_x64", "jax_default_prng_impl", "jax_threefry_partitionable", "jax_default_matmul_precision")
# (directory, key) -> (compiled program on the array leaves, output treedef), or None: `fn` runs as it is
_LOADED: dict[tuple[str, str], tuple[Callable, Any] | None] = {}


def call(directory: str | os.PathLike | None, fn, *args):
    """`fn(*args)` for an `eqx.filter_jit` function `fn`, through the exported program kept in `directory`.

    **Arguments:**

    - `directory`: the cache directory, or None to call `fn` as it is.
    - `fn`: an `eqx.filter_jit`-wrapped function whose outputs are arrays.
    - `args`: its arguments; arrays are the program's inputs, everything else is static.

    **Returns:**

    What `fn(*args)` returns.
    """
    if directory is None:
        return fn(*args)
    dynamic, static = eqx.partition(args, eqx.is_array)
    leaves, in_tree = jax.tree.flatten(dynamic)
    key = _program_key(fn, static, in_tree, leaves)
    if key is None:
        return fn(*args)
    slot = (os.fspath(directory), key)
    if slot not in _LOADED:
        _LOADED[slot] = _compiled_program(pathlib.Path(directory) / f"{key}{SUFFIX}", key, fn, static, in_tree, leaves)
    if _LOADED[slot] is None:
        return fn(*args)
    run, out_tree = _LOADED[slot]
    return jax.tree.unflatten(out_tree, run(*leaves))


def _compiled_program(path: pathlib.Path, key: str, fn, static, in_tree, leaves) -> tuple[Callable, Any] | None:
    """The program stored at `path`, else `fn` traced, exported and stored there, compiled for `leaves`: `(compiled
    callable, output treedef)`, or None where no exported program compiles here (then `fn` runs as it is)."""
    stored = _load(path, key)
    if stored is not None and (program := _compile(*stored, leaves)) is not None:
        return program
    built = _export(fn, static, in_tree, leaves)
    if built is None or (program := _compile(*built[:2], leaves)) is None:
        return None
    _write(path, key, built[1], built[2])
    return program


def _compile(exported, out_tree, leaves) -> tuple[Callable, Any] | None:
    """`exported` compiled for `leaves` (JAX's persistent compilation cache serves the compile when it is on), or
    None when it does not compile here: other input shapes, or a CPU without scipy, whose LAPACK `jax.export` loads
    before it calls any program."""
    try:
        return jax.jit(exported.call).lower(*leaves).compile(), out_tree
    except Exception:
        return None


def _program_key(fn, static, in_tree, leaves) -> str | None:
    """The hex key of the program `fn` traced with `static` and array `leaves` (tree `in_tree`), or None when it
    cannot be cached: arrays spread over several devices or processes, or a static value whose `repr` is not
    stable across processes (an object address)."""
    if jax.process_count() > 1 or not leaves:
        return None
    devices = {d for leaf in leaves if isinstance(leaf, jax.Array) for d in leaf.devices()}
    if len(devices) != 1:
        return None
    static_leaves, static_tree = jax.tree.flatten(static)
    static_text = f"{static_tree} {static_leaves!r}"
    if " at 0x" in static_text:
        return None
    wrapped = getattr(fn, "__wrapped__", fn)
    parts = [
        _environment(),
        next(iter(devices)).platform,
        f"{wrapped.__module__}.{wrapped.__qualname__}",
        static_text,
        str(in_tree),
        repr([(leaf.shape, str(leaf.dtype), bool(getattr(leaf, "weak_type", False))) for leaf in leaves]),
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()


@functools.lru_cache(maxsize=1)
def _environment() -> str:
    """Versions, tracing flags and the source hash of `hnn` and `analogsim`: what changes every program."""
    import jaxlib

    import analogsim

    source = hashlib.blake2b(digest_size=20)
    for package in (pathlib.Path(__file__).parent, pathlib.Path(analogsim.__file__).parent):
        for path in sorted(package.rglob("*.py")):
            source.update(str(path.relative_to(package.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
    flags = {name: str(getattr(jax.config, name, None)) for name in _CONFIG_FLAGS}
    return f"jax {jax.__version__} jaxlib {jaxlib.__version__} equinox {eqx.__version__} {flags} {source.hexdigest()}"


def _load(path: pathlib.Path, key: str):
    """`(exported, output treedef)` from the file at `path`, or None when there is none or it fails a check."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_FORMAT):
            return None
        header_end = data.index(b"\n", len(_FORMAT))
        header = json.loads(data[len(_FORMAT) : header_end])
        blob = data[header_end + 1 :]
        if header.get("key") != key or header.get("digest") != hashlib.blake2b(blob).hexdigest():
            return None
        exported = jax.export.deserialize(bytearray(blob))
        out_tree = jax.tree.structure(_decode(header["out"]))
        if out_tree.num_leaves != len(exported.out_avals):
            return None
    except Exception:  # a damaged or foreign file is rebuilt, never trusted
        return None
    return exported, out_tree


def _export(fn, static, in_tree, leaves):
    """`fn` traced once for `leaves` and exported: `(exported, output treedef, serialised bytes)`, the exported
    program read back from its bytes (so a first run calls what later runs load); None where it cannot be exported
    or serialised (e.g. without `flatbuffers`, or an output that is not a tree of arrays)."""
    wrapped = getattr(fn, "__wrapped__", fn)
    out_trees = []

    def flat(*xs):
        out = wrapped(*eqx.combine(jax.tree.unflatten(in_tree, list(xs)), static))
        out_leaves, out_tree = jax.tree.flatten(out)
        out_trees.append(out_tree)
        return out_leaves

    try:
        blob = bytes(jax.export.export(jax.jit(flat))(*leaves).serialize())
        _encode(jax.tree.unflatten(out_trees[0], [0] * out_trees[0].num_leaves))  # raises if it cannot be stored
        return jax.export.deserialize(bytearray(blob)), out_trees[0], blob
    except Exception:
        return None


def _write(path: pathlib.Path, key: str, out_tree, blob: bytes) -> None:
    """Stores a program atomically (`analogsim.io.write_bytes`); a cache that cannot be written is skipped."""
    from analogsim import io

    out = _encode(jax.tree.unflatten(out_tree, [0] * out_tree.num_leaves))
    header = json.dumps({"key": key, "digest": hashlib.blake2b(blob).hexdigest(), "out": out}).encode()
    try:
        io.write_bytes(path, _FORMAT + header + b"\n" + blob)
    except OSError:
        pass


def _encode(skeleton) -> Any:
    """A JSON form of a tree of named tuples, tuples, lists and `None` whose leaves are 0 (the output structure)."""
    if skeleton is None:
        return None
    if isinstance(skeleton, int) and not isinstance(skeleton, bool):
        return 0
    if isinstance(skeleton, tuple) and hasattr(skeleton, "_fields"):
        cls = type(skeleton)
        return {"namedtuple": f"{cls.__module__}:{cls.__qualname__}", "items": [_encode(x) for x in skeleton]}
    if isinstance(skeleton, (tuple, list)):
        return {type(skeleton).__name__: [_encode(x) for x in skeleton]}
    raise ValueError(f"cannot store an output node of type {type(skeleton).__name__} in a program file.")


def _decode(data) -> Any:
    """The output structure back from `_encode`'s JSON (named tuples only from `hnn`'s own modules)."""
    if data is None or data == 0:
        return data
    if "namedtuple" in data:
        module, qualname = data["namedtuple"].split(":")
        if module.split(".")[0] != __name__.split(".")[0]:
            raise ValueError(f"a program file names the class {module}:{qualname}, outside hnn.")
        cls = functools.reduce(getattr, qualname.split("."), importlib.import_module(module))
        return cls(*[_decode(x) for x in data["items"]])
    if "tuple" in data:
        return tuple(_decode(x) for x in data["tuple"])
    return [_decode(x) for x in data["list"]]
