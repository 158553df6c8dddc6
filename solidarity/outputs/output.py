"""Write a run's outputs all together or not at all, and audit them later.

:func:`write_outputs` writes every file of a run into a hidden temporary
folder beside the output folder, flushes it to disk, and only then swaps it in
with two renames (the earlier folder aside, the new one into place), so the
output folder always holds one complete run, never a mix of two.
:func:`build_manifest` describes a run in ``manifest.json`` (inputs, outputs,
per-column and per-cell digests of every CSV table, versions, command line);
:func:`check_manifest` re-hashes everything and says which file, row and
column changed.

Ownership: the output folder is replaced as a whole. It may be replaced when
it is missing, empty, or holds an earlier output of the same ``identity``
(read from its ``manifest.json``) whose files the new output all writes again;
another identity, or an output that would lose files (a workbook asked for
earlier, a signature), needs ``force=True``; a non-empty folder without a
solidarity ``manifest.json`` is never replaced.

Guarantees, by what stops the write
-----------------------------------
Any exception (a full disk, a denied permission, a bug)
    The temporary is removed and the output folder is exactly as it was
    before :func:`write_outputs` raises.
SIGINT, SIGTERM, SIGHUP
    While writing, these are recorded, not acted on at once; the write stops
    at the next safe point (between files and between 8 MiB chunks), removes
    its temporary, restores the previous handlers and re-sends the signal to
    them: by default the process then ends by that signal (exit status 130,
    143, 129 in a shell) and ``SIGINT`` raises :class:`KeyboardInterrupt`. A
    signal arriving after the swap leaves the new, complete output in place.
    Ignored signals stay ignored. Python sets handlers only from the main
    thread: a write from another thread dies at once, as in the next case.
SIGKILL, and any other sudden death (SIGQUIT, SIGSEGV, out-of-memory killer)
    A janitor, a tiny separate process started for each write, waits on a
    pipe from the writer. When the pipe closes without "done", it takes the
    lock (free once the writer is dead), removes the temporary, and either
    puts the earlier folder back (death between the two renames) or deletes
    it (death after them). Within some 50 ms the folder holds either the
    earlier output or the new complete one.
The janitor killed too (``kill -9`` of both), power loss
    Leftovers stay beside the folder under hidden names, and if the death
    fell between the two renames (a few microseconds) the folder itself is
    missing for the moment. The next :func:`write_outputs` into the same
    parent folder repairs all of this first (see below). Files and folders
    are fsynced before the swap, so after a power loss the folder is the
    earlier output or the new one, both complete.

Writers into one parent folder hold an exclusive ``flock`` on it for the
whole write, so a recovery pass that gets the lock knows every leftover
belongs to a dead writer: no guess from process ids, which are reused. The
parent's missing folders are created and stay. A shell whose current folder
is the output folder is left in the replaced, deleted one: ``cd`` again.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import platform
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, cast

from ..errors import OutputError, output_error

MANIFEST = "manifest.json"
#: Ed25519 signature of manifest.json's bytes, written with it when a run is signed (see solidarity.outputs.signing).
SIGNATURE = "manifest.json.sig"
MANIFEST_FORMAT = "solidarity-manifest/1"
_MANIFEST_LIMIT = 256 * 1024 ** 2  #: a manifest read back is at most this large

#: Most cell digests kept per CSV table. A table of at most this many cells
#: (rows x columns) gets one 8-hex digest per cell, so a change is located to
#: its row and column; a larger one gets one per block of rows and column, so
#: a 10-million-row table adds at most 128 KiB to the manifest.
CELL_DIGESTS = 16384

#: Changed cells reported per file before the rest are only counted.
MAX_REPORTED = 50

_CHUNK = 8 << 20         # bytes per write call: a signal is noticed between them
_LOCK_TIMEOUT = 60.0     # seconds to wait for another writer into the same parent
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_USE_JANITOR = True      # False only in tests of the recovery pass
_os_write = os.write     # the low-level write; tests replace it to fill the disk
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.solidarity-(?P<kind>tmp|old)-(?P<token>[0-9a-f]{16})")
_SUFFIX_LEN = len(".solidarity-old-") + 16 + 1   # added to the folder name, with the leading dot

# The janitor runs with -I -S (no site, no package import: it starts in about
# 15 ms). Its repair is _settle's, restated: keep the two in step.
_JANITOR = r"""
import fcntl, os, shutil, sys
parent, tmp, old, target = sys.argv[1:5]
if sys.stdin.buffer.read() != b"done":
    try:
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # free once the writer is gone
    except OSError:
        pass
    try:
        if os.path.isdir(old) and not os.path.islink(old):
            if os.path.lexists(target):
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(old, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
"""



@dataclass(frozen=True)
class WriteReport:
    """What :func:`write_outputs` did.

    Attributes
    ----------
    outdir : Path
        The output folder, symbolic links resolved.
    files : tuple of str
        Relative POSIX paths written, sorted, ``manifest.json`` included.
    replaced : bool
        Whether a folder holding an earlier output was replaced.
    removed : tuple of str
        Files of the earlier output that the new one does not have (such as a
        table no longer produced): they are gone.
    """

    outdir: Path
    files: tuple[str, ...]
    replaced: bool = False
    removed: tuple[str, ...] = ()

    @property
    def paths(self) -> list[Path]:
        """Absolute paths of the files written."""
        return [self.outdir.joinpath(*f.split("/")) for f in self.files]


@dataclass(frozen=True)
class Mismatch:
    """One difference between an output folder and its manifest.

    Attributes
    ----------
    file : str
        Output path relative to the folder, or an input's recorded path.
    row : int or None
        Data row, counted from 1 after the header (first of a block of rows
        for a large table); None when the difference is not in one row.
    column : str or None
        CSV column, when known.
    message : str
        The difference in words, e.g. ``shares.csv: row 7 (geo=DE), column
        obligation_eur changed``.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return self.message


class _Interrupted(BaseException):
    """A termination signal arrived while writing: abandon the write."""


class _SignalGuard:
    """Record SIGINT, SIGTERM and SIGHUP instead of dying at once, so that the
    write can stop at a safe point and remove its temporary.

    Handlers are set only from the main thread (Python allows no other) and
    not for ignored signals, which stay ignored.
    """

    def __init__(self) -> None:
        self.pending: int | None = None
        self.previous: dict[int, Callable[[int, FrameType | None], Any] | int] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in _SIGNALS:
            old = signal.getsignal(sig)
            if old is signal.SIG_IGN or old is None:  # None: set outside Python, cannot be restored
                continue
            self.previous[sig] = old
            signal.signal(sig, self._record)

    def _record(self, signum: int, frame: object) -> None:
        if self.pending is None:
            self.pending = signum

    def check(self) -> None:
        """Abandon the write if a signal arrived."""
        if self.pending is not None:
            raise _Interrupted(self.pending)

    def restore(self) -> None:
        """Put the previous handlers back and give them the recorded signal."""
        for sig, old in self.previous.items():
            signal.signal(sig, old)
        if self.pending is not None:
            signal.raise_signal(self.pending)


class _Janitor:
    """A separate process that repairs what a writer killed outright leaves.

    It is given the temporary and aside names and waits for the writer to
    close a pipe; without "done" on it, it repairs. If it cannot be started,
    the next write's recovery pass does its job.
    """

    def __init__(self, parent: Path, tmp: Path, old: Path, target: Path) -> None:
        self.proc: subprocess.Popen | None = None
        if not _USE_JANITOR or not sys.executable:
            return
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _JANITOR, str(parent), str(tmp), str(old), str(target)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/",
                # its own session: the Ctrl-C or hangup that stops the writer must not stop it
                close_fds=True, start_new_session=True)
        except OSError:
            pass

    def dismiss(self, clean: bool) -> None:
        """Release the janitor; unless ``clean``, it repairs first."""
        if self.proc is None:
            return
        try:
            assert self.proc.stdin is not None  # opened with stdin=PIPE
            if clean:
                self.proc.stdin.write(b"done")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - it ends on its own
            pass


