"""acorn (Debian's ``node-acorn``), the JavaScript parser webpack and ESLint build on, as an
independent oracle for datatrail's lexer: the string literals, template texts and comments it
finds in a script. Tests skip, naming the package, when node or acorn is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

__all__ = ["acorn_calls", "acorn_pieces", "require_acorn"]

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
    doc = _run(_SCRIPT, source)
    if doc is None:
        return None
    return [(kind, text, line) for kind, text, line in doc["pieces"]]


def _run(script: str, source: str) -> dict[str, Any] | None:
    """The JSON a node script writes for ``source`` on its stdin; None when it reports an error."""
    require_acorn()
    run = subprocess.run(["node", "-e", script], input=source, capture_output=True, text=True,
                         env={**os.environ, "NODE_PATH": _NODE_PATH}, timeout=120, check=True)
    doc: dict[str, Any] = json.loads(run.stdout)
    return None if "error" in doc else doc


_CALLS_SCRIPT = r"""
const acorn = require('acorn');
const src = require('fs').readFileSync(0, 'utf8');
let ast;
try { ast = acorn.parse(src, {ecmaVersion: 'latest', allowHashBang: true, sourceType: 'script', allowReturnOutsideFunction: true}); }
catch (e) {
  try { ast = acorn.parse(src, {ecmaVersion: 'latest', sourceType: 'module'}); }
  catch (e2) { process.stdout.write(JSON.stringify({error: String(e2)})); process.exit(0); }
}
// The callee's dotted name; a method called on something else (a call's result, an index)
// keeps its dotted tail after a leading "." ($(x).css -> ".css").
function dotted(n) {
  if (n.type === 'Identifier') return n.name;
  if (n.type === 'ThisExpression') return 'this';
  if (n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier') {
    const o = dotted(n.object); return (o === null ? '' : o) + '.' + n.property.name;
  }
  return null;
}
const TRANSPARENT = new Set(['BinaryExpression', 'LogicalExpression', 'ConditionalExpression', 'UnaryExpression',
  'AssignmentExpression', 'SequenceExpression', 'TemplateLiteral', 'AwaitExpression', 'SpreadElement',
  'ChainExpression', 'ParenthesizedExpression']);
const out = [];
function visit(node, ancestors) {
  if (!node || typeof node.type !== 'string') return;
  if ((node.type === 'Literal' && typeof node.value === 'string') || node.type === 'TemplateElement') {
    let callee = null, child = node;
    for (let k = ancestors.length - 1; k >= 0; k--) {
      const a = ancestors[k];
      if (a.type === 'CallExpression' || a.type === 'NewExpression') {
        if (a.arguments.includes(child)) { callee = dotted(a.callee); break; }
        child = a; continue;  // part of the callee: "x".trim()
      }
      if (a.type === 'MemberExpression' && a.object === child) { child = a; continue; }
      if (a.type === 'ArrowFunctionExpression' && a.expression && a.body === child) { child = a; continue; }
      if (a.type === 'TemplateLiteral' && node.type === 'TemplateElement' && child === node) { child = a; continue; }
      if (TRANSPARENT.has(a.type)) { child = a; continue; }
      break;
    }
    if (node.type === 'TemplateElement' && !node.value.cooked) return;
    out.push([node.start, callee]);
    return;
  }
  ancestors.push(node);
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) { for (const c of v) if (c && typeof c.type === 'string') visit(c, ancestors); }
    else if (v && typeof v.type === 'string') visit(v, ancestors);
  }
  ancestors.pop();
}
visit(ast, []);
out.sort((a, b) => a[0] - b[0]);
process.stdout.write(JSON.stringify({calls: out}));
"""


def acorn_calls(source: str) -> list[tuple[int, str | None]] | None:
    """(offset, callee) of every string literal and non-empty template text, in source order:
    the dotted name of the call whose arguments hold it (through operators, conditionals,
    templates and the receiver of a method called on it; ``.css`` for a method of a call's
    result), or None; None for the whole script
    when acorn cannot parse it."""
    doc = _run(_CALLS_SCRIPT, source)
    if doc is None:
        return None
    return [(int(start), callee) for start, callee in doc["calls"]]
