"""Where the code sends a URL it loads: to the network, or to people.

A URL constant the code only hands to ``new Intent(ACTION_VIEW, Uri.parse(url))`` opens a page
in the browser or another app, for the person using the phone: a link, not a place the app
connects to. One only put on screen (``TextView.setText``, a dialog's message, a toast) is text.
The DEX reference scanner says which methods each loaded string reaches in the next few
instructions (``CodeRefs.string_uses``); this module says which of those are for people. A site
whose string goes anywhere else, or nowhere the straight-line look can see, keeps its endpoint
reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from datatrail.app.android.artifact import AndroidArtifact

__all__ = ["people_sites", "PEOPLE_REASON"]

PEOPLE_REASON: Final = "handed to people, not fetched: opened with an Intent or shown on screen"

_PEOPLE: Final = frozenset({
    ("Landroid/content/Intent;", "<init>"),
    ("Landroid/content/Intent;", "setData"),
    ("Landroid/content/Intent;", "setDataAndType"),
    ("Landroid/widget/TextView;", "setText"),
    ("Landroid/widget/Toast;", "makeText"),
    ("Landroid/app/AlertDialog$Builder;", "setMessage"),
    ("Landroid/app/AlertDialog$Builder;", "setTitle"),
    ("Landroidx/appcompat/app/AlertDialog$Builder;", "setMessage"),
    ("Landroidx/appcompat/app/AlertDialog$Builder;", "setTitle"),
    ("Landroid/support/v7/app/AlertDialog$Builder;", "setMessage"),
    ("Landroid/text/Html;", "fromHtml"),
})
"""Calls whose string argument ends with a person: an activity to view it, or the screen."""
_THROUGH: Final = frozenset({("Landroid/net/Uri;", "parse")})
"""Calls that only wrap the string; what they return is followed."""
_AFTER: Final = frozenset({"startActivity", "startActivityForResult", "createChooser", "resolveActivity", "addFlags",
                           "setFlags", "setPackage", "addCategory"})
"""Calls (on an Intent, a Context or an Activity of any class) that only send or shape the Intent
a setter returned: the link still goes to an app, for people."""


def _for_people(calls: list[tuple[str, str]]) -> bool:
    return any(c in _PEOPLE for c in calls) and all(c in _PEOPLE or c in _THROUGH or c[1] in _AFTER for c in calls)


def people_sites(art: AndroidArtifact, wanted: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Those (dex name, string index) whose every load site hands the string only to people."""
    by_dex: dict[str, set[int]] = {}
    for dex_name, index in wanted:
        by_dex.setdefault(dex_name, set()).add(index)
    out: set[tuple[str, int]] = set()
    for dex in art.dex_files:
        indices = by_dex.get(dex.name)
        if not indices:
            continue
        code = art.code_refs(dex)
        for index, sites in code.string_uses(indices).items():
            named = [[code.method_ref(m) for m in site] for site in sites]
            if named and all(_for_people(calls) for calls in named):
                out.add((dex.name, index))
    return out
