"""The one table of datatrail's terminal views: its strings shown as they are, and its columns
sized so that a word is broken only when it cannot fit whole.

It overrides ``Table._calculate_column_widths``, which is rich's own (rich is pinned; the golden
terminal views in tests/fixtures would show a change of its behaviour).

rich reads ``[bold]`` or ``[link=…]`` in plain string cells as markup, and app labels,
certificate subjects, plist values, package names and host names are other people's strings:
here every string cell is :class:`~rich.text.Text`.

When a table is wider than the terminal, rich narrows its widest columns first, whatever they
hold: an API name that is one long word is cut in two (``queryIntentActivitie`` / ``s``) while
a column of sentences beside it had room to wrap. Here every column first gets its longest word,
and the width left over goes to the columns whose text can wrap, in proportion to what more
they would take. When even the longest words do not all fit, some word must break, and rich's
own narrowing (the widest columns first) applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.style import StyleType

__all__ = ["TerminalTable", "SEVERITY_STYLE"]

SEVERITY_STYLE: dict[str, str] = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan",
                                  "info": "dim"}
"""A finding severity's look in every terminal view (keyed by value: a ``Severity`` finds its own)."""


class TerminalTable(Table):
    """A :class:`rich.table.Table` with literal string cells and word-keeping column widths."""

    def add_row(self, *renderables: RenderableType | None, style: StyleType | None = None,
                end_section: bool = False) -> None:
        super().add_row(*(Text(r) if isinstance(r, str) else r for r in renderables), style=style, end_section=end_section)

    def _calculate_column_widths(self, console: Console, options: ConsoleOptions) -> list[int]:
        available = options.max_width
        ranges = [self._measure_column(console, options, column) for column in self.columns]
        widest = [r.maximum or 1 for r in ranges]
        if self.expand or sum(widest) <= available or any(c.width is not None or c.no_wrap for c in self.columns):
            return super()._calculate_column_widths(console, options)
        words = [min(r.minimum or 1, w) for r, w in zip(ranges, widest)]
        if sum(words) > available:
            return super()._calculate_column_widths(console, options)
        wants = [w - m for w, m in zip(widest, words)]
        return [m + e for m, e in zip(words, _shares(available - sum(words), wants))]


def _shares(total: int, wants: list[int]) -> list[int]:
    """``total`` cells shared in proportion to ``wants`` (largest remainders first), none
    getting more than it wants; ``sum(wants) > total``."""
    whole = sum(wants)
    exact = [total * w / whole for w in wants]
    out = [int(x) for x in exact]
    by_remainder = sorted(range(len(wants)), key=lambda i: out[i] - exact[i])
    for i in by_remainder[: total - sum(out)]:
        out[i] += 1
    return [min(o, w) for o, w in zip(out, wants)]