def write_outputs(files: Mapping[str, bytes], outdir: str | os.PathLike, *, force: bool = False,
                  identity: str = "", manifest: dict | None = None,
                  sign: Callable[[bytes], bytes] | None = None) -> WriteReport:
    """Write all files of a run into ``outdir``, replacing it as a whole.

    Parameters
    ----------
    files : mapping of str to bytes
        Relative POSIX path (subfolders allowed, e.g. ``2026/shares.csv``)
        to content. ``manifest.json`` is reserved.
    outdir : path
        The output folder; it and its missing parents are created.
    force : bool
        Replace a folder holding the outputs of a run of another identity.
    identity : str
        What this run is an output of; a folder holding an output of the
        same identity is replaced without ``force``.
    manifest : dict, optional
        From :func:`build_manifest` over the same ``files``; written as
        ``manifest.json``. By default a manifest without inputs is built.
    sign : callable, optional
        Given the manifest's bytes, returns the contents of
        ``manifest.json.sig`` (:func:`solidarity.outputs.signing.sign`); written in
        the same all-or-nothing write.

    Returns
    -------
    WriteReport

    Raises
    ------
    OutputError
        The folder may not be replaced (a file, a foreign non-empty folder,
        another run's output without ``force``), cannot be written (disk
        full, read-only, permission, name too long, ...), or a signal
        interrupted the write. The folder is then as it was.
    ValueError
        A bad file name, or a manifest not describing ``files``.
    """
    _check_names(files)
    if manifest is None:
        manifest = build_manifest(files, identity=identity)
    elif manifest.get("format") != MANIFEST_FORMAT or set(manifest.get("outputs", ())) != set(files):
        raise ValueError("the manifest does not describe the files written (use build_manifest on them)")
    elif identity and manifest.get("identity") != identity:
        raise ValueError(f"identity {identity!r} differs from the manifest's {manifest.get('identity')!r}")
    data = {**files, MANIFEST: manifest_bytes(manifest)}
    if sign is not None:
        data[SIGNATURE] = sign(data[MANIFEST])
    target = Path(os.path.realpath(os.fspath(outdir)))
    if target.parent == target:
        raise OutputError(str(target), "the root folder cannot be replaced", "choose a new or empty folder")
    guard = _SignalGuard()
    report = None
    try:
        report = _write_locked(data, target, force, manifest.get("identity", ""), guard)
    except _Interrupted:
        pass
    finally:
        guard.restore()  # may end the process here, the folder being in order
    if report is None:
        assert guard.pending is not None  # no report: the write was interrupted
        name = signal.Signals(guard.pending).name
        raise OutputError(str(target), f"interrupted by {name}", "nothing was written: the folder is as it was")
    return report


