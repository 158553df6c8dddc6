"""solidarity.outputs.output: outputs all or none, owned, audited; kill tests."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    from solidarity.errors import OutputError
    from solidarity.outputs import output
except Exception:  # pragma: no cover - the rest of the package is broken mid-rewrite
    # output.py needs only errors.py: load the two without the package's __init__.
    import types

    sys.modules.pop("solidarity", None)
    _pkg = types.ModuleType("solidarity")
    _pkg.__path__ = [str(Path(__file__).resolve().parent.parent / "solidarity")]
    sys.modules["solidarity"] = _pkg
    from solidarity.errors import OutputError
    from solidarity.outputs import output
    del sys.modules["solidarity"]  # let a later import try the real package again

from tests._writer_child import IDENTITY, make_files

CHILD = Path(__file__).resolve().parent / "_writer_child.py"
GEOS = ["AT", "BE", "BG", "CY", "CZ", "DK", "DE", "EE", "ES", "FI"]  # row 7 is DE, as in the docs


def shares_csv(change: tuple[int, str] | None = None) -> bytes:
    """A small shares table; ``change`` = (row, column) adds 1 to one digit."""
    rows = [{"geo": g, "population": str(1000 + 7 * i), "obligation_eur": str(250000 + 1000 * i)}
            for i, g in enumerate(GEOS)]
    if change:
        row, col = change
        value = rows[row - 1][col]
        rows[row - 1][col] = value[:-2] + str((int(value[-2]) + 1) % 10) + value[-1]
    lines = ["geo,population,obligation_eur"] + [",".join(r.values()) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def run_files(tag: str = "a") -> dict[str, bytes]:
    return {"shares.csv": shares_csv(), "pool.json": f'{{"run": "{tag}"}}\n'.encode(),
            "summary.md": f"# {tag}\n".encode()}


def snapshot(folder: Path) -> dict:
    """Everything observable under ``folder`` and beside it: names, bytes,
    modes and modification times."""
    out = {"beside": sorted(os.listdir(folder.parent))}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root, name)
            st = p.lstat()
            out[str(p.relative_to(folder))] = (st.st_mode, st.st_mtime_ns,
                                               None if p.is_dir() else p.read_bytes())
    st = folder.lstat()
    out["."] = (st.st_mode, st.st_mtime_ns)
    return out


def leftovers(parent: Path) -> list[str]:
    return [n for n in os.listdir(parent) if ".solidarity-" in n]


@pytest.fixture
def out(tmp_path) -> Path:
    """An output folder already holding a complete run of identity "run"."""
    folder = tmp_path / "out"
    output.write_outputs(run_files("a"), folder, identity="run")
    return folder


# ---------------------------------------------------------------- writing


def test_writes_files_and_manifest(tmp_path):
    report = output.write_outputs(run_files(), tmp_path / "new" / "out", identity="run")
    folder = tmp_path / "new" / "out"
    assert report.outdir == folder and not report.replaced
    assert report.files == ("manifest.json", "pool.json", "shares.csv", "summary.md")
    assert all(p.is_file() for p in report.paths)
    assert (folder / "shares.csv").read_bytes() == shares_csv()
    assert json.loads((folder / "manifest.json").read_bytes())["identity"] == "run"
    assert output.check_manifest(folder) == []
    assert leftovers(tmp_path / "new") == []


def test_subfolders(tmp_path):
    files = {"2026/shares.csv": shares_csv(), "2027/shares.csv": shares_csv((3, "population")),
             "2027/deep/x.bin": b"\0\1", "summary.md": b"# two years\n"}
    output.write_outputs(files, tmp_path / "out", identity="multi")
    for rel, blob in files.items():
        assert (tmp_path / "out" / rel).read_bytes() == blob
    assert output.check_manifest(tmp_path / "out") == []


@pytest.mark.parametrize("name", ["/abs.csv", "../up.csv", "a//b.csv", "a/./b", "", "manifest.json"])
def test_bad_names_rejected(tmp_path, name):
    with pytest.raises(ValueError):
        output.write_outputs({name: b"x"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_file_and_folder_clash_rejected(tmp_path):
    with pytest.raises(ValueError, match="both a file and a folder"):
        output.write_outputs({"2026": b"x", "2026/a.csv": b"y"}, tmp_path / "out")


def test_exception_midway_leaves_folder_unchanged(out, monkeypatch):
    before = snapshot(out)
    calls = []

    def failing_write(fd, data):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("bug while writing")
        return os.write(fd, data)

    monkeypatch.setattr(output, "_os_write", failing_write)
    with pytest.raises(RuntimeError):
        output.write_outputs(run_files("b"), out, identity="run")
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_failure_during_swap_puts_old_folder_back(out, monkeypatch):
    before = snapshot(out)
    rename = os.rename

    def failing_rename(src, dst):
        if ".solidarity-tmp-" in str(src):  # the new folder into place: after the old one went aside
            raise OSError(errno.EIO, "Input/output error")
        return rename(src, dst)

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(OutputError, match="input/output error"):
        output.write_outputs(run_files("b"), out, identity="run")
    monkeypatch.undo()
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_modes_follow_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        output.write_outputs({"2026/shares.csv": shares_csv(), "a.md": b"x"}, tmp_path / "out")
    finally:
        os.umask(previous)
    folder = tmp_path / "out"
    for path in [folder, folder / "2026"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask
    for path in [folder / "2026" / "shares.csv", folder / "a.md", folder / "manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


# ---------------------------------------------------------------- ownership


def test_same_identity_replaces_and_removes_stale_files(tmp_path):
    folder = tmp_path / "out"
    output.write_outputs({**run_files(), "crisis.csv": b"geo\nDE\n"}, folder, identity="run")
    before = snapshot(folder)
    with pytest.raises(OutputError, match=r"writing here would remove 1 files of the earlier output that this "
                                          r"run does not write: crisis.csv \(use --force to remove them"):
        output.write_outputs(run_files("b"), folder, identity="run")  # a file asked for earlier: not unasked
    assert snapshot(folder) == before
    report = output.write_outputs(run_files("b"), folder, identity="run", force=True)
    assert report.replaced and report.removed == ("crisis.csv",)
    assert sorted(os.listdir(folder)) == ["manifest.json", "pool.json", "shares.csv", "summary.md"]
    assert (folder / "summary.md").read_bytes() == b"# b\n"
    assert leftovers(tmp_path) == []


def test_other_identity_refused_without_force(out):
    before = snapshot(out)
    with pytest.raises(OutputError, match="another run") as err:
        output.write_outputs(run_files("b"), out, identity="other")
    assert err.value.exit_code == 7 and "--force" in str(err.value)
    assert snapshot(out) == before


def test_other_identity_replaced_with_force(out):
    (out / "extra.txt").write_text("earlier run's")
    output.write_outputs({"only.csv": b"a\n1\n"}, out, identity="other", force=True)
    assert sorted(os.listdir(out)) == ["manifest.json", "only.csv"]
    assert json.loads((out / "manifest.json").read_bytes())["identity"] == "other"


@pytest.mark.parametrize("force", [False, True])
def test_foreign_folder_refused_even_with_force(tmp_path, force):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    (home / "manifest.json").write_text('{"name": "some web app"}')  # not ours
    before = snapshot(home)
    with pytest.raises(OutputError, match="no solidarity outputs") as err:
        output.write_outputs(run_files(), home, identity="run", force=force)
    assert "new or empty folder" in str(err.value)
    assert snapshot(home) == before


def test_empty_folder_is_used(tmp_path):
    (tmp_path / "out").mkdir()
    report = output.write_outputs(run_files(), tmp_path / "out")
    assert not report.replaced and (tmp_path / "out" / "shares.csv").is_file()


def test_file_path_refused(tmp_path):
    path = tmp_path / "out"
    path.write_text("a file")
    with pytest.raises(OutputError, match="is a file"):
        output.write_outputs(run_files(), path, force=True)
    assert path.read_text() == "a file"


def test_symlinked_folder_replaced_where_it_points(tmp_path, out):
    link = tmp_path / "link"
    link.symlink_to(out)
    output.write_outputs(run_files("b"), link, identity="run")
    assert link.is_symlink() and (out / "summary.md").read_bytes() == b"# b\n"


def test_identity_must_agree_with_manifest(tmp_path):
    manifest = output.build_manifest(run_files(), identity="x", versions={})
    with pytest.raises(ValueError):
        output.write_outputs(run_files(), tmp_path / "out", identity="y", manifest=manifest)
    with pytest.raises(ValueError):
        output.write_outputs({"other.csv": b"a\n"}, tmp_path / "out", manifest=manifest)


# ---------------------------------------------------------------- OS errors


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "the disk is full"),
                                         (errno.EDQUOT, "quota"),
                                         (errno.EROFS, "read-only"),
                                         (errno.EIO, "input/output error")])
def test_write_errors_named(out, monkeypatch, code, words):
    before = snapshot(out)

    def full(fd, data):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(output, "_os_write", full)
    with pytest.raises(OutputError) as err:
        output.write_outputs(run_files("b"), out, identity="run")
    assert words in err.value.reason and str(out) in err.value.path
    assert err.value.exit_code == 7
    assert snapshot(out) == before
    assert leftovers(out.parent) == []


def test_disk_full_midway_in_a_large_file(out, monkeypatch):
    before = snapshot(out)
    written = []
    monkeypatch.setattr(output, "_CHUNK", 1000)

    def filling(fd, data):
        if sum(written) > 5000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(os.write(fd, data))
        return written[-1]

    monkeypatch.setattr(output, "_os_write", filling)
    with pytest.raises(OutputError, match="disk is full") as err:
        output.write_outputs({**run_files("a"), "big.bin": bytes(20000)}, out, identity="run")
    assert err.value.path == str(out / "big.bin")
    assert snapshot(out) == before and leftovers(out.parent) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_parent(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            output.write_outputs(run_files(), parent / "out")
        assert os.listdir(parent) == []
    finally:
        parent.chmod(0o755)


@pytest.mark.parametrize("code, words", [(errno.EACCES, "permission denied"), (errno.EPERM, "not permitted"),
                                         (errno.EROFS, "read-only")])
def test_permission_denied_simulated(out, monkeypatch, code, words):
    """What a read-only parent gives a non-root user, also when run as root."""
    before = snapshot(out)
    mkdir = os.mkdir

    def denied(path, mode=0o777, **kwargs):
        if ".solidarity-tmp-" in str(path):
            raise PermissionError(code, os.strerror(code), str(path))
        return mkdir(path, mode, **kwargs)

    monkeypatch.setattr(os, "mkdir", denied)
    with pytest.raises(OutputError, match=words) as err:
        output.write_outputs(run_files("b"), out, identity="run")
    assert err.value.path == str(out)
    monkeypatch.undo()
    assert snapshot(out) == before and leftovers(out.parent) == []


def test_name_too_long(tmp_path):
    with pytest.raises(OutputError, match="too long"):
        output.write_outputs(run_files(), tmp_path / ("x" * 240))
    with pytest.raises(OutputError, match="name is too long"):
        output.write_outputs({"y" * 300 + ".csv": b"a\n"}, tmp_path / "out")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- signals in process


def test_sigterm_while_writing_restores_and_redelivers(out, monkeypatch):
    before = snapshot(out)
    received = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    try:
        calls = []

        def write_then_signal(fd, data):
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGTERM)
            return os.write(fd, data)

        monkeypatch.setattr(output, "_os_write", write_then_signal)
        with pytest.raises(OutputError, match="interrupted by SIGTERM"):
            output.write_outputs(run_files("b"), out, identity="run")
        assert received == [signal.SIGTERM]  # the earlier handler got it, once
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert snapshot(out) == before and leftovers(out.parent) == []
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_sigint_while_writing_raises_keyboard_interrupt(out, monkeypatch):
    before = snapshot(out)

    def write_then_sigint(fd, data):
        os.kill(os.getpid(), signal.SIGINT)
        return os.write(fd, data)

    monkeypatch.setattr(output, "_os_write", write_then_sigint)
    with pytest.raises(KeyboardInterrupt):
        output.write_outputs(run_files("b"), out, identity="run")
    assert snapshot(out) == before and leftovers(out.parent) == []


def test_write_from_another_thread(tmp_path):
    """No handlers can be set there; the write works, guarded by the janitor."""
    import threading

    errors = []
    thread = threading.Thread(target=lambda: _catch(errors, output.write_outputs, run_files(), tmp_path / "out"))
    thread.start()
    thread.join()
    assert errors == [] and output.check_manifest(tmp_path / "out") == []


def _catch(errors: list, fn, *args) -> None:
    try:
        fn(*args)
    except BaseException as e:  # pragma: no cover - reported by the test
        errors.append(e)


def test_handlers_restored_after_success(tmp_path):
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    output.write_outputs(run_files(), tmp_path / "out")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ---------------------------------------------------------------- recovery and lock


def test_recovery_pass_repairs_a_half_swap(tmp_path, out):
    """A writer killed between its two renames: the earlier folder is aside,
    the new one still temporary. The next write into the parent repairs it."""
    content = snapshot(out)
    aside = tmp_path / ".out.solidarity-old-0123456789abcdef"
    os.rename(out, aside)
    (tmp_path / ".out.solidarity-tmp-0123456789abcdef").mkdir()
    (tmp_path / ".out.solidarity-tmp-0123456789abcdef" / "half.csv").write_text("geo\n")
    stale = tmp_path / ".other.solidarity-tmp-fedcba9876543210"  # another writer's, also dead
    stale.mkdir()
    output.write_outputs(run_files(), tmp_path / "elsewhere")
    assert sorted(os.listdir(tmp_path)) == ["elsewhere", "out"]
    assert {k: v for k, v in snapshot(out).items() if k != "beside"} == \
        {k: v for k, v in content.items() if k != "beside"}
    assert output.check_manifest(out) == []


def test_recovery_pass_finishes_a_committed_swap(tmp_path, out):
    """Killed after both renames: the new folder is in place, the old aside."""
    aside = tmp_path / ".out.solidarity-old-0123456789abcdef"
    aside.mkdir()
    (aside / "old.csv").write_text("geo\n")
    output.write_outputs(run_files(), tmp_path / "elsewhere")
    assert sorted(os.listdir(tmp_path)) == ["elsewhere", "out"]
    assert output.check_manifest(out) == []


def test_lock_held_by_a_live_writer_is_respected(tmp_path, out, monkeypatch):
    import fcntl

    busy = tmp_path / ".out.solidarity-tmp-0123456789abcdef"
    busy.mkdir()
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a writer in progress holds it
    monkeypatch.setattr(output, "_LOCK_TIMEOUT", 0.2)
    try:
        with pytest.raises(OutputError, match="another solidarity run"):
            output.write_outputs(run_files(), tmp_path / "elsewhere")
        assert busy.is_dir()  # its temporary is not taken for a leftover
    finally:
        os.close(fd)


# ---------------------------------------------------------------- manifest


def test_manifest_is_deterministic_and_complete(tmp_path):
    src = tmp_path / "population.csv"
    src.write_text("geo,value\nDE,1\n")
    kwargs = dict(identity="2026-adopted", scenario_digest="ab" * 32, command=["solidarity", "run", "x.toml"],
                  inputs=[{"role": "population", "path": str(src)}])
    first = output.manifest_bytes(output.build_manifest(run_files(), **kwargs))
    time.sleep(0.01)
    assert output.manifest_bytes(output.build_manifest(run_files(), **kwargs)) == first
    manifest = json.loads(first)
    assert manifest["inputs"][0]["sha256"] == output.sha256_file(src)
    assert set(manifest["versions"]) == {"python", "solidarity", "numpy", "scipy", "pandas", "pyarrow",
                                         "pulp", "highspy"}
    table = manifest["outputs"]["shares.csv"]["table"]
    assert table["rows"] == 10 and table["rows_per_digest"] == 1
    assert [c["name"] for c in table["columns"]] == ["geo", "population", "obligation_eur"]
    assert all(len(c["cells"]) == 8 * 10 for c in table["columns"])
    assert "table" not in manifest["outputs"]["pool.json"]
    assert manifest["outputs"]["pool.json"]["size"] == len(run_files()["pool.json"])


def test_runtime_versions_imports_nothing():
    code = ("import sys, types; p = types.ModuleType('solidarity'); p.__path__ = [sys.argv[1]]; "
            "sys.modules['solidarity'] = p; from solidarity.outputs import output; v = output.runtime_versions(); "
            "assert v['python'] == '.'.join(map(str, sys.version_info[:3])), v; "
            "bad = [m for m in ('pulp', 'scipy', 'numpy', 'pandas', 'highspy') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code, str(Path(output.__file__).parent.parent)], check=True)


def test_check_manifest_locates_a_changed_digit(out):
    assert output.check_manifest(out) == []
    (out / "shares.csv").write_bytes(shares_csv((7, "obligation_eur")))
    assert output.check_manifest(out) == [output.Mismatch(
        "shares.csv", 7, "obligation_eur", "shares.csv: row 7 (geo=DE), column obligation_eur changed")]


def test_check_manifest_several_changes(out):
    text = shares_csv((2, "population")).decode().replace("DK,", "DX,")
    (out / "shares.csv").write_text(text + "ZZ,1,2\n")
    (out / "summary.md").unlink()
    (out / "pool.json").write_text("{}")
    (out / "stray.tmp").write_text("")
    found = {str(m) for m in output.check_manifest(out)}
    assert found == {"shares.csv: 10 rows recorded, 11 found",
                     "shares.csv: row 2 (geo=BE), column population changed",
                     "shares.csv: row 6 (geo=DX), column geo changed",
                     "summary.md: missing", "pool.json: changed", "stray.tmp: not in the manifest"}


def test_check_manifest_formatting_only_and_columns(out):
    (out / "shares.csv").write_bytes(shares_csv().replace(b"\n", b"\r\n"))
    assert [str(m) for m in output.check_manifest(out)] == \
        ["shares.csv: changed, but every value is the same (formatting only)"]
    (out / "shares.csv").write_bytes(shares_csv().replace(b"population", b"people"))
    assert {str(m) for m in output.check_manifest(out)} == \
        {"shares.csv: column population missing", "shares.csv: column people added"}


def test_check_manifest_changed_and_missing_input(tmp_path):
    src = tmp_path / "gdp.csv"
    src.write_text("geo,value\nDE,4000000\n")
    gone = tmp_path / "population.csv"
    gone.write_text("geo,value\n")
    manifest = output.build_manifest(run_files(), identity="run", versions={}, inputs=[
        {"role": "gdp", "path": str(src)}, {"role": "population", "path": str(gone)}])
    output.write_outputs(run_files(), tmp_path / "out", manifest=manifest)
    assert output.check_manifest(tmp_path / "out", [tmp_path]) == []
    src.write_text("geo,value\nDE,4000001\n")
    gone.unlink()
    assert [str(m) for m in output.check_manifest(tmp_path / "out", [tmp_path])] == [
        f"input {src} (gdp): changed since the run", f"input {gone} (population): missing"]
    # inputs outside the folder and the trusted folders are not read at all
    assert output.check_manifest(tmp_path / "out") == []


def _forged(tmp_path, inputs=None, outputs=None):
    out = tmp_path / "out"
    output.write_outputs(run_files(), out, identity="run")
    manifest = json.loads((out / "manifest.json").read_text())
    if inputs is not None:
        manifest["inputs"] = inputs
    if outputs is not None:
        manifest["outputs"] = outputs
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def test_check_manifest_reads_nothing_outside_the_folder(tmp_path):
    """A received manifest naming /dev/zero, a FIFO or a climb out is not read (and ends at once)."""
    import os
    os.mkfifo(tmp_path / "fifo")
    out = _forged(tmp_path, inputs=[{"role": "gdp", "path": p, "sha256": "0" * 64}
                                    for p in ("/dev/zero", "../fifo", "../../../../../../etc/shadow")])
    assert output.check_manifest(out) == []


def test_check_manifest_an_output_leading_out_is_not_read(tmp_path):
    out = _forged(tmp_path)
    (out / "shares.csv").unlink()
    (out / "shares.csv").symlink_to("/dev/zero")
    [m] = output.check_manifest(out)
    assert "shares.csv: outside the trusted folders" in str(m)


@pytest.mark.parametrize("inputs, outputs", [
    ("not a list", None), ([["gdp", "x"]], None), ([{"role": "gdp"}], None),
    (None, []), (None, {"a.csv": "abc"}), (None, {"a.csv": {"sha256": "x"}}),
    (None, {"a.csv": {"sha256": "x", "size": "3"}}),
    (None, {"a.csv": {"sha256": "x", "size": 3, "table": {"rows": 1}}})])
def test_check_manifest_of_the_wrong_shape(tmp_path, inputs, outputs):
    [m] = output.check_manifest(_forged(tmp_path, inputs, outputs))
    assert "manifest.json: not a solidarity manifest: '" in str(m)


def test_unreadable_csv_gets_a_file_hash_only(tmp_path):
    manifest = output.build_manifest({"latin.csv": "geo\nK\xf6ln\n".encode("latin-1")}, versions={})
    assert "table" not in manifest["outputs"]["latin.csv"]


def test_check_manifest_without_manifest(tmp_path):
    (tmp_path / "x").mkdir()
    [m] = output.check_manifest(tmp_path / "x")
    assert m.file == "manifest.json" and "cannot be read" in m.message


def test_large_table_digests_are_bounded(tmp_path):
    rows = 100_000
    body = "".join(f"R{i},{i},{i * 3}\n" for i in range(rows))
    blob = f"id,a,b\n{body}".encode()
    manifest = output.build_manifest({"big.csv": blob}, versions={})
    table = manifest["outputs"]["big.csv"]["table"]
    step = table["rows_per_digest"]
    assert step > 1 and sum(len(c["cells"]) for c in table["columns"]) <= 8 * output.CELL_DIGESTS
    output.write_outputs({"big.csv": blob}, tmp_path / "out", manifest=manifest)
    (tmp_path / "out" / "big.csv").write_bytes(blob.replace(b"R54321,54321,", b"R54321,54322,"))
    [m] = output.check_manifest(tmp_path / "out")
    assert m.column == "a" and m.row <= 54322 < m.row + step
    assert m.message == f"big.csv: rows {m.row}-{m.row + step - 1}, column a changed"


# ---------------------------------------------------------------- kill tests


def _start_child(outdir: Path, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(CHILD), str(outdir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline() == "ready\n"
    return proc


def _assert_intact(parent: Path) -> None:
    """No temporary beside the folder, and the folder is one complete run."""
    assert os.listdir(parent) == ["out"]
    assert output.check_manifest(parent / "out") == []
    assert json.loads((parent / "out" / "manifest.json").read_bytes())["identity"] == IDENTITY


def _wait_for_janitor(parent: Path) -> None:
    deadline = time.monotonic() + 10
    while leftovers(parent) and time.monotonic() < deadline:
        time.sleep(0.01)


def _first_run(parent: Path) -> None:
    output.write_outputs(make_files(0), parent / "out", identity=IDENTITY)


def _trial(parent: Path, how: signal.Signals, rng: random.Random, janitor: bool = True) -> bool:
    """Kill a writer replacing a complete output at a random moment; check the
    folder is one complete run and nothing else remains. Returns whether a
    SIGKILL without janitor left something for the recovery pass."""
    _first_run(parent)
    proc = _start_child(parent / "out", *([] if janitor else ["--no-janitor"]))
    time.sleep(rng.uniform(0.0, 0.25))  # a write takes about 50 ms: any phase of one
    proc.send_signal(how)
    # SIGINT and SIGTERM: the writer dies by its own signal once its temporary
    # is gone, as it would without our handlers.
    with proc:
        assert proc.wait(timeout=30) == -how
    left = False
    if how == signal.SIGKILL and janitor:
        _wait_for_janitor(parent)
    elif how == signal.SIGKILL:
        left = bool(leftovers(parent))
        output.write_outputs(run_files(), parent / "probe")  # a recovery write beside it
        assert leftovers(parent) == []
        shutil.rmtree(parent / "probe")
    _assert_intact(parent)
    return left


def test_sigterm_and_sigint_at_random_moments(tmp_path):
    rng = random.Random(2026)
    for i, how in enumerate([signal.SIGTERM] * 20 + [signal.SIGINT] * 10):
        _trial(tmp_path / f"trial{i}", how, rng)


def test_sigkill_at_random_moments_janitor(tmp_path):
    rng = random.Random(2027)
    for i in range(20):
        _trial(tmp_path / f"trial{i}", signal.SIGKILL, rng)


def test_sigkill_at_random_moments_recovery_pass(tmp_path):
    rng = random.Random(2028)
    repaired = sum(_trial(tmp_path / f"trial{i}", signal.SIGKILL, rng, janitor=False) for i in range(20))
    assert repaired > 0  # some kills did land mid-write and leave something to repair


@pytest.mark.parametrize("where", ["aside", "commit"])
@pytest.mark.parametrize("janitor", [True, False])
def test_sigkill_between_and_after_the_renames(tmp_path, where, janitor):
    """SIGKILL exactly when the earlier folder is aside (the output folder is
    missing for that instant) or just after the new one took its place."""
    _first_run(tmp_path)
    before = (tmp_path / "out" / "manifest.json").read_bytes()
    proc = _start_child(tmp_path / "out", "--pause", where, *([] if janitor else ["--no-janitor"]))
    with proc:
        assert proc.stdout.readline() == "paused\n"
        proc.kill()
        proc.wait(timeout=30)
    if janitor:
        _wait_for_janitor(tmp_path)
    else:
        assert leftovers(tmp_path)
        output.write_outputs(run_files(), tmp_path / "probe")  # a recovery write beside it
        shutil.rmtree(tmp_path / "probe")
    _assert_intact(tmp_path)
    after = (tmp_path / "out" / "manifest.json").read_bytes()
    assert (after == before) == (where == "aside")  # put back, or the new run kept
