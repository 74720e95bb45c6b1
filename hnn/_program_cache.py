"""The compiled programs of `hnn.solve` kept on disk as serialised XLA executables, so that a later process loads
them instead of tracing, lowering and compiling them.

JAX's persistent compilation cache skips XLA's compile on a second run, but every process still traces the search
loop and lowers it to StableHLO (about half a second for probSAT's loop on a CPU). A stored executable
(`jax.experimental.serialize_executable`) skips all three: a later process loads it in milliseconds.

Each program is one file `<key>.hnnprog` in the cache directory. The key is a hash of everything that determines the
program: the function, the static part of its arguments (the method and its parameters, the problem's static
sizes, the replica count), the tree structure, shapes and dtypes of its array arguments (bucketed by
`hnn.bucket_size`, so one file serves many formulas of similar size), the jax, jaxlib and equinox versions, the
platform, device and host CPU (machine type and instruction-set flags: the executable is native code), the
configuration flags that change tracing (x64, the PRNG implementation), and a hash of the source of `hnn` and
`analogsim`. The file holds a format line, a JSON header (the key, the BLAKE2b digest of the executable, the
number of inputs and the tree structure of the output) and the executable. A file that fails a check (truncated,
corrupted, another key or format) or does not load is ignored and rebuilt; files are written atomically
(`analogsim.io.write_bytes`).

The executable is stored with JAX's pickling of compiled programs, and loading a pickle can run code: a file is
loaded only if this user owns it and no one else may write it (on POSIX); any other file is rebuilt.
Where a program cannot be stored (arrays on several devices or processes, a static argument without a stable
`repr`, a backend that does not serialise executables) the function runs as it is. The first process runs the
executable it stores, so a run gives the same numbers with or without a cache entry.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import pathlib
import platform
import secrets
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax

__all__ = ["call", "SUFFIX"]

SUFFIX = ".hnnprog"
_FORMAT = b"hnn-program 2\n"
_CONFIG_FLAGS = ("jax_enable_x64", "jax_default_prng_impl", "jax_threefry_partitionable", "jax_default_matmul_precision")
# (directory, key) -> (compiled program on the array leaves, output treedef), or None: `fn` runs as it is
_LOADED: dict[tuple[str, str], tuple[Callable, Any] | None] = {}


def call(directory: str | os.PathLike | None, fn, *args):
    """`fn(*args)` for an `eqx.filter_jit` function `fn`, through the compiled program stored in `directory`.

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
    """The executable stored at `path`, else `fn` traced, compiled and stored there: `(compiled callable on the
    array leaves, output treedef)`, or None where it does not compile on the leaves (then `fn` runs as it is)."""
    device = next(d for leaf in leaves if isinstance(leaf, jax.Array) for d in leaf.devices())
    stored = _load(path, key, len(leaves), device)
    if stored is not None:
        return stored
    built = _build(fn, static, in_tree, leaves)
    if built is None:
        return None
    compiled, out_tree, payload = built
    if payload is not None:
        _write(path, key, len(leaves), out_tree, payload)
    return compiled, out_tree


def _build(fn, static, in_tree, leaves):
    """`fn` traced and compiled once for `leaves`, as a function of the array leaves that returns the output
    leaves: `(compiled, output treedef, serialised executable or None where it cannot be serialised)`, or None
    where it does not compile (or its output is not a tree of arrays whose structure a file can hold)."""
    wrapped = getattr(fn, "__wrapped__", fn)
    out_trees = []

    def flat(*xs):
        out = wrapped(*eqx.combine(jax.tree.unflatten(in_tree, list(xs)), static))
        out_leaves, out_tree = jax.tree.flatten(out)
        out_trees.append(out_tree)
        return out_leaves

    # A name of its own for every build, so that JAX's persistent compilation cache (when on) never serves this
    # compile: an executable loaded from that cache runs, but serialised again it loses its kernels (XLA:CPU then
    # fails with "Function ... not found" when a later process calls it).
    flat.__name__ = flat.__qualname__ = f"hnn_program_{secrets.token_hex(8)}"
    try:
        compiled = jax.jit(flat).lower(*leaves).compile()
        _encode(jax.tree.unflatten(out_trees[0], [0] * out_trees[0].num_leaves))  # raises if it cannot be stored
    except Exception:
        return None
    try:
        from jax.experimental import serialize_executable

        payload = serialize_executable.serialize(compiled)[0]
    except Exception:  # a backend without executable serialisation: run it, store nothing
        payload = None
    return compiled, out_trees[0], payload


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
        f"{next(iter(devices)).platform} device {next(iter(devices)).id} {_host()}",
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


@functools.lru_cache(maxsize=1)
def _host() -> str:
    """The host CPU an executable was compiled for: machine type and, on Linux, a hash of the instruction-set
    flags (an executable compiled for one CPU may use instructions another lacks)."""
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        pass
    return f"{platform.machine()} {hashlib.blake2b(flags.encode(), digest_size=8).hexdigest()}"


def _load(path: pathlib.Path, key: str, n_in: int, device) -> tuple[Callable, Any] | None:
    """`(compiled, output treedef)` from the file at `path`, loaded onto `device`, or None when there is none or it
    fails a check."""
    try:
        if not _trusted(path):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(_FORMAT):
            return None
        header_end = data.index(b"\n", len(_FORMAT))
        header = json.loads(data[len(_FORMAT) : header_end])
        blob = data[header_end + 1 :]
        if (
            header.get("key") != key
            or header.get("inputs") != n_in
            or header.get("digest") != hashlib.blake2b(blob).hexdigest()
        ):
            return None
        out_tree = jax.tree.structure(_decode(header["out"]))
        from jax.experimental import serialize_executable

        compiled = serialize_executable.deserialize_and_load(
            blob,
            jax.tree.structure(((0,) * n_in, {})),  # jit(flat)(*leaves): positional leaves, no keywords
            jax.tree.structure([0] * out_tree.num_leaves),
            backend=device.client,
            execution_devices=[device],
        )
    except Exception:  # a damaged or foreign file is rebuilt, never trusted
        return None
    return compiled, out_tree


def _trusted(path: pathlib.Path) -> bool:
    """Whether a program file may be loaded (loading runs code): on POSIX, owned by this user and writable by no
    one else; a file that is not is rebuilt, and the rebuilt file is this user's."""
    if not hasattr(os, "getuid"):
        return True
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _write(path: pathlib.Path, key: str, n_in: int, out_tree, blob: bytes) -> None:
    """Stores a program atomically (`analogsim.io.write_bytes`); a cache that cannot be written is skipped."""
    from analogsim import io

    out = _encode(jax.tree.unflatten(out_tree, [0] * out_tree.num_leaves))
    header = json.dumps(
        {"key": key, "inputs": n_in, "digest": hashlib.blake2b(blob).hexdigest(), "out": out}
    ).encode()
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