def preflight(outdir: str | os.PathLike, identity: str = "", force: bool = False,
              files: Iterable[str] | None = None) -> None:
    """Raise the :class:`OutputError` that :func:`write_outputs` would raise
    before writing anything (not a folder, another run's outputs without
    ``force``, a folder we cannot create or write in), so that a command
    writing two folders (tables and charts) refuses before writing either.
    Nothing is left behind. ``files``: the names about to be written (with
    ``manifest.json.sig`` when the write is signed)."""
    target = Path(os.path.realpath(os.fspath(outdir)))
    if target.parent == target:
        raise OutputError(str(target), "the root folder cannot be replaced", "choose a new or empty folder")
    _ownership(target, identity, force, keeping=files)
    probe = target.parent
    while not os.path.lexists(probe) and probe.parent != probe:
        probe = probe.parent
    trial = probe / f".{target.name}.solidarity-tmp-{secrets.token_hex(8)}"
    try:
        os.mkdir(trial)  # the same call the write starts with, in the nearest existing folder
        os.rmdir(trial)
    except OSError as e:
        raise output_error(e, target) from e


def _write_locked(data: Mapping[str, bytes], target: Path, force: bool, identity: str,
                  guard: _SignalGuard) -> WriteReport:
    parent = target.parent
    try:
        os.makedirs(parent, exist_ok=True)
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except OSError as e:
        raise output_error(e, target) from e
    if len(os.fsencode(target.name)) + _SUFFIX_LEN > limit:
        raise OutputError(str(target), "the folder name is too long",
                          f"use a name of at most {limit - _SUFFIX_LEN} bytes")
    lock = _lock(parent, guard)
    janitor = None
    token = secrets.token_hex(8)
    tmp = parent / f".{target.name}.solidarity-tmp-{token}"
    old = parent / f".{target.name}.solidarity-old-{token}"
    try:
        if lock is not None:
            _recover(parent)
        previous = _ownership(target, identity, force, keeping=data)
        janitor = _Janitor(parent, tmp, old, target)
        try:
            _write_tree(tmp, target, data, guard)
            guard.check()  # the last moment a signal abandons the write
            _swap(tmp, old, target, aside=bool(previous))
        except BaseException:
            _settle(tmp, old, target)
            raise
        _fsync(parent, directory=True, strict=False)
        _settle(tmp, old, target)  # deletes the earlier folder
    finally:
        if lock is not None:
            os.close(lock)  # before dismissing: a janitor with work to do takes the lock
        if janitor is not None:
            janitor.dismiss(clean=not (os.path.lexists(tmp) or os.path.lexists(old)))
    return WriteReport(target, tuple(sorted(data)), replaced=bool(previous),
                       removed=tuple(sorted(set(previous or ()) - set(data))))


