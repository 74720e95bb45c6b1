"""`hnn.solve(program_cache=...)`: the search programs kept as serialised executables give the same search as the
traced programs, a later solve loads them without tracing, and a damaged file is rebuilt."""

import os
import shutil
from typing import ClassVar

import jax.random as jr
import numpy as np
import pytest

import hnn

TRACES = []


class CountingProbSAT(hnn.AbstractMethod):
    """probSAT whose `step` records each time it is traced (a compiled program runs it without Python)."""

    inner: hnn.ProbSAT
    name: ClassVar[str] = "counting-probsat"
    replica_axis: ClassVar[int] = 0

    def prepare(self, cnf):
        return self.inner.prepare(cnf)

    def init(self, problem, x0, *, key):
        return self.inner.init(problem, x0, key=key)

    def step(self, problem, state, t, *, key):
        TRACES.append(t)
        return self.inner.step(problem, state, t, key=key)

    def assignment(self, problem, state):
        return self.inner.assignment(problem, state)

    def updates_per_step(self, problem, replicas):
        return self.inner.updates_per_step(problem, replicas)


def _same(a: hnn.Solution, b: hnn.Solution):
    assert a.status == b.status and (a.steps, a.flips) == (b.steps, b.flips)
    for x, y in [(a.assignment, b.assignment), (a.replica_hit_step, b.replica_hit_step),
                 (a.replica_flips, b.replica_flips), (a.replica_unsat, b.replica_unsat)]:
        np.testing.assert_array_equal(x, y)


def _programs(directory):
    return sorted(directory.glob("*.hnnprog"))


@pytest.fixture(scope="module")
def uf20(cnf_data):
    return hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-01.cnf")


KW = dict(key=jr.key(5), replicas=4, max_steps=200, stop="all", chunk_steps=50)


@pytest.fixture(scope="module")
def cold(uf20, tmp_path_factory):
    """A first solve with an empty cache directory: it traces, compiles and writes the two programs."""
    directory = tmp_path_factory.mktemp("programs")
    TRACES.clear()
    solution = hnn.solve(uf20, method=CountingProbSAT(hnn.ProbSAT()), **KW, program_cache=directory)
    assert TRACES, "the first solve traces the search"
    assert len(_programs(directory)) == 2  # init, advance
    return solution, directory


def test_exported_program_gives_the_traced_search(uf20, cold):
    _same(hnn.solve(uf20, method=CountingProbSAT(hnn.ProbSAT()), **KW), cold[0])


def test_warm_cache_loads_the_program_without_tracing(uf20, cold, tmp_path):
    shutil.copytree(cold[1], tmp_path / "b")  # another directory: nothing of it is in this process's memory
    TRACES.clear()
    _same(hnn.solve(uf20, method=CountingProbSAT(hnn.ProbSAT()), **KW, program_cache=tmp_path / "b"), cold[0])
    assert TRACES == []  # the step was never traced: the stored program ran


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "foreign"])
def test_damaged_files_are_rebuilt(uf20, cold, tmp_path, damage):
    shutil.copytree(cold[1], tmp_path / "c")
    damaged = {}
    for path in _programs(tmp_path / "c"):
        data = bytearray(path.read_bytes())
        data[-100] ^= 0xFF
        damaged[path.name] = {"flipped byte": bytes(data), "truncated": bytes(data[: len(data) // 2]),
                              "foreign": b"not a program"}[damage]
        path.write_bytes(damaged[path.name])
    TRACES.clear()
    _same(hnn.solve(uf20, method=CountingProbSAT(hnn.ProbSAT()), **KW, program_cache=tmp_path / "c"), cold[0])
    assert TRACES, "damaged files are rebuilt by tracing"
    rebuilt = {path.name: path.read_bytes() for path in _programs(tmp_path / "c")}
    assert rebuilt.keys() == damaged.keys() and all(rebuilt[name] != damaged[name] for name in damaged)


@pytest.mark.slow
def test_keys_separate_methods_parameters_and_sizes(uf20, tmp_path):
    kw = dict(key=jr.key(11), replicas=8, max_steps=300, stop="all", chunk_steps=64)
    _same(hnn.solve(uf20, method="hopfield", **kw, program_cache=tmp_path), hnn.solve(uf20, method="hopfield", **kw))
    hnn.solve(uf20, method=hnn.ProbSAT(), **kw, program_cache=tmp_path)
    hnn.solve(uf20, method=hnn.ProbSAT(cb=3.0), **kw, program_cache=tmp_path)
    assert len(_programs(tmp_path)) == 6
    bigger = hnn.CNF(np.concatenate([np.asarray(uf20.clauses)] * 2), uf20.n_vars)  # another clause bucket
    hnn.solve(bigger, method=hnn.ProbSAT(), **kw, program_cache=tmp_path)
    assert len(_programs(tmp_path)) == 8


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file ownership and modes")
def test_files_others_may_write_are_rebuilt_not_loaded(uf20, cold, tmp_path):
    # loading a stored executable runs code: a file anyone else could have written is not trusted
    shutil.copytree(cold[1], tmp_path / "d")
    for path in _programs(tmp_path / "d"):
        path.chmod(0o666)
    TRACES.clear()
    _same(hnn.solve(uf20, method=CountingProbSAT(hnn.ProbSAT()), **KW, program_cache=tmp_path / "d"), cold[0])
    assert TRACES, "untrusted files are rebuilt by tracing"
    assert all(not path.stat().st_mode & 0o022 for path in _programs(tmp_path / "d"))
