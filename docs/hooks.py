"""MkDocs hook: the reference pages' tables, generated from the package.

A page asks for generated content with a marker on a line of its own,
``<!-- generate: NAME -->``; at build time the marker is replaced by
``GENERATORS[NAME]()``. So a new scenario key, table column, command option
or exit code appears in the documentation without editing it. An unknown
marker fails the build.

The package is read through four entry points only (the imports below), so
that moving its modules means changing these lines and nothing else.
``python docs/hooks.py NAME`` prints one generated part (for a look without
building the site).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # build the documentation of this source tree
    sys.path.insert(0, str(ROOT))

from solidarity.cli import app  # noqa: E402  the typer app: every command and option
from solidarity.errors import ExitCode  # noqa: E402  the exit codes and their meanings
from solidarity.inputs.scenario_keys import KEYS, SECTIONS  # noqa: E402  every scenario key
from solidarity.outputs.tables import all_specs  # noqa: E402  the table registry

MARKER = re.compile(r"^<!-- generate: ([a-z-]+) -->$", re.M)


def _cell(text: object, code: bool = False) -> str:
    """Text safe inside a Markdown table cell (no pipe, no HTML, one line);
    ``code``: inside backticks, where ``<`` needs no escape."""
    text = str(text).replace("\\[", "[").replace("\n", " ")
    if code:  # Python-Markdown's tables keep a pipe inside backticks
        return f"`{text}`"
    return _html_safe(text).replace("|", "\\|")


def _html_safe(text: str) -> str:
    """``<scenario file name>`` shown as text, not taken for an HTML tag."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _para(text: str) -> str:
    """Help text as Markdown paragraphs (click's ``\\b`` marks verbatim blocks)."""
    text = text.replace("\b\n", "").replace("\\[", "[")
    return "\n\n".join(_html_safe(" ".join(p.split())) for p in text.split("\n\n") if p.strip())


def scenario_keys() -> str:
    """One table per scenario table: key, type, allowed values, default, meaning."""
    parts = []
    for section in SECTIONS:
        keys = [k for k in KEYS if k.path.rpartition(".")[0] == section.path]
        if not keys:
            continue
        title = f"`[{section.path}]`" if section.path else "Top of the file"
        parts += [f"### {title}\n", section.doc + "\n", "| key | type | allowed | default | meaning |",
                  "|---|---|---|---|---|"]
        parts += [f"| `{k.path.rpartition('.')[2]}` | {_cell(k.type)} | {_cell(k.allowed)} | {_cell(k.default)} "
                  f"| {_cell(k.doc)} |" for k in keys]
        parts.append("")
    for section in SECTIONS:  # tables without keys of their own (a variant mirrors the file)
        if not any(k.path.rpartition(".")[0] == section.path for k in KEYS):
            parts += [f"### `[{section.path}]`\n", section.doc + "\n"]
    return "\n".join(parts)


def tables() -> str:
    """One section per table: what it is, its key, and its columns."""
    parts = []
    for spec in all_specs().values():
        parts += [f"### {spec.name}\n", f"{spec.doc[0].upper()}{spec.doc[1:]}; one row per "
                  f"{', '.join(f'`{k}`' for k in spec.key)}.\n",
                  "| column | type | unit | meaning |", "|---|---|---|---|"]
        parts += [f"| `{c.name}` | {c.dtype} | {_cell(c.unit)} | {_cell(c.doc)} |" for c in spec.columns]
        parts.append("")
    return "\n".join(parts)


def _options(command, ctx) -> list[str]:
    rows = []
    for p in command.params:
        if getattr(p, "hidden", False):
            continue
        record = p.get_help_record(ctx)
        if record is None:  # an argument without help
            record = (p.human_readable_name, "")
        rows.append(f"| {_cell(record[0], code=True)} | {_cell(record[1])} |")
    help_record = command.get_help_option(ctx)
    if help_record is not None:
        rows.append(f"| `{', '.join(help_record.opts)}` | Show the command's help and exit. |")
    return ["| argument or option | help (default) |", "|---|---|", *rows] if rows else []


def _usage(command, name: str) -> str:
    """``solidarity NAME [OPTIONS] ARG...``, arguments in capitals."""
    words = [f"solidarity {name} [OPTIONS]"]
    for p in command.params:
        if p.param_type_name == "argument":
            word = (p.name or "").upper() + ("..." if p.nargs == -1 else "")
            words.append(word if p.required else f"[{word}]")
    return " ".join(words)


def cli() -> str:
    """Every command of the typer app: its help and each option's help and default."""
    from typer.main import get_command

    group = get_command(app)
    root = group.context_class(group, info_name="solidarity")
    parts = ["## solidarity\n", _para(group.help or "") + "\n", "Options before the command:\n",
             *_options(group, root), ""]
    for name in group.list_commands(root):
        command = group.get_command(root, name)
        ctx = command.context_class(command, info_name=name, parent=root)
        parts += [f"## solidarity {name}\n", f"```\n{_usage(command, name)}\n```\n",
                  _para(command.help or "") + "\n", *_options(command, ctx), ""]
    return "\n".join(parts)


def exit_codes() -> str:
    """The exit codes, each with its meaning."""
    rows = [f"| {int(code)} | `{code.name}` | {_cell(code.meaning)} |" for code in ExitCode]
    return "\n".join(["| code | name | meaning |", "|---:|---|---|", *rows, ""])


def benchmarks() -> str:
    """benchmarks/README.md, its title one level down."""
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    return re.sub(r"^#", "##", text, flags=re.M).replace("## Benchmarks\n", "## How they are run\n", 1)


GENERATORS: dict[str, Callable[[], str]] = {
    "scenario-keys": scenario_keys, "tables": tables, "cli": cli, "exit-codes": exit_codes,
    "benchmarks": benchmarks,
}


def expand(markdown: str, where: str = "") -> str:
    """Replace every ``<!-- generate: NAME -->`` marker by its content."""
    def one(m: re.Match) -> str:
        if m.group(1) not in GENERATORS:
            raise ValueError(f"{where}: unknown generated part {m.group(1)!r}; known: {', '.join(GENERATORS)}")
        return GENERATORS[m.group(1)]().rstrip("\n")
    return MARKER.sub(one, markdown)


def on_page_markdown(markdown: str, page, config, files, **kwargs) -> str:
    """MkDocs event: expand the markers of each page."""
    return expand(markdown, page.file.src_path)


if __name__ == "__main__":
    print(GENERATORS[sys.argv[1]]())