def _check_names(files: Mapping[str, bytes]) -> None:
    for rel in files:
        parts = rel.split("/") if isinstance(rel, str) else [""]
        if any(p in ("", ".", "..") or "\0" in p for p in parts):
            raise ValueError(f"output name {rel!r} is not a relative POSIX path")
    for own in (MANIFEST, SIGNATURE):
        if own in files:
            raise ValueError(f"{own} is written by write_outputs itself")
    folders = {rel.rsplit("/", i)[0] for rel in files for i in range(1, rel.count("/") + 1)}
    clash = folders & set(files)
    if clash:
        raise ValueError(f"output name {min(clash)!r} is both a file and a folder")


def _lock(parent: Path, guard: _SignalGuard) -> int | None:
    """Exclusive lock on the parent folder, or None where there are no locks
    (then there is no recovery pass: the janitor alone cleans up)."""
    try:
        fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    deadline = time.monotonic() + _LOCK_TIMEOUT
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                pass
            if time.monotonic() > deadline:
                raise OutputError(str(parent), "another solidarity run keeps writing into this folder",
                                  "wait for it to finish or choose another folder")
            guard.check()
            time.sleep(0.02)  # polled, not blocking: a signal must still stop us
    except BaseException as e:
        os.close(fd)
        if isinstance(e, OSError):  # no flock here (some network file systems)
            return None
        raise


def _recover(parent: Path) -> None:
    """Repair what writers killed outright left in ``parent``.

    Called with the parent's lock held, so every leftover is stale.
    """
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name, token in sorted({(m["name"], m["token"]) for m in map(_LEFTOVER.fullmatch, names) if m}):
        stem = parent / f".{name}.solidarity-"
        _settle(Path(f"{stem}tmp-{token}"), Path(f"{stem}old-{token}"), parent / name)


def _settle(tmp: Path, old: Path, target: Path) -> None:
    """Leave one complete folder at ``target`` and no temporary: the new one
    if the swap happened, else the earlier one (put back if set aside)."""
    if os.path.isdir(old) and not os.path.islink(old):
        if os.path.lexists(target):
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.rename(old, target)
            except OSError:
                pass  # left for the janitor or the next recovery pass
    shutil.rmtree(tmp, ignore_errors=True)


