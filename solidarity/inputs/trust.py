"""Which files an input may make us read: a trust boundary for received files.

Scenario files travel by e-mail and may come from a browser, so a path named
in one is untrusted. A data path may point only inside the scenario's folder,
the current working folder, or a folder the user names with ``--data-dir``
(:func:`allow`); anything else (an absolute path elsewhere, a climb out with
``..``, a symbolic link leading out, a device, a FIFO or a socket) is refused
*before* it is opened, so a refusal never reads a byte of it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

#: Folders named with ``--data-dir`` for the current command.
_EXTRA: list[Path] = []
#: While set (:func:`confined`), the only folders data may come from besides
#: ``_EXTRA``: a received output folder being verified, not its scenario's.
_CONFINED: list[Path] = []

#: The largest file read through the boundary (a data file, a verified output).
MAX_FILE_BYTES = 2 * 1024 ** 3

HOW = "name its folder with --data-dir DIR (repeatable) to allow it"


def allow(dirs: Iterable[str | os.PathLike] | None) -> None:
    """Trust these folders (``--data-dir``) for the rest of the command."""
    _EXTRA[:] = [Path(d).resolve() for d in dirs or ()]


def allowed() -> tuple[Path, ...]:
    """The folders named with ``--data-dir``."""
    return tuple(_EXTRA)


@contextmanager
def confined(folder: str | os.PathLike) -> Iterator[None]:
    """Within: scenarios may name data only in ``folder`` (and ``--data-dir``),
    not in their own folder or the current one (``verify`` on a received folder,
    whose scenario folder is whatever its manifest claims)."""
    before = list(_CONFINED)
    _CONFINED[:] = [Path(folder).resolve()]
    try:
        yield
    finally:
        _CONFINED[:] = before


def roots(base: Path | None, cwd: bool = True) -> list[Path]:
    """Folders a path named in a scenario with folder ``base`` may lie in."""
    if _CONFINED:
        return _CONFINED + _EXTRA
    out = [Path(base).resolve()] if base is not None else []
    if cwd:
        out.append(Path.cwd().resolve())
    return out + list(_EXTRA)


def refusal(path: Path, within: Sequence[Path]) -> str | None:
    """Why ``path`` may not be read (None: it may), from its name and ``stat``
    only: nothing is opened.

    Parameters
    ----------
    path : the path as it will be opened.
    within : the trusted folders.
    """
    try:
        real = path.resolve()  # follows symbolic links: one leading out is out
    except (OSError, RuntimeError, ValueError) as exc:
        return f"cannot be resolved ({getattr(exc, 'strerror', None) or exc})"
    if not any(real == r or real.is_relative_to(r) for r in within):
        where = ("the folder being verified and any --data-dir" if _CONFINED else
                 "the scenario's folder, the current folder and any --data-dir")
        return f"outside the trusted folders ({where}): not read; {HOW}"
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return None  # the caller says "file not found" in its own words
    except (OSError, ValueError) as exc:
        return f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
    if stat.S_ISDIR(st.st_mode):
        return None  # the caller says "is a folder"
    if not stat.S_ISREG(st.st_mode):
        return "a device or special file, not a regular file: not read"
    if st.st_size > MAX_FILE_BYTES:
        return f"{st.st_size} bytes, above the limit of {MAX_FILE_BYTES} bytes for one file: not read"
    return None


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, refusing devices, FIFOs and files above ``limit``
    without blocking (opened non-blocking, checked with ``fstat``)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "a device or special file, not a regular file")
        if st.st_size > limit:
            raise OSError(0, f"{st.st_size} bytes, above the limit of {limit} bytes")
        chunks, left = [], st.st_size + 1  # a file growing while read stops at the limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise OSError(0, f"grew above the limit of {limit} bytes while read")
        return data
    finally:
        os.close(fd)


def relative(path: str | os.PathLike, start: str | os.PathLike) -> str:
    """``path`` relative to folder ``start`` (POSIX separators), for manifests:
    never an absolute path, so a folder sent on leaks no local layout."""
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()
