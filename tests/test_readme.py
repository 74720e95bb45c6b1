"""The README's example runs as written (users copy it first)."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    exec(compile(blocks[0], str(README), "exec"), {})
    lines = capsys.readouterr().out.strip().splitlines()
    errors = [float(line.split()[1]) for line in lines]
    assert len(errors) == 3 and np.all(np.isfinite(errors))
    assert errors[0] < errors[2]  # a year of drift costs accuracy even with compensation


def test_readme_has_the_two_setup_commands():
    text = README.read_text()
    assert "python3 -m pip install . && analogsim report" in text
    assert re.search(r"<!-- test-command -->\n```bash\n(.+)\n```\n<!-- /test-command -->", text)