def _ownership(target: Path, identity: str, force: bool, keeping: Iterable[str] | None = None) -> list[str] | None:
    """Refuse a target we may not replace; else the files it holds (None when
    it does not exist). With ``keeping`` (the files about to be written), an
    earlier output that has files the new one lacks (a workbook written with
    ``-f xlsx``, a signature) is replaced only with ``force``: a user asked
    for those files."""
    try:
        st = os.lstat(target)
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(str(target), "it is a file, not a folder",
                              "give the path of a folder; it is created if missing")
        if not os.listdir(target):
            return []
    except FileNotFoundError:
        return None
    except OSError as e:
        raise output_error(e, target) from e
    recorded = _recorded_identity(target)
    if recorded is None:
        raise OutputError(str(target), f"the folder is not empty and holds no solidarity outputs (no {MANIFEST})",
                          "choose a new or empty folder: the whole folder is replaced")
    held = _walk(target)
    if recorded != identity and not force:
        raise OutputError(str(target), f"the folder holds the outputs of another run ({recorded!r}); its "
                          f"{len(held)} files would be replaced", "use --force to replace them, or choose another "
                          "folder")
    lost = sorted(set(held) - set(keeping) - {MANIFEST}) if keeping is not None else []
    if lost and not force:
        shown = ", ".join(lost[:8]) + (f" and {len(lost) - 8} more" if len(lost) > 8 else "")
        raise OutputError(str(target), f"writing here would remove {len(lost)} files of the earlier output that "
                          f"this run does not write: {shown}", "use --force to remove them, or choose another "
                          "folder")
    return held


def _recorded_identity(folder: Path) -> str | None:
    """The identity in ``folder``'s manifest, None if it has no solidarity
    manifest (any other ``manifest.json`` is not ours to judge)."""
    try:
        found = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or found.get("format") != MANIFEST_FORMAT:
        return None
    return str(found.get("identity", ""))


def _walk(folder: Path) -> list[str]:
    """Relative POSIX paths of everything but folders under ``folder``."""
    out = []
    for root, dirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        out += [(rel / n).as_posix() for n in names]
        out += [(rel / d).as_posix() for d in dirs if os.path.islink(os.path.join(root, d))]
    return sorted(out)


def _write_tree(tmp: Path, target: Path, data: Mapping[str, bytes], guard: _SignalGuard) -> None:
    """Write ``data`` into a new folder ``tmp`` and flush it to disk.

    Folders get mode 0o777 and files 0o666, less the umask, as any new file.
    """
    folders = sorted({tmp.joinpath(*rel.split("/")[:i]) for rel in data for i in range(1, rel.count("/") + 1)})
    try:
        os.mkdir(tmp, 0o777)
        for folder in folders:  # sorted: parents first
            os.mkdir(folder, 0o777)
    except OSError as e:
        raise output_error(e, target) from e
    for rel in sorted(data):
        guard.check()
        path = tmp.joinpath(*rel.split("/"))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
            try:
                _write_all(fd, data[rel], guard)
            finally:
                os.close(fd)
        except OSError as e:
            raise output_error(e, target / rel) from e
    # One flush pass at the end rather than an fsync after each write: 30
    # files of 20 kB took 5-7 ms this way against 9-10 ms (ext4), 300 files
    # 70-95 ms against 80-120 ms; syncfs would be faster still but flushes
    # every other program's data too.
    try:
        for rel in sorted(data):
            guard.check()
            _fsync(tmp.joinpath(*rel.split("/")))
        for folder in [*reversed(folders), tmp]:
            _fsync(folder, directory=True)
    except OSError as e:
        raise output_error(e, target) from e


def _write_all(fd: int, blob: bytes, guard: _SignalGuard) -> None:
    view = memoryview(blob)
    done = 0
    while done < len(view):
        done += _os_write(fd, view[done:done + _CHUNK])
        guard.check()


