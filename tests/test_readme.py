"""README's numbers are the outputs of the current code.

Two kinds of generated content are kept in step here:

* every ```console block whose first line is ``$ solidarity ...``: the
  command is run from the repository's top folder and its standard output
  must be the rest of the block;
* the column tables between ``<!-- tables:begin -->`` and
  ``<!-- tables:end -->``, generated from the table registry.

``UPDATE_README=1 python -m pytest tests/test_readme.py`` rewrites both.
"""

import os
import re
import shlex
import subprocess
import sys

import pytest

from solidarity.tables import all_specs

from .conftest import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (solidarity [^\n]*)\n(.*?)```", re.S)
TABLES = re.compile(r"(<!-- tables:begin -->\n)(.*?)(<!-- tables:end -->)", re.S)


def columns_markdown() -> str:
    """One section per table: what it is, its key, and its columns."""
    parts = []
    for spec in all_specs().values():
        parts.append(f"**{spec.name}** ({spec.doc}; one row per {', '.join(spec.key)})\n")
        parts.append("| column | type | unit | meaning |\n|---|---|---|---|")
        parts += [f"| `{c.name}` | {c.dtype} | {c.unit} | {c.doc} |" for c in spec.columns]
        parts.append("")
    return "\n".join(parts)


def run_command(command: str) -> str:
    args = shlex.split(command)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run([sys.executable, "-m", "solidarity", *args[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command}: exit {proc.returncode}\n{proc.stderr}"
    return proc.stdout


def _refresh(text: str) -> str:
    text = TABLES.sub(lambda m: m.group(1) + columns_markdown() + m.group(3), text)
    return BLOCK.sub(lambda m: f"```console\n$ {m.group(1)}\n{run_command(m.group(1))}```", text)


@pytest.mark.skipif(not os.environ.get("UPDATE_README"), reason="UPDATE_README=1 rewrites README")
def test_update_readme():
    README.write_text(_refresh(README.read_text(encoding="utf-8")), encoding="utf-8")


def test_column_tables_follow_the_registry():
    m = TABLES.search(README.read_text(encoding="utf-8"))
    assert m, "README has no generated column tables"
    assert m.group(2) == columns_markdown(), "README's column tables differ: UPDATE_README=1 to refresh"


@pytest.mark.parametrize("command,expected", BLOCK.findall(README.read_text(encoding="utf-8")),
                         ids=lambda v: v if v.startswith("solidarity") else "")
def test_readme_command_output(command, expected):
    assert run_command(command) == expected


def test_ci_runs_the_readmes_test_command():
    """`.ci/run` runs exactly the README's test command, and both install
    from the lock file."""
    readme = README.read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert f"    {ci}\n" in readme
    assert "-c requirements/ci.txt" in ci
    assert (ROOT / "requirements" / "ci.txt").is_file()


def test_lock_file_pins_every_runtime_dependency_within_the_bounds():
    import tomllib

    from packaging.requirements import Requirement

    pins = dict(line.split("==", 1) for line in (ROOT / "requirements" / "ci.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for text in project["dependencies"]:
        req = Requirement(text)
        assert req.name in pins, f"{req.name} is not pinned in requirements/ci.txt"
        assert req.specifier.contains(pins[req.name]), f"{req.name}=={pins[req.name]} is outside {req.specifier}"
        assert any(s.operator == "<" for s in req.specifier), f"{req.name} has no upper bound"
