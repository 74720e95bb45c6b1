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
key or format, a program whose inputs do not match) is ignored and rebuilt; files are written atomically
(`analogsim.io.write_bytes`). Serialisation needs the `flatbuffers` package; without it, or where a program cannot
be exported (arrays on several devices or processes, a static argument without a stable `repr`), the function is
called as it is.

A program is exported from the same trace that `jax.jit` would compile, and the first process calls the exported
program too, so a run gives the same numbers with or without a cache entry.
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

__all__ = ["call", "program_key", "SUFFIX"]

SUFFIX = ".hnnprog"
_FORMAT = b"hnn-program 1\n"
_CONFIG_FLAGS = ("jax_enable_x64", "jax_default_prng_impl", "jax_threefry_partitionable", "jax_default_matmul_precision")
_LOADED: dict[tuple[str, str], tuple[Callable, Any]] = {}  # (directory, key) -> (callable on leaves, output treedef)


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
    key = program_key(fn, static, in_tree, leaves)
    if key is None:
        return fn(*args)
    slot = (os.fspath(directory), key)
    if slot in _LOADED:
        return _run(_LOADED[slot], leaves)
    program = _load(pathlib.Path(directory), key, leaves)
    if program is not None:
        try:
            out = _run(program, leaves)
        except Exception:  # a stored program that does not compile or run here is rebuilt
            program = None
        else:
            _LOADED[slot] = program
            return out
    program = _export(pathlib.Path(directory), key, fn, static, in_tree, leaves)
    if program is None:
        return fn(*args)
    _LOADED[slot] = program
    return _run(program, leaves)


def _run(program: tuple[Callable, Any], leaves):
    """Calls a loaded program on the array `leaves` and rebuilds its output tree."""
    run, out_tree = program
    return jax.tree.unflatten(out_tree, run(*leaves))


def program_key(fn, static, in_tree, leaves) -> str | None:
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


def _load(directory: pathlib.Path, key: str, leaves) -> tuple[Callable, Any] | None:
    """The program stored under `key`, or None when there is none or it fails a check."""
    path = directory / f"{key}{SUFFIX}"
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
        if [(a.shape, a.dtype) for a in exported.in_avals] != [(x.shape, x.dtype) for x in leaves]:
            return None
        out_tree = jax.tree.structure(_decode(header["out"]))
        if out_tree.num_leaves != len(exported.out_avals):
            return None
    except Exception:  # a damaged or foreign file is rebuilt, never trusted
        return None
    return jax.jit(exported.call), out_tree


def _export(directory: pathlib.Path, key: str, fn, static, in_tree, leaves) -> tuple[Callable, Any] | None:
    """Traces `fn` once, exports it, writes it under `key` and returns it loaded back; None if it cannot be
    exported or serialised (e.g. without `flatbuffers`)."""
    from analogsim import io

    wrapped = getattr(fn, "__wrapped__", fn)
    out_trees = []

    def flat(*xs):
        out = wrapped(*eqx.combine(jax.tree.unflatten(in_tree, list(xs)), static))
        out_leaves, out_tree = jax.tree.flatten(out)
        out_trees.append(out_tree)
        return out_leaves

    try:
        blob = bytes(jax.export.export(jax.jit(flat))(*leaves).serialize())
        out = _encode(jax.tree.unflatten(out_trees[0], [0] * out_trees[0].num_leaves))
    except Exception:  # not exportable here (no flatbuffers, an output that is not a tree of arrays...)
        return None
    header = json.dumps({"key": key, "digest": hashlib.blake2b(blob).hexdigest(), "out": out}).encode()
    try:
        io.write_bytes(directory / f"{key}{SUFFIX}", _FORMAT + header + b"\n" + blob)
    except OSError:
        pass  # a read-only cache still runs the exported program
    return jax.jit(jax.export.deserialize(bytearray(blob)).call), out_trees[0]


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
