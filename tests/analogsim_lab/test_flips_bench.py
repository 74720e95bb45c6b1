import json
import pathlib

import jax.random as jr
import numpy as np
import pytest

import hnn
from analogsim_lab import flips_bench

SHIPPED = (
    pathlib.Path(__file__).resolve().parents[1] / "data" / "satlib"
)  # uf20 and uf50 files in the repository


def test_flip_counts_are_each_runs_own_flips():
    cnf = hnn.read_dimacs(SHIPPED / "uf20" / "uf20-01.cnf")
    flips = flips_bench.flip_counts(cnf, key=jr.key(0), replicas=8, max_flips=5000)
    assert flips.shape == (8,) and np.all(np.isfinite(flips)) and np.all(flips >= 0)
    sol = hnn.solve(
        cnf, key=jr.key(0), method=flips_bench.reference_probsat(), replicas=8, max_steps=5000, stop="all"
    )
    # one flip per step while unsolved: a run's flips are its first-hit step
    np.testing.assert_array_equal(flips, sol.replica_flips)
    np.testing.assert_array_equal(flips, sol.replica_hit_step)
    censored = flips_bench.flip_counts(cnf, key=jr.key(0), replicas=8, max_flips=1)
    assert np.sum(np.isinf(censored)) >= 1


def test_set_row_against_reference():
    inst = [hnn.read_dimacs(f) for f in sorted((SHIPPED / "uf20").glob("*.cnf"))[:3]]
    row = flips_bench.set_row("uf20", inst, replicas=8, max_flips=5000, rounds=200)
    assert row["instances"] == 3 and row["runs"] == 24 and row["censored"] == 0
    lo, hi = row["ci95"]
    assert lo <= row["median_flips"] <= hi
    assert row["c_reference"] == 38.5 and row["ratio"] == pytest.approx(row["median_flips"] / 38.5)
    assert row["within_ci"] == (lo <= 38.5 <= hi)
    assert flips_bench.set_row("mine", inst[:1], replicas=4, max_flips=5000, rounds=10)["ratio"] is None


def test_cli_writes_json(tmp_path, capsys):
    out = tmp_path / "flips.json"
    rc = flips_bench.main(
        [
            "--root",
            str(SHIPPED),
            "--sets",
            "uf20",
            "--count",
            "2",
            "--replicas",
            "4",
            "--rates",
            "4",
            "--flips-per-step",
            "2",
            "--engine",
            "lists",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    data = json.loads(out.read_text())
    assert [r["set"] for r in data["sets"]] == ["uf20"] and data["sets"][0]["instances"] == 2
    assert data["engine"] == "lists"
    assert [(r["engine"], r["replicas"], r["flips_per_step"]) for r in data["flip_rates"]] == [
        ("lists", 4, 2),
        ("bitset", 4, 2),
    ]
    lists, bitset = data["flip_rates"]
    assert lists["flips_per_s"] > 0 and bitset["flips_per_s"] > 0
    assert lists["bitset_over_lists"] == bitset["bitset_over_lists"] == bitset["flips_per_s"] / lists["flips_per_s"]
    assert "uf20" in capsys.readouterr().out
    assert flips_bench.main(["--root", str(tmp_path), "--sets", "uf20"]) == 2  # no such set there
    with pytest.raises(SystemExit):
        flips_bench.main(["--count", "0"])
    with pytest.raises(SystemExit):
        flips_bench.main(["--flips-per-step", "x"])
    with pytest.raises(SystemExit):
        flips_bench.main(["--engine", "dense"])


def _fake_c_binary(tmp_path, flips_by_seed: dict[int, int | None]) -> pathlib.Path:
    """An executable that answers like the C probSAT: `c numFlips : N` and `s SATISFIABLE` (or, for a seed mapped
    to None, the output of a run that stops unsolved)."""
    lines = ["#!/bin/sh", 'case "$6" in']
    for seed, flips in flips_by_seed.items():
        if flips is None:
            lines.append(f'  {seed}) echo "c numFlips                      : 999"; echo "s UNKNOWN";;')
        else:
            lines.append(f'  {seed}) echo "c numFlips                      : {flips}   "; echo "s SATISFIABLE";;')
    lines += ['  *) echo "c nothing";;', "esac"]
    path = tmp_path / "probSAT"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o755)
    return path


def test_c_flip_counts_parse_the_c_output(tmp_path):
    binary = _fake_c_binary(tmp_path, {1: 40, 2: 7, 3: None})
    f = SHIPPED / "uf20" / "uf20-01.cnf"
    np.testing.assert_array_equal(flips_bench.c_flip_counts(binary, f, [1, 2, 3]), [40.0, 7.0, np.inf])
    with pytest.raises(RuntimeError, match="no flip count"):
        flips_bench.c_flip_counts(binary, f, [4])
    with pytest.raises(ValueError, match="positive"):
        flips_bench.c_flip_counts(binary, f, [0])


def test_cli_runs_the_c_code_on_the_same_instances(tmp_path, capsys):
    binary = _fake_c_binary(tmp_path, {1: 30, 2: 50, 3: 40, 4: 20})
    out = tmp_path / "flips.json"
    args = ["--root", str(SHIPPED), "--sets", "uf20", "--count", "2", "--replicas", "4", "--rates", ""]
    assert flips_bench.main([*args, "--c-binary", str(binary), "--out", str(out)]) == 0
    row = json.loads(out.read_text())["sets"][0]
    assert row["c_median"] == 40.0  # the higher middle value of 30, 50, 40, 20 on each of the 2 instances
    assert row["ratio_c"] == pytest.approx(row["median_flips"] / 40.0)
    lo, hi = row["ratio_c_ci95"]
    assert lo <= row["ratio_c"] <= hi
    assert "C pooled 40.0" in capsys.readouterr().out