def _fsync(path: Path, directory: bool = False, strict: bool = True) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | (os.O_DIRECTORY if directory else 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        if strict:
            raise


def _swap(tmp: Path, old: Path, target: Path, aside: bool) -> None:
    """Put ``tmp`` in place of ``target``; the earlier folder, if any, is
    kept at ``old`` until the new one is in place."""
    try:
        if aside:
            os.rename(target, old)
            try:
                os.rename(tmp, target)
            except BaseException:
                os.rename(old, target)
                raise
        else:
            os.rename(tmp, target)  # a missing or empty folder: replaced at once
    except OSError as e:
        raise output_error(e, target) from e


def write_file(path: Path, blob: bytes) -> None:
    """Write one file atomically: a reader sees the old file or the whole new one.

    For single files a user names (an example scenario); a run's folder of
    tables goes through :func:`write_outputs`.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise output_error(exc, path) from exc


# ---------------------------------------------------------------- manifest


def manifest_bytes(manifest: Mapping) -> bytes:
    """``manifest`` as written: sorted keys, so equal manifests give equal bytes."""
    return (json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def runtime_versions() -> dict[str, str]:
    """Versions of Python and of the distributions the results depend on.

    Read from installed metadata: nothing is imported, so asking costs no
    solver start-up.
    """
    from importlib.metadata import PackageNotFoundError, version

    own: str | None
    try:  # the package's own version, even from an editable install with stale metadata
        from .. import __version__ as own
    except ImportError:
        own = None
    out = {"python": platform.python_version()}
    if own:
        out["solidarity"] = own
    for dist in ("numpy", "scipy", "pandas", "pyarrow", "pulp", "highspy") if own else (
            "solidarity", "numpy", "scipy", "pandas", "pyarrow", "pulp", "highspy"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def build_manifest(files: Mapping[str, bytes], *, identity: str = "", scenario_digest: str = "",
                   inputs: Iterable[Mapping[str, str]] = (), command: Sequence[str] = (),
                   versions: Mapping[str, str] | None = None) -> dict:
    """Describe a run's outputs and what they came from.

    Parameters
    ----------
    files : mapping of str to bytes
        The outputs, as given to :func:`write_outputs`.
    identity : str
        What the outputs are of; see :func:`write_outputs`.
    scenario_digest : str
        SHA-256 of the effective scenario.
    inputs : iterable of mappings
        Data files read: ``role``, ``path`` and ``sha256`` (computed from
        ``path`` when absent). Relative paths are checked against the
        current folder of the check.
    command : sequence of str
        The command line.
    versions : mapping, optional
        Defaults to :func:`runtime_versions`.

    Returns
    -------
    dict
        Without time stamps: the same run gives the same manifest. Each
        output has ``sha256`` and ``size``; each CSV also ``table``: ``rows``,
        ``rows_per_digest`` and per column its ``name``, the ``sha256`` of
        its values, and ``cells``, an 8-hex digest of its values in each
        block of ``rows_per_digest`` rows (1 unless the table has more than
        :data:`CELL_DIGESTS` cells).
    """
    outputs = {}
    for rel in sorted(files):
        blob = bytes(files[rel])
        entry: dict = {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
        if rel.endswith(".csv"):
            try:
                entry["table"] = _table_digest(blob)
            except (UnicodeDecodeError, csv.Error):  # not a table we can read: whole-file hash only
                pass
        outputs[rel] = entry
    recorded = []
    for item in inputs:
        digest = item.get("sha256") or sha256_file(item["path"])
        recorded.append({"role": str(item["role"]), "path": str(item["path"]), "sha256": digest})
    return {"format": MANIFEST_FORMAT, "identity": identity, "scenario_sha256": scenario_digest,
            "inputs": sorted(recorded, key=lambda r: (r["role"], r["path"])), "outputs": outputs,
            "versions": dict(runtime_versions() if versions is None else versions),
            "command": [str(c) for c in command]}


def sha256_file(path: str | os.PathLike) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _table_digest(blob: bytes, rows_per_digest: int | None = None, labels: list[str] | None = None) -> dict:
    """Per-column digests of a CSV table (see :func:`build_manifest`).

    Values are joined with the unit separator (0x1F), which CSV tables do
    not contain. ``labels``, if given, receives each row's first value.
    """
    reader = csv.reader(io.StringIO(blob.decode("utf-8"), newline=""))
    header = next(reader, [])
    width = len(header)
    if rows_per_digest is None:
        # Newlines bound the row count (quoted ones only add to it): one cheap
        # pass instead of parsing twice.
        rows_per_digest = max(1, -(-(blob.count(b"\n") * max(width, 1)) // CELL_DIGESTS))
    sums = [hashlib.sha256() for _ in header]
    cells: list[list[str]] = [[] for _ in header]

    def flush(block: list[list[str]]) -> None:
        for j, values in enumerate(zip(*block)):
            chunk = ("\x1f".join(values) + "\x1f").encode("utf-8")
            sums[j].update(chunk)
            cells[j].append(hashlib.sha256(chunk).hexdigest()[:8])

    rows, block = 0, []
    for row in reader:
        if len(row) != width:  # a ragged row: extra fields count as part of the last column
            row = (row + [""] * width)[:width] if len(row) < width else [*row[:width - 1], ",".join(row[width - 1:])]
        rows += 1
        if labels is not None:
            labels.append(row[0] if row else "")
        block.append(row)
        if len(block) == rows_per_digest:
            flush(block)
            block = []
    if block:
        flush(block)
    return {"rows": rows, "rows_per_digest": rows_per_digest,
            "columns": [{"name": name, "sha256": s.hexdigest(), "cells": "".join(c)}
                        for name, s, c in zip(header, sums, cells)]}


def _shape_problem(manifest: object) -> str | None:
    """What is wrong with a manifest's shape (None: it is one of ours)."""
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return "not a solidarity manifest"
    outputs, inputs = manifest.get("outputs", {}), manifest.get("inputs", [])
    if not isinstance(outputs, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("sha256"), str)
            and isinstance(v.get("size"), int) and not isinstance(v.get("size"), bool)
            and (not isinstance(v.get("table"), dict) or _table_shape_ok(v["table"]))
            for k, v in outputs.items()):
        return ("not a solidarity manifest: 'outputs' must map each file name to its sha256 "
                "(text) and size (a whole number)")
    if not isinstance(inputs, list) or not all(
            isinstance(i, dict) and all(isinstance(i.get(k), str) for k in ("role", "path", "sha256"))
            for i in inputs):
        return "not a solidarity manifest: 'inputs' must be a list of {role, path, sha256} texts"
    return None


