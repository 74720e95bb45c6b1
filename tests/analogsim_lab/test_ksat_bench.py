import pathlib

import numpy as np
import pytest

import hnn
from analogsim_lab import ksat_bench, ksat_stats
from analogsim_lab.report.ksat_scaling import scaling_figure, scaling_fits, scaling_markdown

SHIPPED = (
    pathlib.Path(__file__).resolve().parents[1] / "data" / "satlib"
)  # uf20 and uf50 files in the repository


def test_find_satlib_honours_the_environment(monkeypatch):
    monkeypatch.setenv("HNN_SATLIB", str(SHIPPED))
    assert ksat_bench.find_satlib() == SHIPPED.resolve()


def test_satlib_set_reads_the_files_in_name_order():
    inst = ksat_bench.satlib_set("uf20", 3, SHIPPED)
    assert [c.n_vars for c in inst] == [20, 20, 20]
    assert inst[0].to_lists() == hnn.read_dimacs(SHIPPED / "uf20" / "uf20-01.cnf").to_lists()
    assert inst[2].to_lists() == hnn.read_dimacs(SHIPPED / "uf20" / "uf20-03.cnf").to_lists()


def test_bench_rows():
    inst = ksat_bench.satlib_set("uf20", 2, SHIPPED)
    assert len(inst) == 2 and all(isinstance(c, hnn.CNF) for c in inst)
    for method in ("probsat", "analog", "cadical"):
        row = ksat_bench.bench(method, inst, 8, 20_000)
        assert row["instances"] == 2 and row["solved"] == 2
        assert row["energy_to_solution_j"] is not None and row["energy_to_solution_j"] > 0
        if method != "cadical":
            assert row["median_tts99_steps"] >= 1 and row["q90_tts99_steps"] >= row["median_tts99_steps"]
            assert len(row["instance_tts99_steps"]) == 2


def test_run_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        ksat_bench.run("huge")


def test_k_set_is_certified_at_the_threshold():
    inst, discarded = ksat_bench.generated_set_report(12, 2, seed=3, alpha=ksat_bench.THRESHOLD_ALPHA[4], k=4)
    assert len(inst) == 2 and discarded >= 0
    assert all(c.width == 4 and c.n_clauses == round(9.931 * 12) for c in inst)
    assert all(hnn.solve(c, method="cadical").satisfied for c in inst)
    with pytest.raises(ValueError, match="threshold"):
        ksat_bench.k_set(9, 20, 1)


def test_fit_exponent_recovers_closed_forms():
    sizes = [20, 50, 75, 100]
    exp_values = [[3.0 * 10 ** (0.02 * n)] * 5 for n in sizes]  # TTS = 3 * 10^(0.02 N) on every instance
    fit = ksat_stats.fit_exponent(sizes, exp_values, against="n", n_boot=50)
    np.testing.assert_allclose([fit["slope"], fit["low"], fit["high"]], 0.02, rtol=1e-9)
    np.testing.assert_allclose(fit["intercept"], np.log10(3.0), rtol=1e-9)
    power = [[2.0 * n**3, 2.0 * n**3, np.inf] for n in sizes]  # median of (v, v, inf) is v
    fit = ksat_stats.fit_exponent(sizes, power, against="log_n", n_boot=50)
    np.testing.assert_allclose(fit["slope"], 3.0, rtol=1e-9)
    assert fit["low"] <= 3.0 <= fit["high"] and fit["sizes"] == [20.0, 50.0, 75.0, 100.0]
    none = ksat_stats.fit_exponent([20, 50], [[np.inf], [1.0]], n_boot=20)
    assert np.isnan(none["slope"]) and none["sizes"] == [50.0]
    with pytest.raises(ValueError, match="against"):
        ksat_stats.fit_exponent(sizes, exp_values, against="n2")


