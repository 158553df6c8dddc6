"""Numbers as people read them: one helper for every sentence, table rule,
stderr line, brief and chart, so that the same number looks the same
everywhere.

Whole numbers have their thousands separated (``21 000``, ``EUR 20 000``);
the separator is a space in plain text, and the callers that typeset (the
HTML brief, the charts) pass a thin or narrow no-break space. Percentages in
one sentence are written with the same number of decimals: the caller picks
``places`` once per sentence (:data:`PERCENT_PLACES` by default).
"""

from __future__ import annotations

#: Between groups of thousands in plain text (stdout, stderr, Markdown, CSV rule cells).
SPACE = " "
#: Decimals of a percentage unless a sentence needs more (the same for every percentage in it).
PERCENT_PLACES = 2


def group(v: int, sep: str = SPACE, minus: str = "-") -> str:
    """A whole number with its thousands separated: ``group(23637) == "23 637"``."""
    return f"{int(v):,}".replace(",", sep).replace("-", minus)


def decimal(x: float, places: int, sep: str = SPACE, minus: str = "-") -> str:
    """A decimal with ``places`` decimals and the thousands separated like :func:`group`."""
    return f"{float(x):,.{places}f}".replace(",", sep).replace("-", minus)


def eur(v: int, sep: str = SPACE) -> str:
    """Whole euros: ``eur(20000) == "EUR 20 000"``."""
    return f"EUR {group(v, sep)}"


def persons(v: int, sep: str = SPACE) -> str:
    """Whole persons: ``persons(1) == "1 person"``, ``persons(15000) == "15 000 persons"``."""
    return f"{group(v, sep)} person{'' if int(v) == 1 else 's'}"


def percent(fraction: float, places: int = PERCENT_PLACES, sep: str = SPACE, space: str = " ") -> str:
    """A fraction as a percentage with exactly ``places`` decimals:
    ``percent(0.0858, 2) == "8.58 %"``."""
    return decimal(100 * float(fraction), places, sep) + f"{space}%"


__all__ = ["PERCENT_PLACES", "SPACE", "decimal", "eur", "group", "percent", "persons"]
