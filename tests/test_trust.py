"""The trust boundary: what a received scenario or output folder can make us read."""

import os
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from solidarity.cli import app
from solidarity.errors import InputError
from solidarity.inputs import trust
from solidarity.inputs.scenario import load_scenario

SCENARIO = """[scenario]
name = "t"
year = 2026
[pool]
relocations = 21_000
financial_eur = 420_000_000
[data]
population_file = "{path}"
"""


@pytest.fixture(autouse=True)
def _no_extra_dirs():
    trust.allow(())
    yield
    trust.allow(())


def _scenario(folder: Path, path: str) -> Path:
    f = folder / "s.toml"
    f.write_text(SCENARIO.format(path=path))
    return f


def test_a_fifo_inside_the_folder_is_refused_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.tsv")  # opening it for reading would block until a writer comes
    signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.alarm(20)  # a hang fails the test instead of the suite
    try:
        with pytest.raises(InputError, match="a device or special file, not a regular file: not read"):
            load_scenario(_scenario(tmp_path, "pipe.tsv"))
    finally:
        signal.alarm(0)


def test_a_symbolic_link_leading_out_is_refused(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "pop.tsv").symlink_to("/etc/passwd")
    with pytest.raises(InputError, match="outside the trusted folders"):
        load_scenario(_scenario(tmp_path / "s", "pop.tsv"))


def test_data_dir_allows_a_folder(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "pop.csv").write_bytes(Path("/work/shared/data/population.csv").read_bytes()
                                   if Path("/work/shared/data/population.csv").exists()
                                   else (Path(__file__).parents[1] / "solidarity/_data/population.csv").read_bytes())
    (tmp_path / "s").mkdir()
    monkeypatch.chdir(tmp_path / "s")
    f = _scenario(tmp_path / "s", str(data / "pop.csv"))
    with pytest.raises(InputError, match="outside the trusted folders"):
        load_scenario(f)
    res = CliRunner().invoke(app, ["validate", str(f), "--data-dir", str(data)])
    assert res.exit_code == 0, res.output


def test_an_allowed_file_that_is_no_data_file_is_not_echoed():
    res = CliRunner().invoke(app, ["validate", str(Path(__file__).parent / "corpus/data-file-outside.toml"),
                                   "--data-dir", "/etc"])
    first = Path("/etc/passwd").read_text().splitlines()[0]
    assert res.exit_code == 3 and first not in res.output + res.stderr


def test_relative_paths_for_manifests(tmp_path):
    assert trust.relative(tmp_path / "a" / "b.toml", tmp_path / "out") == "../a/b.toml"


def test_verify_reads_nothing_a_received_folder_names_outside_it(tmp_path, monkeypatch):
    """A manifest naming /dev/zero and a scenario naming data elsewhere: nothing read, a bounded end."""
    import json
    import time
    (tmp_path / "sc").mkdir()
    shared = Path(__file__).parents[1] / "solidarity" / "_data" / "population.csv"
    (tmp_path / "sc" / "pop.csv").write_bytes(shared.read_bytes())
    _scenario(tmp_path / "sc", "pop.csv")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(app, ["run", "sc/s.toml", "-o", "out", "-q", "-f", "csv"])
    assert run.exit_code == 0, run.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert all(not Path(i["path"]).is_absolute() for i in manifest["inputs"]), manifest["inputs"]
    assert CliRunner().invoke(app, ["verify", "out", "--data-dir", "sc"]).exit_code == 0
    res = CliRunner().invoke(app, ["verify", "out"])
    assert res.exit_code == 5 and "outside the trusted folders (the folder being verified" in res.output
    manifest["inputs"].append({"role": "gdp", "path": "/dev/zero", "sha256": "0" * 64})
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(manifest))
    start = time.monotonic()
    res = CliRunner().invoke(app, ["verify", "out", "--data-dir", "sc"])
    assert time.monotonic() - start < 30
    assert "/dev/zero" not in res.output and "manifest.json: not in the manifest" not in res.output
