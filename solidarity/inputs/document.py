"""The scenario document layer: a TOML file as plain data, with overrides.

A scenario is read in two steps. This module reads the file into a plain
document (nested dicts, lists and scalars, exactly as TOML gives them),
applies named variants, command-line ``--set`` overrides and values carried
from an earlier cycle, and records where every value came from. The validator
(:mod:`solidarity.inputs.scenario`) then checks the *effective* document and freezes
it; defaults are its job, not this module's.

Precedence, lowest first: the file, then a variant (``[variants.NAME]`` in the
same file), then ``--set``. Each override replaces the value at its key path:
a table given as an override (``--set 'states.BE.fixed={financial_eur=0}'``)
replaces the whole table at that path, it is not merged into it. In a variant
block, tables merge key by key down to the values they hold; a value there
(a number, a string, an array or an empty table) replaces the file's value.

Every problem is a :class:`~solidarity.errors.Problem` whose ``file`` names
the place of the bad input (the scenario file, ``"<file>: variant NAME"`` or
``"--set"``), so that these errors and the validator's read the same way.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import MISSING, InputError, Problem

#: Label of values given on the command line (``--set key.path=value``).
SET = "--set"
#: The file name of a scenario read from standard input (given as ``-``).
STDIN = "<stdin>"

_VARIANTS = "variants"
_FILE_ALLOWED = "the path of a scenario file (.toml)"
_SET_ALLOWED = "key.path=value, such as pool.relocations=25000"
_KEY_ALLOWED = ('dotted TOML keys, such as states.DE.deduction; quote keys holding other '
                'characters: states."DE"')
_VALUE_ALLOWED = ('a TOML value such as 25000, 0.5, true, "text", ["AT", "BE"] '
                  'or {financial_eur = 0}')
_CONFLICT_ALLOWED = "each key path once (a table and a key inside it count as the same path)"
_PATH_ALLOWED = "a key path whose parts before the last name tables"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
# A value that fails to parse as TOML is taken as a bare string, unless it
# starts like a number, date, array, table or string: then it is a typo
# (``25,000``, ``[AT,BE]`` after the shell ate the quotes), not text.
_LOOKS_TYPED = re.compile(r"[+-]?[0-9.]|[\[{\"']")
_TOML_ERROR = re.compile(
    r"(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)\Z", re.S)


# --- records -----------------------------------------------------------------

@dataclass(frozen=True)
class Override:
    """One value replaced in the document: ``old`` is ``MISSING`` if absent."""

    path: str
    old: Any
    new: Any
    source: str  #: ``--set``, ``variant NAME`` or a caller's label

    def __reduce__(self):
        # MISSING is a module singleton with no pickling support of its own: a
        # plain pickle would bring back a copy that is no longer ``MISSING``.
        absent = self.old is MISSING
        return (_override, (self.path, None if absent else self.old, self.new, self.source, absent))


def _override(path: str, old: Any, new: Any, source: str, absent: bool) -> Override:
    return Override(path, MISSING if absent else old, new, source)


@dataclass(frozen=True)
class Document:
    """A scenario as plain data, with the record of how it was made.

    Treat ``data`` as read-only: every function here returns a new document.

    Attributes
    ----------
    data : dict
        The effective document: nested dicts, lists and TOML scalars, without
        the ``[variants]`` table.
    file : str
        The scenario file's path as given (``"<string>"`` for text).
    base : Path or None
        The folder relative data-file paths are resolved against.
    origin : dict
        Key path (``"states.DE.deduction"``) to the place its value came from:
        ``file``, ``"<file>: variant NAME"``, ``"--set"`` or a caller's label.
        Tables are recorded as well as values; see :func:`origin_of`.
    applied : tuple of Override
        Every override applied, in order.
    variants : dict
        The file's ``[variants.NAME]`` blocks by name: ``sorted(doc.variants)``
        are the names available.
    """

    data: dict
    file: str = "<string>"
    base: Path | None = None
    origin: dict = field(default_factory=dict)
    applied: tuple[Override, ...] = ()
    variants: dict = field(default_factory=dict)


# --- reading -------------------------------------------------------------------

def read_document(path: str | Path) -> Document:
    """Read a scenario file into a :class:`Document`.

    Raises
    ------
    InputError
        if the file is missing, a folder, unreadable, not UTF-8, not TOML or
        empty. A leading UTF-8 byte-order mark is accepted and dropped.
    """
    file, path = str(path), Path(path)
    if file == "-":  # a scenario on stdin: data files relative to the current folder
        file, path = STDIN, Path.cwd() / STDIN
        try:
            raw = sys.stdin.buffer.read()
        except (OSError, AttributeError) as exc:
            raise InputError(Problem(file, "file", MISSING, f"cannot read standard input ({exc})",
                                     _FILE_ALLOWED)) from None
    else:
        raw = _read(file, path)
    return parse_document(_decode(file, raw.removeprefix(b"\xef\xbb\xbf")), file=file, base=path.parent)


def _read(file: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem(file, "file", MISSING, "no such file" + _near_file(path),
                                 _FILE_ALLOWED)) from None
    except IsADirectoryError:
        inside = sorted(p.name for p in path.glob("*.toml"))
        inside = inside[:5] + ["..."] * (len(inside) > 5)
        hint = f" (its scenario files: {', '.join(inside)})" if inside else ""
        raise InputError(Problem(file, "file", MISSING, "is a folder, not a file" + hint,
                                 _FILE_ALLOWED)) from None
    except OSError as exc:
        raise InputError(Problem(file, "file", MISSING, f"cannot read ({exc.strerror})",
                                 _FILE_ALLOWED)) from None


def _decode(file: str, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[start:exc.start].decode("utf-8")) + 1  # valid: before the first bad byte
        raise InputError(Problem(file, f"line {line}, column {column}", MISSING,
                                 f"byte 0x{raw[exc.start]:02X} is not valid UTF-8 ({exc.reason})",
                                 "UTF-8 text")) from None
    return text


def _near_file(path: Path) -> str:
    """`` (did you mean ...?)`` naming a similar file in the same folder."""
    try:
        names = [p.name for p in path.parent.iterdir()]
    except OSError:
        return ""
    near = difflib.get_close_matches(path.name, names, n=1)
    return f" (did you mean {path.parent / near[0]}?)" if near else ""


#: Limits on what a scenario document may hold: it may come from a browser.
#: Real scenarios nest 4 levels; a 100 000-unit synthetic pool has about
#: 1.5 million keys.
MAX_DEPTH = 32
MAX_KEYS = 10_000_000
MAX_STRING = 100_000


def _too_deep(file: str, where: str = "file") -> InputError:
    return InputError(Problem(file, where, MISSING, f"arrays or tables nested more than {MAX_DEPTH} levels deep",
                              f"at most {MAX_DEPTH} levels of nesting"))


def _limits(file: str, data: Any, where: str = "") -> None:
    """Depth, number of keys and string lengths within :data:`MAX_DEPTH`,
    :data:`MAX_KEYS` and :data:`MAX_STRING` (walked without recursion)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, where)]
    keys = 0
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(file, path or "file")
        if isinstance(node, dict):
            keys += len(node)
            if keys > MAX_KEYS:
                raise InputError(Problem(file, "file", MISSING, f"more than {MAX_KEYS:_} keys",
                                         f"at most {MAX_KEYS:_} keys (split the pool into several scenarios)"))
            stack.extend((v, depth + 1, f"{path}.{k}" if path else str(k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, f"{path}[{i}]") for i, v in enumerate(node))
        elif isinstance(node, str) and len(node) > MAX_STRING:
            raise InputError(Problem(file, path or "file", node[:40] + "...",
                                     f"a string of {len(node):_} characters",
                                     f"strings of at most {MAX_STRING:_} characters"))


def _loads(text: str, file: str, where: str = "file") -> dict:
    """``tomllib.loads``, with nesting too deep for its recursion an input error."""
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib recurses per level: 100 000 nested arrays end here
        raise _too_deep(file, where) from None


def parse_document(text: str, file: str = "<string>", base: Path | None = None) -> Document:
    """Parse scenario text into a :class:`Document` (see :func:`read_document`)."""
    text = text.removeprefix("\ufeff")
    try:
        data = _loads(text, file)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(_syntax_problem(file, text, str(exc))) from None
    except ValueError as exc:  # Python's limit on digits in an integer (4300)
        raise InputError(Problem(file, "file", MISSING, f"a number cannot be read ({exc})",
                                 "numbers of at most 16 digits")) from None
    _limits(file, data)
    if not data:
        what = "is empty" if not text.strip() else "holds only comments and blank lines"
        raise InputError(Problem(file, "file", MISSING, what,
                                 "a scenario with at least a [scenario] and a [pool] table"))
    variants = data.pop(_VARIANTS, {})
    problems = _check_variants(file, variants)
    if problems:
        raise InputError(problems)
    origin = {_join(keys): file for keys, _ in _walk(data, leaves_only=False)}
    return Document(data=data, file=file, base=base, origin=origin, variants=variants)


def _syntax_problem(file: str, text: str, message: str) -> Problem:
    """Turn tomllib's ``Msg (at line L, column C)`` into a located problem."""
    m = _TOML_ERROR.match(message)
    msg = m["msg"] if m else message
    lines = text.split("\n")
    if m and m["line"]:
        line, where = int(m["line"]), f"line {m['line']}, column {m['col']}"
    else:  # "at end of document": name the last line that holds anything
        line = len(text.rstrip().split("\n"))
        where = f"end of file (line {line})"
        if not msg.startswith("Cannot"):  # it wanted more text than the file has
            msg += "; the file ends here: is it complete?"
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return Problem(file, where, shown or MISSING, f"not valid TOML: {msg[:1].lower()}{msg[1:]}",
                   "TOML syntax (https://toml.io)")


def _check_variants(file: str, variants: Any) -> list[Problem]:
    if not isinstance(variants, dict):
        return [Problem(file, _VARIANTS, variants, "must be a table", "[variants.NAME] tables")]
    problems = []
    for name, body in variants.items():
        key = _join((_VARIANTS, name))
        if not isinstance(body, dict):
            problems.append(Problem(file, key, body, "must be a table",
                                    f"a [{key}] table mirroring the scenario's tables"))
        elif _VARIANTS in body:
            problems.append(Problem(file, f"{key}.{_VARIANTS}", MISSING,
                                    "a variant cannot hold variants", "the scenario's own tables"))
    return problems


# --- overrides -----------------------------------------------------------------

def apply_overrides(doc: Document, sets: Sequence[str] = (),
                    variant: str | None = None) -> Document:
    """Return ``doc`` with a variant, then ``--set`` overrides, applied.

    Parameters
    ----------
    doc : Document
        Usually straight from :func:`read_document`; it is not changed.
    sets : sequence of str
        ``key.path=value`` as typed after ``--set``. The value is a TOML
        value (``25000``, ``0.5``, ``"X Y"``, ``["AT", "BE"]``,
        ``{financial_eur = 0}``); text that is not TOML is taken as a bare
        string (``solver.name=cbc``) unless it starts like a number, array,
        table or string. Each key path may be set once.
    variant : str, optional
        The name of a ``[variants.NAME]`` block of the file.

    Raises
    ------
    InputError
        listing every bad, conflicting or misplaced override.
    """
    problems: list[Problem] = []
    changes: list[tuple[tuple[str, ...], Any, str, str, Any]] = []  # see _apply
    if variant is not None:
        if variant in doc.variants:
            source = f"variant {variant}"
            place = f"{doc.file}: {source}"
            changes += [(keys, value, source, place, value)
                        for keys, value in _walk(doc.variants[variant], leaves_only=True)]
        else:
            problems.append(_unknown_variant(doc, variant))
    given = []  # ((keys, value, raw value text), the whole --set text)
    for text in sets:
        parsed = _parse_set(text, problems)
        if parsed is not None:
            given.append((parsed, text.strip()))
    problems += _conflicts([(keys, text, raw) for (keys, _, raw), text in given], SET)
    changes += [(keys, value, SET, SET, raw) for (keys, value, raw), _ in given]
    if problems:
        raise InputError(problems)
    return _apply(doc, changes)


def with_values(doc: Document, values: Mapping[str, Any], source: str) -> Document:
    """Return ``doc`` with key paths set to values, recorded under ``source``.

    Used for what one cycle carries into the next, e.g.
    ``with_values(doc, {"states.DE.credit_eur": 1_200_000}, "carried from 2026")``.
    Values replace (they are not added to) what the document holds. Call it
    before :func:`apply_overrides` so that the command line still wins.

    Raises
    ------
    TypeError
        if a value is not TOML data (a bug in the caller, not bad input).
    InputError
        if a key path is not a valid key path, passes through a value that is
        not a table, or overlaps another.
    """
    problems: list[Problem] = []
    changes = []
    for path, value in values.items():
        keys = _parse_key(path)
        if keys is None:
            problems.append(Problem(source, path, value, "not a valid key path", _KEY_ALLOWED))
            continue
        changes.append((keys, _plain(value, path), source, source, value))
    problems += _conflicts([(keys, _join(keys), shown) for keys, _, _, _, shown in changes], source)
    if problems:
        raise InputError(problems)
    return _apply(doc, changes)


def _apply(doc: Document, changes) -> Document:
    """Apply ``(keys, value, source, place, shown)`` changes to a copy of ``doc``."""
    data, origin = copy.deepcopy(doc.data), dict(doc.origin)
    applied, problems = list(doc.applied), []
    for keys, value, source, place, shown in changes:
        path = _join(keys)
        node = data
        for i, k in enumerate(keys[:-1]):
            if k not in node:
                node[k] = {}
                origin[_join(keys[:i + 1])] = place  # a table made by this override
            elif not isinstance(node[k], dict):
                problems.append(Problem(
                    place, path, shown,
                    f"{_join(keys[:i + 1])} is {_inline(node[k])}, not a table", _PATH_ALLOWED))
                break
            node = node[k]
        else:
            old = node.get(keys[-1], MISSING)
            node[keys[-1]] = copy.deepcopy(value)  # later overrides must not edit `value`
            for p in [p for p in origin if p == path or p.startswith(path + ".")]:
                del origin[p]  # the replaced value's keys are gone with it
            origin[path] = place
            applied.append(Override(path, old, value, source))
    if problems:
        raise InputError(problems)
    return replace(doc, data=data, origin=origin, applied=tuple(applied))


def _parse_set(text: str, problems: list[Problem]) -> tuple[tuple[str, ...], Any, str] | None:
    """``key.path=value`` to ``(keys, value, raw value text)``, or None and a problem."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # Python passes undecodable argv bytes as lone surrogates
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")  # printable
        problems.append(Problem(SET, shown, MISSING, "not valid UTF-8 text", "UTF-8 text"))
        return None
    eq = _unquoted_equals(text)
    if eq < 0:
        problems.append(Problem(SET, text.strip(), MISSING,
                                "no '=' between key path and value", _SET_ALLOWED))
        return None
    key_text, raw = text[:eq].strip(), text[eq + 1:].strip()
    keys = _parse_key(key_text)
    if keys is None:
        problems.append(Problem(SET, key_text or "(empty)", raw, "not a valid key path",
                                _KEY_ALLOWED))
        return None
    path = _join(keys)
    if keys[0] == _VARIANTS:
        problems.append(Problem(SET, path, raw, "variants cannot be set; choose a variant by name",
                                "a key path of the scenario"))
        return None
    if not raw:
        problems.append(Problem(SET, path, raw, "empty value",
                                'a TOML value; write "" for an empty string'))
        return None
    try:
        parsed = _loads("v = " + raw, SET, path)
        _limits(SET, parsed["v"], path)
    except InputError as exc:
        problems += exc.problems
        return None
    except tomllib.TOMLDecodeError as exc:
        if not _LOOKS_TYPED.match(raw):
            return keys, raw, raw  # a bare string: solver.name=cbc
        m = _TOML_ERROR.match(str(exc))
        reason = m["msg"] if m else str(exc)
        msg = f"not a valid TOML value ({reason[:1].lower()}{reason[1:]})"
        if raw[0] in "[{":
            msg += ("; quote the strings inside, and in a shell wrap the whole --set in single "
                    """quotes: 'participants=["AT", "BE"]'""")
        elif raw[0] not in "\"'":
            msg += "; numbers take no spaces or commas (25000 or 25_000); quote text like this"
        problems.append(Problem(SET, path, raw, msg, _VALUE_ALLOWED))
        return None
    except ValueError as exc:  # Python's limit on digits in an integer (4300)
        shown = raw if len(raw) <= 40 else raw[:30] + f"... ({len(raw)} characters)"
        problems.append(Problem(SET, path, shown, f"a number cannot be read ({exc})",
                                "numbers of at most 16 digits"))
        return None
    if list(parsed) != ["v"]:  # a newline in the value smuggled in more keys
        problems.append(Problem(SET, path, raw, "not a single TOML value", _VALUE_ALLOWED))
        return None
    return keys, parsed["v"], raw


def _unquoted_equals(text: str) -> int:
    """Index of the first ``=`` outside TOML quotes, or -1."""
    quote, i = "", 0
    while i < len(text):
        c = text[i]
        if quote == '"' and c == "\\":
            i += 1  # skip the escaped character
        elif quote and c == quote:
            quote = ""
        elif not quote and c in "\"'":
            quote = c
        elif not quote and c == "=":
            return i
        i += 1
    return -1


def _parse_key(text: str) -> tuple[str, ...] | None:
    """A dotted TOML key (``states."DE".deduction``) as a tuple, or None."""
    if not text or "\n" in text or "\r" in text or _unquoted_equals(text) >= 0:
        return None
    # tomllib knows the key grammar (quotes, escapes, spaces around dots);
    # without a newline or an unquoted '=', "KEY = 0" can only be one key.
    try:
        node = tomllib.loads(text + " = 0")
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    keys = []
    while isinstance(node, dict) and len(node) == 1:
        (k, node), = node.items()
        keys.append(k)
    return tuple(keys) if node == 0 and keys else None


def _conflicts(items: list[tuple[tuple[str, ...], str, Any]], place: str) -> list[Problem]:
    """Problems for key paths equal to, inside or around an earlier one.

    ``items`` are ``(keys, text naming the override, value shown)``.
    """
    problems = []
    for j, (keys, _, shown) in enumerate(items):
        for earlier_keys, earlier_text, _ in items[:j]:
            n = min(len(keys), len(earlier_keys))
            if keys[:n] == earlier_keys[:n]:
                problems.append(Problem(place, _join(keys), shown,
                                        f"conflicts with the earlier {place} {earlier_text}",
                                        _CONFLICT_ALLOWED))
                break
    return problems


def _unknown_variant(doc: Document, name: str) -> Problem:
    names = sorted(doc.variants)
    near = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    allowed = ("a variant of this file: " + ", ".join(names) if names
               else "none: this file has no [variants.NAME] tables")
    return Problem(doc.file, _join((_VARIANTS, name)), MISSING, "unknown variant" + hint, allowed)


def origin_of(doc: Document, path: str | Sequence[str]) -> str:
    """The place the value at ``path`` came from: the nearest recorded key path.

    ``path`` is a key path as the validator names it (``"pool.relocations"``,
    ``"participants[0]"``) or a tuple of keys. A key inside a table set on the
    command line (say ``states.BE.fixed.financial_eur`` after
    ``--set 'states.BE.fixed={}'``) is from ``"--set"``; a path recorded
    nowhere, such as an absent key, is from the file.
    """
    if isinstance(path, str):
        text = re.sub(r"\[\d+\]", "", path)  # array items come from their array
        keys = _parse_key(text) or tuple(text.split("."))
    else:
        keys = tuple(path)
    for n in range(len(keys), 0, -1):
        found = doc.origin.get(_join(keys[:n]))
        if found is not None:
            return found
    return doc.file


def format_override(o: Override) -> str:
    """The log line of an override: ``pool.relocations: 21000 -> 25000 (--set)``."""
    old = "(absent)" if o.old is MISSING else _inline(o.old)
    return f"{o.path}: {old} -> {_inline(o.new)} ({o.source})"


# --- serialising -----------------------------------------------------------------

def digest(doc: Document | Mapping[str, Any]) -> str:
    """SHA-256 of the effective document's canonical TOML (keys sorted).

    Comments, key order and number spelling (``21_000``) do not change it;
    any changed value does. TOML text keeps types apart (``1`` and ``1.0``,
    a date and a string), which JSON would not without tags.
    """
    return hashlib.sha256(_render(_data(doc), sort_keys=True).encode("utf-8")).hexdigest()


def to_toml(doc: Document | Mapping[str, Any], *, sort_keys: bool = False) -> str:
    """Write the effective document as TOML text; ``tomllib`` reads it back equal.

    Tables become ``[headers]``; arrays are inline, and tables inside arrays
    inline tables. For a :class:`Document`, comments first name the file and
    list the overrides applied, so the text records what ran.
    """
    head = ""
    if isinstance(doc, Document):
        notes = [f"Effective scenario read from {doc.file}"]
        notes += [format_override(o) for o in doc.applied]
        # a control character (e.g. a newline in a label) would end the comment
        head = "".join("# " + re.sub(r"[\x00-\x08\x0a-\x1f\x7f]", "?", n) + "\n" for n in notes)
        head += "\n"
    return head + _render(_data(doc), sort_keys)


def _data(doc: Document | Mapping[str, Any]) -> Mapping[str, Any]:
    return doc.data if isinstance(doc, Document) else doc


def _render(data: Mapping[str, Any], sort_keys: bool) -> str:
    lines: list[str] = []
    _table(lines, (), data, sort_keys)
    return "\n".join(lines) + "\n" if lines else ""


def _table(lines: list[str], prefix: tuple[str, ...], table: Mapping[str, Any], sort_keys: bool):
    items = sorted(table.items()) if sort_keys else list(table.items())
    values = [(k, v) for k, v in items if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in items if isinstance(v, Mapping)]
    # A header is needed for values or to keep an empty table; a table of
    # tables is made by its subtables' headers.
    if prefix and (values or not tables):
        lines += [""] if lines else []
        lines.append(f"[{_join(prefix)}]")
    lines += [f"{_key(k)} = {_inline(v, sort_keys)}" for k, v in values]
    for k, v in tables:
        _table(lines, (*prefix, k), v, sort_keys)


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def _string(s: str) -> str:
    return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04X}" if c < " " or c == "\x7f" else c)
                         for c in s) + '"'


def _key(k: Any) -> str:
    if not isinstance(k, str):
        raise TypeError(f"TOML keys are strings, not {type(k).__name__}: {k!r}")
    return k if _BARE_KEY.match(k) else _string(k)


def _join(keys: Sequence[str]) -> str:
    """A key path as text; quoting makes it unambiguous, so prefixes are text prefixes."""
    return ".".join(_key(k) for k in keys)


def _inline(v: Any, sort_keys: bool = False) -> str:
    """One value in TOML syntax, on one line."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # exact; 'inf', '-inf' and 'nan' are TOML too
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dt.time) and v.tzinfo is not None:
        raise TypeError(f"TOML has no time of day with an offset: {v!r}")
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_inline(x, sort_keys) for x in v) + "]"
    if isinstance(v, Mapping):
        items = sorted(v.items()) if sort_keys else v.items()
        return "{" + ", ".join(f"{_key(k)} = {_inline(x, sort_keys)}" for k, x in items) + "}"
    raise TypeError(f"not a TOML value: {v!r} ({type(v).__name__})")


def _plain(v: Any, path: str) -> Any:
    """A deep copy of ``v`` as TOML data (tuples become arrays); TypeError otherwise."""
    if isinstance(v, Mapping):
        return {k: _plain(x, f"{path}.{k}") for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, f"{path}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, (bool, int, float, str, dt.date)) or (
            isinstance(v, dt.time) and v.tzinfo is None):
        return v
    raise TypeError(f"{path}: not a TOML value: {v!r} ({type(v).__name__})")


def _walk(table: Mapping[str, Any], leaves_only: bool,
          prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(keys, value)`` for each key path, tables included unless ``leaves_only``.

    A non-empty table is descended into; any other value (an empty table too)
    is a leaf.
    """
    for k, v in table.items():
        keys = (*prefix, k)
        if isinstance(v, dict) and v:
            if not leaves_only:
                yield keys, v
            yield from _walk(v, leaves_only, keys)
        else:
            yield keys, v


__all__ = ["Document", "Override", "SET", "read_document", "parse_document", "apply_overrides",
           "with_values", "origin_of", "format_override", "digest", "to_toml"]
