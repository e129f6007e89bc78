"""What a bundled script's call does with a string it is given: the JavaScript counterpart of
``string_sinks``. A host in a string handed to one of these is for people, not fetched by the
script: logged to the console, shown in a dialog, or opened in the system browser."""

from __future__ import annotations

from typing import Final

__all__ = ["people_call", "CONSOLE_STYLING"]

_CONSOLE: Final = frozenset({"log", "info", "warn", "error", "debug", "trace", "dir", "group", "groupCollapsed"})
_DIALOGS: Final = frozenset({"alert", "confirm", "prompt"})
_BROWSER: Final = frozenset({
    "plus.runtime.openURL",  # DCloud HTML5+ (HBuilder/uni-app): opens the URL in the system browser
})

CONSOLE_STYLING: Final = "%c"
"""The console's CSS directive: it means something only to ``console.log`` and its kin, so a
string holding it is console output (a library's banner)."""


def people_call(callee: str) -> str | None:
    """Why a string given to the call named ``callee`` (dotted, as ``JsScript.call_of`` says) is
    for people, or None when the call may do anything with it."""
    name = callee.removeprefix("window.")
    obj, _, method = name.rpartition(".")
    if obj == "console" and method in _CONSOLE:
        return f"logged to the console ({name})"
    if not obj and method in _DIALOGS:
        return f"shown to people in a dialog ({name})"
    if name in _BROWSER:
        return f"opened for people in the system browser ({name})"
    return None
