"""The terminal views' table: a word is broken only when the longest words cannot all fit, and
strings are shown as they are."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from datatrail.report.terminal_table import TerminalTable, _shares

API = "PackageManager.queryIntentActivities"
ROW = ("installed apps (matching an intent)", "com.vk.android.sdk.samples", API, "none needed")


def _render(table: Table, width: int) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(table)
    return console.export_text()


def _table(cls: type[Table]) -> Table:
    table = cls(title="What the code can read", title_justify="left")
    for name in ("Data", "Whose code", "Via", "Permission"):
        table.add_column(name, overflow="fold")
    table.add_row(*ROW)
    return table


def test_a_word_is_kept_whole_when_the_longest_words_fit() -> None:
    # rich narrows the widest columns first and cuts the API name in two at 120 columns.
    assert API not in _render(_table(Table), 120)
    text = _render(_table(TerminalTable), 120)
    assert API in text and "com.vk.android.sdk.samples" in text
    assert max(len(line) for line in text.splitlines()) <= 120
    assert "installed apps (matching an" in text  # the sentence wraps instead


def test_when_the_words_cannot_all_fit_it_narrows_as_rich_does() -> None:
    assert _render(_table(TerminalTable), 60) == _render(_table(Table), 60)


def test_a_table_that_fits_is_rich_own() -> None:
    assert _render(_table(TerminalTable), 200) == _render(_table(Table), 200)


def test_strings_are_shown_as_they_are() -> None:
    table = TerminalTable()
    table.add_column("Label")
    table.add_row("[bold]Free[/bold] [link=https://evil.example]app[/link]")
    assert "[bold]Free[/bold] [link=https://evil.example]app[/link]" in _render(table, 80)


@given(st.integers(0, 500), st.lists(st.integers(0, 200), min_size=1, max_size=8))
def test_shares_never_exceed_what_is_wanted_nor_the_total(total: int, wants: list[int]) -> None:
    if sum(wants) <= total:
        return  # only asked when the columns want more than there is
    shares = _shares(total, wants)
    assert all(0 <= s <= w for s, w in zip(shares, wants))
    assert sum(shares) == total  # every spare cell is used
