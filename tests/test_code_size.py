"""Size limits of docs/ARCHITECTURE.md, checked on the source: no function over 80 lines and no file over 400
lines outside the tests, so that each piece can be read on one screen or two."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
MAX_FUNCTION_LINES = 80
MAX_FILE_LINES = 400


def oversized(root: pathlib.Path) -> list[str]:
    """Every function longer than `MAX_FUNCTION_LINES` and file longer than `MAX_FILE_LINES` below `root`'s
    packages and examples, as `"path[:line] name length"`."""
    found = []
    for top in ("analogsim", "hnn", "ebm", "analogsim_lab", "examples"):
        for path in sorted((root / top).rglob("*.py")):
            text = path.read_text()
            rel = path.relative_to(root)
            if len(text.splitlines()) > MAX_FILE_LINES:
                found.append(f"{rel} {len(text.splitlines())} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    n = node.end_lineno - node.lineno + 1
                    if n > MAX_FUNCTION_LINES:
                        found.append(f"{rel}:{node.lineno} {node.name} {n} lines")
    return found


def test_no_function_or_file_over_the_limit():
    assert oversized(ROOT) == []


@pytest.mark.parametrize(
    ("lines", "expect"), [(MAX_FUNCTION_LINES - 1, False), (MAX_FUNCTION_LINES, True)]
)
def test_a_long_function_is_caught(tmp_path, lines, expect):
    (tmp_path / "hnn").mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(lines))  # def line + body = lines + 1
    (tmp_path / "hnn" / "m.py").write_text(f"def f():\n{body}")
    assert bool(oversized(tmp_path)) == expect
