import pytest

import hnn
from hnn.__main__ import main


def parse_model(out):
    lits = [int(t) for line in out.splitlines() if line.startswith("v ") for t in line.split()[1:]]
    assert lits[-1] == 0
    return [lit > 0 for lit in lits[:-1]]


def test_cli_satisfiable(satlib, capsys):
    path = satlib / "uf20" / "uf20-01.cnf"
    assert main([str(path), "--timeout", "30"]) == 10
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "c method probsat"
    assert "s SATISFIABLE" in lines
    assert all(len(line) <= 80 for line in lines)
    model = parse_model(out)
    assert hnn.verify(hnn.read_dimacs(path), model)


def test_cli_unknown_and_unsat(tmp_path, capsys):
    path = tmp_path / "unsat.cnf"
    path.write_text("p cnf 1 2\n1 0\n-1 0\n")
    assert main([str(path), "--timeout", "0.5", "--method", "walksat"]) == 0
    out = capsys.readouterr().out
    assert "c method walksat" in out and "s UNKNOWN" in out and "UNSATISFIABLE" not in out
    assert main([str(path), "--method", "cadical"]) == 20
    assert "s UNSATISFIABLE" in capsys.readouterr().out


def test_cli_bad_file(tmp_path, capsys):
    path = tmp_path / "bad.cnf"
    path.write_text("p cnf 2 1\n1 3 0\n")
    assert main([str(path)]) == 1
    assert "bad.cnf:2" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(path), "--method", "nope"])
