"""Blocks of cells to and from the clipboard, the way Excel writes them (no Qt here).

Excel puts tab-separated rows on the clipboard, quoting a cell that holds a tab, a
line break or a quote, and ends the text with a line break; ``csv`` reads and writes
exactly that.  One trailing empty row (from a final empty line) is dropped.
"""

from __future__ import annotations

import csv
import io
from typing import Sequence


def parse_block(text: str) -> list[list[str]]:
    """Clipboard text → rows of cells (ragged rows are kept as they are)."""
    rows = list(csv.reader(io.StringIO(text or "", newline=""), delimiter="\t"))
    if rows and all(cell == "" for cell in rows[-1]):
        rows.pop()
    return rows


def format_block(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells → clipboard text Excel pastes back cell by cell."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()
