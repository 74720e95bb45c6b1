import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import analogsim as asim
import hnn
from hnn import literal_matrix


def _cnf(seed=0, n=20, m=80):
    return hnn.random_ksat(jr.key(seed), n, m, 3, planted=True)


def test_literal_matrix_counts_true_literals():
    cnf = hnn.CNF.from_clauses([[1, -2, 3], [-1, 2], [2, 3, -3]], n_vars=3)
    L = literal_matrix(cnf)
    x = np.array([1, 0, 1])
    s = L @ np.concatenate([x, 1 - x])
    brute = [sum((lit > 0) == bool(x[abs(lit) - 1]) for lit in c) for c in cnf.to_lists()]
    np.testing.assert_array_equal(s, brute)


def test_ideal_analog_counts_equal_digital_make_break():
    cnf = _cnf()
    cfg = asim.CrossbarConfig.ideal(tile=(16, 16))
    cfg = asim.CrossbarConfig(device=cfg.device, dac=cfg.dac, adc=cfg.adc, tile=(16, 16), mapping="global")
    net = hnn.AnalogNetwork.build(cnf, cfg, key=jr.key(0))
    x = jr.bernoulli(jr.key(1), 0.5, (8, cnf.n_vars)).astype(jnp.int8)
    s, make, brk = net.counts(x, key=jr.key(2))
    for r in range(8):
        mk, bk = hnn.make_break(cnf, x[r].astype(bool))
        np.testing.assert_array_equal(make[r], mk)
        np.testing.assert_array_equal(brk[r], bk)
        assert int(jnp.sum(s[r] == 0)) == int(hnn.energy(cnf, x[r].astype(bool)))


@pytest.mark.slow  # 13 s
def test_pcm_counts_right_when_fresh_and_wrong_after_a_year_of_drift():
    # Counts are small integers read through a 1-LSB-per-literal ADC: fresh PCM (programming and read noise a few
    # percent of one literal's conductance) reads them exactly; a year of uncompensated drift scales conductances
    # by about (1 year / 20 s)^-0.06 ~ 0.4 (aihwkit's PCM drift exponent), so most nonzero counts read low.
    cnf = _cnf(1, 50, 213)
    x = jr.bernoulli(jr.key(1), 0.5, (16, cnf.n_vars)).astype(jnp.int8)
    ref = [hnn.make_break(cnf, x[r].astype(bool)) for r in range(16)]
    for k in range(3):  # three programmings
        err = []
        for t in (0.0, 86400.0 * 365):
            net = hnn.AnalogNetwork.build(cnf, hnn.default_analog_config(), key=jr.key(3 + k), t_seconds=t)
            _, make, brk = net.counts(x, key=jr.key(40 + k))
            wrong = sum(int(jnp.sum(make[r] != ref[r][0]) + jnp.sum(brk[r] != ref[r][1])) for r in range(16))
            err.append(wrong / (2 * 16 * cnf.n_vars))
        assert err[0] < 0.01 and err[1] > 0.5, (k, err)


def test_analog_solver_solves_and_verifies():
    cnf = _cnf(2, 20, 85)
    sol = hnn.solve(cnf, key=jr.key(5), method="analog", replicas=16, max_steps=3000)
    assert sol.status == hnn.RESULTS.satisfied and hnn.verify(cnf, sol.assignment)
    again = hnn.solve(cnf, key=jr.key(5), method="analog", replicas=16, max_steps=3000)
    assert again.steps == sol.steps and np.array_equal(again.assignment, sol.assignment)


def test_analog_method_validation():
    with pytest.raises(ValueError):
        hnn.AnalogHopfield(q=0.0)
    with pytest.raises(ValueError):
        hnn.AnalogHopfield(t_seconds=-1.0)


def test_analog_step_cost_counts_both_passes():
    from hnn import analog_step_cost, analog_step_mvms, energy_to_solution_j

    n, m = 20, 85
    cnf = _cnf(0, n, m)
    fwd, bwd = analog_step_mvms(cnf, replicas=1)
    # forward: one (m x 2n) clause-literal array, inputs the 2n literal values, one conversion per clause;
    # backward: its transpose read twice (make and break indicators), one conversion per literal each time;
    # every weight is a differential pair of cells
    assert (fwd.shape, fwd.tiles) == ((m, 2 * n), (1, 1))
    f = fwd.counts.as_dict()
    assert (f["macs"], f["dac_conversions"], f["adc_conversions"], f["cell_reads"]) == (m * 2 * n, 2 * n, m, 2 * m * 2 * n)
    assert bwd.shape == (2 * n, m)
    b = bwd.counts.as_dict()
    assert (b["macs"], b["dac_conversions"], b["adc_conversions"]) == (2 * m * 2 * n, 2 * m, 2 * 2 * n)
    assert f["cell_writes"] == b["cell_writes"] == 0
    one = analog_step_cost(cnf, replicas=1)
    four = analog_step_cost(cnf, replicas=4)
    assert one.total_j > 0 and four.total_j == pytest.approx(4 * one.total_j, rel=1e-6)  # linear in replicas
    assert energy_to_solution_j(100.0, one) == pytest.approx(100 * one.total_j)
    assert energy_to_solution_j(None, one) is None
