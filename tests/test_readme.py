"""The numbers in README and in the documentation pages are the outputs of
the current code.

Every ```console block whose first line is ``$ solidarity ...``, in README.md
and in docs/*.md (README first: the documentation's ``verify`` example reads
the folder README's run writes): the command is run from the repository's
top folder and its standard output must be the rest of the block.
``UPDATE_README=1 python -m pytest tests/test_readme.py`` rewrites them. (The
column tables are generated from the table registry when the documentation
is built: see docs/hooks.py and tests/test_docs.py.)
"""

import os
import re
import shlex
import subprocess
import sys

import pytest

from .conftest import ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```console\n\$ (solidarity [^\n]*)\n(.*?)```", re.S)


def run_command(command: str) -> str:
    args = shlex.split(command)
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run([sys.executable, "-m", "solidarity", *args[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command}: exit {proc.returncode}\n{proc.stderr}"
    return proc.stdout


def _refresh(text: str) -> str:
    return BLOCK.sub(lambda m: f"```console\n$ {m.group(1)}\n{run_command(m.group(1))}```", text)


@pytest.mark.skipif(not os.environ.get("UPDATE_README"), reason="UPDATE_README=1 rewrites README")
def test_update_readme():
    for page in PAGES:
        page.write_text(_refresh(page.read_text(encoding="utf-8")), encoding="utf-8")


def _blocks() -> list[tuple[str, str, str]]:
    return [(page.relative_to(ROOT).as_posix(), command, expected) for page in PAGES
            for command, expected in BLOCK.findall(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page,command,expected", _blocks(),
                         ids=lambda v: v if v.startswith("solidarity") or v.endswith(".md") else "")
def test_readme_command_output(page, command, expected):
    assert run_command(command) == expected, f"{page}: UPDATE_README=1 to refresh"


def test_readme_keeps_its_first_run():
    """README shows a newcomer the real cycle's run and its output."""
    assert "$ solidarity run scenarios/2026-adopted.toml" in README.read_text(encoding="utf-8")


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
