"""The dependency rule of docs/ARCHITECTURE.md, checked on the source: every import statement of the project is
read with ``ast`` (module level and inside functions) and resolved to an absolute module name."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LIBRARIES = ("analogsim", "hnn", "ebm")
LAB = "analogsim_lab"
PACKAGES = (*LIBRARIES, LAB)


def _module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: pathlib.Path, root: pathlib.Path):
    """``(line, imported module, at module level)`` for every import in ``path``; ``from a import b`` yields
    ``a.b`` (a submodule or a name in ``a``: both are checked by the rules below)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top_level = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            for a in node.names:
                yield node.lineno, f"{mod}.{a.name}", id(node) in top_level


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in module.split(".")[1:])


def violations(root: pathlib.Path) -> list[str]:
    """Every import in ``root`` that breaks the rule, as ``"path:line: why"``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        where = rel.parts[0]
        if where not in (*PACKAGES, "examples", "tests"):
            continue
        for line, mod, top in _imports(path, root):
            target = mod.split(".")[0]
            if target not in PACKAGES or target == where:
                continue
            loc = f"{rel}:{line}: imports {mod}"
            if where in LIBRARIES and target == LAB:
                found.append(f"{loc}: a library imports the experiment layer")
            elif where == "analogsim" and target in ("hnn", "ebm"):
                found.append(f"{loc}: analogsim imports neither hnn nor ebm")
            elif _is_private(mod):
                found.append(f"{loc}: a private module or name of another package")
            elif where == LAB and target in LIBRARIES and not top:
                found.append(f"{loc}: the experiment layer imports the libraries at module level")
    return found


def test_the_project_keeps_the_layering_rule():
    assert violations(ROOT) == []


PLANTED = {
    "hnn/_solver.py": ("from analogsim_lab.report import Context\n", "a library imports the experiment layer"),
    "analogsim/_x.py": ("def f():\n    import ebm\n", "analogsim imports neither hnn nor ebm"),
    "analogsim/nn/_y.py": ("from hnn._energy import energy\n", "analogsim imports neither hnn nor ebm"),
    "examples/demo.py": ("from analogsim._crossbar import program\n", "a private module or name"),
    "tests/test_z.py": ("from hnn import _bench\n", "a private module or name"),
    "ebm/_m.py": ("from analogsim._random import normal\n", "a private module or name"),
    "analogsim_lab/sec.py": ("def f():\n    import ebm\n", "at module level"),
}


@pytest.mark.parametrize("rel", sorted(PLANTED))
def test_a_planted_violation_is_caught(tmp_path, rel):
    source, why = PLANTED[rel]
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    (tmp_path / "analogsim" / "nn").mkdir()
    (tmp_path / "analogsim" / "nn" / "__init__.py").write_text("")
    (tmp_path / "examples").mkdir()
    (tmp_path / "tests").mkdir()
    # allowed imports stay silent
    (tmp_path / "hnn" / "_ok.py").write_text("import analogsim as asim\nfrom analogsim import cost\nfrom . import _ok\n")
    (tmp_path / "analogsim_lab" / "ok.py").write_text("import ebm\nfrom hnn import solve\n\ndef f():\n    import numpy\n")
    assert violations(tmp_path) == []
    (tmp_path / rel).write_text(source)
    found = violations(tmp_path)
    assert len(found) == 1 and why in found[0] and found[0].startswith(rel), found
