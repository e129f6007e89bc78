"""acorn (Debian's ``node-acorn``), the JavaScript parser webpack and ESLint build on, as an
independent oracle for datatrail's lexer: the string literals, template texts and comments it
finds in a script. Tests skip, naming the package, when node or acorn is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["acorn_pieces", "require_acorn"]

_NODE_PATH = "/usr/share/nodejs"
_SCRIPT = r"""
const acorn = require('acorn');
const src = require('fs').readFileSync(0, 'utf8');
const out = [];
const comments = [];
try {
  for (const t of acorn.tokenizer(src, {ecmaVersion: 'latest', allowHashBang: true, locations: true,
                                        onComment: (block, text, s, e, loc) => comments.push([s, 'comment', text, loc.line])})) {
    if (t.type.label === 'string') out.push([t.start, 'string', t.value, t.loc.start.line]);
    else if (t.type.label === 'template' && t.value) out.push([t.start, 'template', t.value, t.loc.start.line]);
  }
} catch (e) { process.stdout.write(JSON.stringify({error: String(e)})); process.exit(0); }
const all = out.concat(comments).sort((a, b) => a[0] - b[0]).map(x => [x[1], x[2], x[3]]);
process.stdout.write(JSON.stringify({pieces: all}));
"""


def require_acorn() -> None:
    if shutil.which("node") is None or not Path(_NODE_PATH, "acorn").is_dir():
        pytest.skip("acorn not installed (apt-get install node-acorn)")


def acorn_pieces(source: str) -> list[tuple[str, str, int]] | None:
    """(kind, text, line) of every string, non-empty template text and comment, in source order;
    None when acorn cannot tokenise the script."""
    require_acorn()
    run = subprocess.run(["node", "-e", _SCRIPT], input=source, capture_output=True, text=True,
                         env={**os.environ, "NODE_PATH": _NODE_PATH}, timeout=60, check=True)
    doc = json.loads(run.stdout)
    if "error" in doc:
        return None
    return [(kind, text, line) for kind, text, line in doc["pieces"]]
