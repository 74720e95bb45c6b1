"""The focused high-order network's tuned schedule per formula size (`hnn.HighOrderHopfield.tuned`)."""

import jax.random as jr
import numpy as np
import pytest

import hnn

FIELDS = ("q", "t_start", "t_end", "anneal_steps")


def _schedule(method) -> tuple:
    return tuple(getattr(method, f) for f in FIELDS)


def test_default_network_is_unchanged():
    m = hnn.HighOrderHopfield()
    assert not m.focused and _schedule(m) == (0.4, 1.5, 0.15, 2000)


@pytest.mark.parametrize(
    ("n_vars", "expected"),
    [
        (20, (1.0, 1.0, 0.1, 2000)),
        (150, (1.0, 1.0, 0.1, 2000)),
        (200, (1.0, 1.0, 0.1, 5477)),  # geometric interpolation: 2000 * 7.5 ** 0.5
        (250, (1.0, 1.0, 0.1, 15_000)),
        (10_000, (1.0, 1.0, 0.1, 15_000)),
    ],
)
def test_tuned_schedule_per_size(n_vars, expected):
    m = hnn.HighOrderHopfield.tuned(n_vars)
    assert m.focused and m.focus_clauses is None
    assert _schedule(m) == pytest.approx(expected) and isinstance(m.anneal_steps, int)


def test_schedule_grows_monotonically_between_tuned_sizes():
    periods = [hnn.HighOrderHopfield.tuned(n).anneal_steps for n in range(140, 261, 5)]
    assert periods == sorted(periods) and periods[0] == 2000 and periods[-1] == 15_000


def test_tuned_overrides_and_validation():
    m = hnn.HighOrderHopfield.tuned(150, q=0.9, focused=False)
    assert m.q == 0.9 and not m.focused and m.t_start == hnn.HighOrderHopfield.tuned(150).t_start
    for bad in (0, -5, 1.5, True, "150", None):
        with pytest.raises(ValueError, match="n_vars"):
            hnn.HighOrderHopfield.tuned(bad)
    with pytest.raises(ValueError, match="q"):
        hnn.HighOrderHopfield.tuned(150, q=0.0)


def test_tuned_network_solves_shipped_uf50_deterministically(cnf_data):
    cnf = hnn.read_dimacs(
        cnf_data / "satlib" / "uf50" / sorted(p.name for p in (cnf_data / "satlib" / "uf50").glob("*.cnf"))[0]
    )
    method = hnn.HighOrderHopfield.tuned(cnf.n_vars)
    a = hnn.solve(cnf, key=jr.key(0), method=method, replicas=8, max_steps=20_000)
    b = hnn.solve(cnf, key=jr.key(0), method=method, replicas=8, max_steps=20_000)
    assert a.satisfied and hnn.verify(cnf, a.assignment)
    assert a.steps == b.steps and np.array_equal(a.replica_hit_step, b.replica_hit_step)


def test_focus_clauses_scales_the_update_probability(cnf_data):
    cnf = hnn.read_dimacs(cnf_data / "satlib" / "uf20" / "uf20-01.cnf")
    run = dict(key=jr.key(1), replicas=8, max_steps=300, stop="all")
    base = hnn.solve(cnf, method=hnn.HighOrderHopfield(focused=True), **run)
    wide = hnn.solve(cnf, method=hnn.HighOrderHopfield(focused=True, focus_clauses=1e9), **run)
    assert np.array_equal(base.replica_hit_step, wide.replica_hit_step) and base.flips == wide.flips
    slow = hnn.solve(
        cnf,
        method=hnn.HighOrderHopfield(focused=True, focus_clauses=0.01),
        key=jr.key(1),
        replicas=8,
        max_steps=20,
    )
    assert (
        slow.flips
        < hnn.solve(
            cnf, method=hnn.HighOrderHopfield(focused=True), key=jr.key(1), replicas=8, max_steps=20
        ).flips
    )
    with pytest.raises(ValueError, match="focus_clauses"):
        hnn.HighOrderHopfield(focus_clauses=0.0)
