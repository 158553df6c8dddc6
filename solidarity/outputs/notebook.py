"""Rich displays for notebooks: the ``_repr_html_`` of a run, an explanation
and a comparison (Jupyter, VS Code and others call it), built from the same
tables and texts as the files, shortened to what fits on a screen."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

import pandas as pd

from .brief import generic_table

#: Rows of a table shown inline; the whole table is one attribute away.
MAX_ROWS = 8


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def table_html(name: str, df: pd.DataFrame, max_rows: int = MAX_ROWS) -> str:
    """A table with the registry's units in its header, at most ``max_rows``
    rows and a line saying how many more there are."""
    more = len(df) - max_rows
    body = generic_table(name, df.head(max_rows))
    if more > 0:
        body += f"<p><small>… {more} more rows</small></p>"
    return body


def block(title: str, paragraphs: Iterable[str] = (), tables: Mapping[str, pd.DataFrame] | None = None,
          lists: Mapping[str, Iterable[str]] | None = None, hint: str = "",
          details: Mapping[str, str] | None = None) -> str:
    """A titled block: paragraphs of text, bulleted lists under headings,
    tables, folded plain texts (``details``: summary line -> text) and a
    hint in small type (how to get the rest)."""
    out = [f"<div><h3>{esc(title)}</h3>"]
    out += [f"<p>{esc(p)}</p>" for p in paragraphs if p]
    for head, items in (lists or {}).items():
        out.append(f"<h4>{esc(head)}</h4><ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    out += [table_html(name, df) for name, df in (tables or {}).items()]
    out += [f"<details><summary>{esc(head)}</summary><pre>{esc(text)}</pre></details>"
            for head, text in (details or {}).items()]
    if hint:
        out.append(f"<p><small>{esc(hint)}</small></p>")
    out.append("</div>")
    return "\n".join(out)