def _table_shape_ok(table: dict) -> bool:
    cols = table.get("columns")
    return (isinstance(table.get("rows"), int) and isinstance(table.get("rows_per_digest"), int)
            and table["rows_per_digest"] > 0 and isinstance(cols, list)
            and all(isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("name", "sha256", "cells"))
                    for c in cols))


def _input_path(outdir: Path, recorded: str) -> Path:
    """Where a manifest's input lies: bundled data, else relative to the folder
    (an absolute path, from older manifests, stays as it is)."""
    if recorded.startswith("bundled data/"):
        from ..inputs.data import data_dir
        return data_dir() / Path(recorded).name
    return outdir / recorded


def check_manifest(outdir: str | os.PathLike, trusted: Sequence[str | os.PathLike] = ()) -> list[Mismatch]:
    """Re-hash an output folder and the inputs its manifest records.

    Only the folder itself, the bundled data and the ``trusted`` folders (the
    command line's ``--data-dir``) are read: a received manifest naming files
    elsewhere (``/dev/zero``, a climb with ``..``) makes us read none of them.
    Each file read is a regular file of bounded size, opened without blocking.

    Returns
    -------
    list of Mismatch
        Empty when everything matches. Otherwise one per missing, changed or
        unrecorded file, and for a changed CSV one per changed column of a
        changed row (or block of rows), e.g. ``shares.csv: row 7 (geo=DE),
        column obligation_eur changed`` (at most :data:`MAX_REPORTED` per
        file, then a count).
    """
    from ..inputs.trust import read_bounded, refusal

    outdir = Path(outdir)
    try:
        manifest = json.loads(read_bounded(outdir / MANIFEST, _MANIFEST_LIMIT))
    except (OSError, ValueError, RecursionError) as e:
        why = getattr(e, "strerror", None) or e
        return [Mismatch(MANIFEST, None, None, f"{outdir / MANIFEST}: cannot be read ({why})")]
    shape = _shape_problem(manifest)
    if shape:
        return [Mismatch(MANIFEST, None, None, f"{outdir / MANIFEST}: {shape}")]
    found = []
    outputs = manifest.get("outputs", {})
    inside = [outdir.resolve()]
    for rel, entry in sorted(outputs.items()):
        path = outdir.joinpath(*rel.split("/"))
        why = refusal(path, inside)
        if why is not None:
            found.append(Mismatch(rel, None, None, f"{rel}: {why}"))
            continue
        try:
            blob = read_bounded(path)
        except FileNotFoundError:
            found.append(Mismatch(rel, None, None, f"{rel}: missing"))
            continue
        except OSError as e:
            found.append(Mismatch(rel, None, None, f"{rel}: cannot be read ({e.strerror})"))
            continue
        if len(blob) == entry["size"] and hashlib.sha256(blob).hexdigest() == entry["sha256"]:
            continue
        if isinstance(entry.get("table"), dict):
            found += _locate(rel, entry["table"], blob)
        else:
            found.append(Mismatch(rel, None, None, f"{rel}: changed"))
    for rel in _walk(outdir):
        if rel not in outputs and rel not in (MANIFEST, SIGNATURE):
            found.append(Mismatch(rel, None, None, f"{rel}: not in the manifest"))
    from ..inputs.data import data_dir
    readable = [*inside, data_dir().resolve(), *(Path(t).resolve() for t in trusted)]
    for item in manifest.get("inputs", []):
        path, what = _input_path(outdir, item["path"]), f"input {item['path']} ({item['role']})"
        if refusal(path, readable) is not None:
            continue  # outside what verify may read: not checked (name its folder with --data-dir)
        try:
            if hashlib.sha256(read_bounded(path)).hexdigest() != item["sha256"]:
                found.append(Mismatch(item["path"], None, None, f"{what}: changed since the run"))
        except FileNotFoundError:
            found.append(Mismatch(item["path"], None, None, f"{what}: missing"))
        except OSError as e:
            found.append(Mismatch(item["path"], None, None, f"{what}: cannot be read ({e.strerror})"))
    return found


