import os
import subprocess
import sys

import pytest

import hnn
from hnn import __main__ as cli
from hnn.__main__ import main


def parse_model(out):
    lits = [int(t) for line in out.splitlines() if line.startswith("v ") for t in line.split()[1:]]
    assert lits[-1] == 0
    return [lit > 0 for lit in lits[:-1]]


def test_cli_satisfiable(cnf_data, capsys):
    path = cnf_data / "satlib" / "uf20" / "uf20-01.cnf"
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


def test_cli_unsat_file(cnf_data, capsys):
    assert main([str(cnf_data / "unsat" / "rand3-n20-m120.cnf"), "--method", "cadical"]) == 20
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "s UNSATISFIABLE"


@pytest.mark.parametrize("method", ["probsat", "cadical"])
def test_cli_empty_formula(tmp_path, capsys, method):
    path = tmp_path / "empty.cnf"
    path.write_text("p cnf 3 0\n")
    assert main([str(path), "--method", method]) == 10
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-2:] == ["s SATISFIABLE", "v 0"]
    assert captured.err == ""


def test_cli_bad_file(tmp_path, capsys):
    path = tmp_path / "bad.cnf"
    path.write_text("p cnf 2 1\n1 3 0\n")
    assert main([str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "bad.cnf:2" in captured.err
    assert main([str(tmp_path / "missing.cnf")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "missing.cnf" in captured.err


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--replicas", "0"], "--replicas"),
        (["--replicas", "-3"], "--replicas"),
        (["--replicas", "many"], "--replicas"),
        (["--timeout", "0"], "--timeout"),
        (["--timeout", "nan"], "--timeout"),
        (["--timeout", "inf"], "--timeout"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**64)], "--seed"),
        (["--method", "nope"], "--method"),
        (["--frobnicate"], "unrecognized"),
        ([], None),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args, fragment):
    path = tmp_path / "f.cnf"
    path.write_text("p cnf 1 1\n1 0\n")
    argv = [str(path), *args] if fragment else []
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("python -m hnn: error:")
    if fragment:
        assert fragment in lines[0]


def test_cli_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for code, meaning in (("10", "satisfiable"), ("20", "unsatisfiable"), ("0", "unknown"), ("1", "file"),
                          ("2", "arguments")):
        assert any(line.split()[:1] == [code] and meaning in line for line in out.splitlines()), code
    doc = cli.__doc__
    assert all(f"- {code}: " in doc for code in ("10", "20", "0", "1", "2"))


def test_cli_subprocess_bad_argument_has_no_traceback(tmp_path):
    path = tmp_path / "f.cnf"
    path.write_text("p cnf 1 1\n1 0\n")
    proc = subprocess.run(
        [sys.executable, "-m", "hnn", str(path), "--replicas", "0"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


def test_cli_several_files_and_a_directory(cnf_data, tmp_path, capsys):
    uf20 = cnf_data / "satlib" / "uf20"
    files = sorted(uf20.glob("*.cnf"))[:2]
    for f in files:
        (tmp_path / f.name).write_text(f.read_text())
    assert main([str(tmp_path), "--timeout", "30"]) == 10
    out = capsys.readouterr().out
    blocks = out.split("c file ")[1:]
    assert [b.splitlines()[0] for b in blocks] == [str(tmp_path / f.name) for f in files]
    for f, block in zip(files, blocks, strict=True):
        assert "s SATISFIABLE" in block
        assert hnn.verify(hnn.read_dimacs(f), parse_model(block))
    # a bad file among good ones: every good file is still solved, the exit code says one was bad
    bad = tmp_path / "zz-bad.cnf"
    bad.write_text("p cnf 2 1\n1 3 0\n")
    assert main([str(files[0]), str(bad), "--timeout", "30"]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("s SATISFIABLE") == 1 and "zz-bad.cnf:2" in captured.err
    # satisfiable and unsatisfiable together: no single answer, exit 0
    assert main([str(files[0]), str(cnf_data / "unsat" / "rand3-n20-m120.cnf"), "--method", "cadical"]) == 0


def test_cache_dir_from_environment(tmp_path):
    assert cli.cache_dir({"HNN_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cli.cache_dir({"HNN_CACHE_DIR": "off"}) is None
    assert cli.cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "hnn" / "jax"


def test_cli_persistent_cache_is_written_and_reused(cnf_data, tmp_path):
    path = cnf_data / "satlib" / "uf20" / "uf20-01.cnf"
    env = dict(os.environ, HNN_CACHE_DIR=str(tmp_path / "cache"), JAX_PLATFORMS="cpu")
    runs = [
        subprocess.run([sys.executable, "-m", "hnn", str(path)], capture_output=True, text=True, timeout=300, env=env)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [10, 10]
    assert any((tmp_path / "cache").glob("jit_*"))  # XLA executables (JAX's persistent compilation cache)
    assert any((tmp_path / "cache").glob("*.hnnprog"))  # the stored search programs
    # lose the stored programs but keep JAX's cache: they are rebuilt (an executable served by JAX's cache and
    # serialised again would lose its kernels), and a later process loads the rebuilt ones
    for program in (tmp_path / "cache").glob("*.hnnprog"):
        program.unlink()
    runs += [
        subprocess.run([sys.executable, "-m", "hnn", str(path)], capture_output=True, text=True, timeout=300,
                       env=dict(env, JAX_LOG_COMPILES="1"))
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [10] * 4, runs[-1].stderr[-2000:]
    # a warm run neither traces nor compiles anything: the start-up is imports and loading the stored programs
    assert "Compiling" in runs[2].stderr and "Compiling" not in runs[3].stderr, runs[3].stderr[-2000:]
    # the cached programs give the same search: same steps, same model
    strip = [[line for line in r.stdout.splitlines() if " time " not in line] for r in runs]
    assert strip[0] == strip[1] == strip[2] == strip[3]
    off = subprocess.run(
        [sys.executable, "-m", "hnn", str(path), "--no-cache"],
        capture_output=True, text=True, timeout=300, env=dict(env, HNN_CACHE_DIR=str(tmp_path / "other")),
    )
    assert off.returncode == 10 and not (tmp_path / "other").exists()


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**31, 2**32 - 1, 2**32, 2**40 + 3])
def test_cli_key_is_jax_random_key(seed):
    # the CLI builds threefry's key on the host; `python -m hnn --seed S` must search as hnn.solve(key=jr.key(S))
    import jax.random as jr
    import numpy as np

    key = cli._key(seed)
    assert jr.key_impl(key) == jr.key_impl(jr.key(seed))
    np.testing.assert_array_equal(jr.key_data(key), jr.key_data(jr.key(seed)))