def test_bootstrap_intervals():
    med, lo, hi = ksat_stats.bootstrap_median_ci([4.0] * 7, n_boot=50)
    assert med == lo == hi == 4.0
    med, lo, hi = ksat_stats.bootstrap_median_ci([1, 2, 3, 4, 5, 6, 7], n_boot=500)
    assert med == 4.0 and 1 <= lo <= 4 <= hi <= 7
    assert ksat_stats.bootstrap_median_ci([1.0, np.inf, np.inf])[0] == np.inf  # unsolved ranks above solved
    ratio, lo, hi = ksat_stats.bootstrap_ratio_ci([10.0, 20.0, 30.0], [1.0, 2.0, 3.0], n_boot=200)
    assert ratio == 10.0 and lo == hi == 10.0  # paired resampling: the ratio is 10 in every resample
    with pytest.raises(ValueError, match="one value per instance"):
        ksat_stats.bootstrap_ratio_ci([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="level"):
        ksat_stats.bootstrap_median_ci([1.0], level=1.5)


def test_pooled_bootstrap_resamples_instances_not_runs():
    # Two instances, identical runs within each: resampling runs alone would give a zero-width interval around the
    # pooled median; resampling instances gives the spread between the instances' medians.
    easy, hard = [1.0] * 9, [100.0] * 9
    med, lo, hi = ksat_stats.bootstrap_pooled_median_ci([easy, hard], n_boot=400)
    assert med == 100.0  # the higher middle value of 18 pooled runs
    assert (lo, hi) == (1.0, 100.0)
    med, lo, hi = ksat_stats.bootstrap_pooled_median_ci([[5.0, 5.0], [5.0]], n_boot=20)
    assert med == lo == hi == 5.0
    with pytest.raises(ValueError, match="at least one value"):
        ksat_stats.bootstrap_pooled_median_ci([[1.0], []])


def test_pooled_ratio_is_paired_over_instances():
    # Method a takes exactly twice method b's flips on every run of every instance: every paired resample has
    # ratio 2, however different the instances are.
    b = [[1.0, 3.0, 2.0], [100.0, 300.0], [10.0]]
    a = [[2 * v for v in runs] for runs in b]
    assert ksat_stats.bootstrap_pooled_ratio_ci(a, b, n_boot=300) == (2.0, 2.0, 2.0)
    # Unpaired instances (a's runs of instance 0 against b's of instance 1) give a ratio that spreads.
    ratio, lo, hi = ksat_stats.bootstrap_pooled_ratio_ci([[1.0], [100.0]], [[100.0], [1.0]], n_boot=300)
    assert ratio == 1.0 and lo == 0.01 and hi == 100.0
    with pytest.raises(ValueError, match="same instances"):
        ksat_stats.bootstrap_pooled_ratio_ci([[1.0]], [[1.0], [2.0]])
    with pytest.raises(ValueError, match="same instances"):
        ksat_stats.bootstrap_pooled_ratio_ci([[1.0]], [[]])


def test_scaling_section_parts(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for n in (20, 50, 100):
        tts = list(10 ** (1 + 0.02 * n) * rng.uniform(0.5, 2.0, 6))
        rows.append(
            {
                "method": "probsat",
                "k": 3,
                "n_vars": n,
                "instance_tts99_steps": tts,
                "median_tts99_steps": float(np.median(tts)),
                "q90_tts99_steps": float(np.quantile(tts, 0.9)),
            }
        )
    rows.append(
        {
            "method": "probsat",
            "k": 4,
            "n_vars": 50,
            "instance_tts99_steps": [1.0],
            "median_tts99_steps": 1.0,
            "q90_tts99_steps": 1.0,
        }
    )  # a k = 4 set: not in the 3-SAT fit
    rows.append({"method": "cadical", "n_vars": 20, "median_tts99_steps": None})
    fits = scaling_fits(rows)
    assert list(fits) == ["probsat"] and fits["probsat"]["sizes"] == [20.0, 50.0, 100.0]
    assert fits["probsat"]["low"] <= fits["probsat"]["slope"] <= fits["probsat"]["high"]
    assert abs(fits["probsat"]["slope"] - 0.02) < 0.01
    fig = scaling_figure(rows, fits)
    fig.savefig(tmp_path / "s.png")
    md = scaling_markdown(fits, "s.png")
    assert "| probsat |" in md and "probSAT C" in md


def test_finite_maps_unsolved_to_json_null():
    assert ksat_stats.finite(np.float64(2.5)) == 2.5 and isinstance(ksat_stats.finite(np.int64(3)), float)
    assert ksat_stats.finite(np.inf) is None and ksat_stats.finite(float("nan")) is None