def _locate(rel: str, table: dict, blob: bytes) -> list[Mismatch]:
    """Say which rows and columns of a changed CSV table differ from ``table``."""
    step = table["rows_per_digest"]
    labels: list[str] = []
    try:
        now = _table_digest(blob, step, labels)
    except (UnicodeDecodeError, csv.Error):
        return [Mismatch(rel, None, None, f"{rel}: changed (no longer readable as CSV)")]
    before = {c["name"]: c for c in table["columns"]}
    after = {c["name"]: c for c in now["columns"]}
    found = [Mismatch(rel, None, c, f"{rel}: column {c} missing") for c in before if c not in after]
    found += [Mismatch(rel, None, c, f"{rel}: column {c} added") for c in after if c not in before]
    if now["rows"] != table["rows"]:
        found.append(Mismatch(rel, None, None, f"{rel}: {table['rows']} rows recorded, {now['rows']} found"))
    key = now["columns"][0]["name"] if now["columns"] else ""
    cells = []
    for name, col in before.items():
        if name not in after or after[name]["sha256"] == col["sha256"]:
            continue
        old, new = col["cells"], after[name]["cells"]
        for k in range(min(len(old), len(new)) // 8):
            if old[8 * k:8 * k + 8] == new[8 * k:8 * k + 8]:
                continue
            first = k * step + 1
            if step == 1:
                where = f"row {first} ({key}={labels[first - 1]})"
            else:
                where = f"rows {first}-{min(first + step - 1, now['rows'])}"
            cells.append(Mismatch(rel, first, name, f"{rel}: {where}, column {name} changed"))
    cells.sort(key=lambda m: cast(int, m.row))  # stable: columns stay in table order within a row
    if len(cells) > MAX_REPORTED:
        more = len(cells) - MAX_REPORTED
        cells = [*cells[:MAX_REPORTED], Mismatch(rel, None, None, f"{rel}: {more} more changed cells")]
    found += cells
    if not found:
        found.append(Mismatch(rel, None, None, f"{rel}: changed, but every value is the same (formatting only)"))
    return found
