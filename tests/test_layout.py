"""The house plan holds: no import cycle, no private name borrowed across modules, tests mirror the package.

The layers themselves are import-linter's contracts in pyproject.toml (``make test`` runs
``lint-imports``); these are the properties it does not check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

SRC = Path(__file__).resolve().parents[1] / "src" / "datatrail"
TESTS = Path(__file__).resolve().parent


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(name)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.c", imported="a.d")
    assert _cycles(graph) == [["a.b", "a.c"]]


def test_no_import_cycles() -> None:
    # Every import counts: module level, inside functions and under TYPE_CHECKING.
    assert _cycles(grimp.build_graph("datatrail")) == []


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("datatrail"):
            found.extend(f"{path.relative_to(SRC.parent)}:{node.lineno} {node.module}.{a.name}"
                         for a in node.names if a.name.startswith("_") and not a.name.startswith("__"))
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    assert [hit for path in sorted(SRC.rglob("*.py")) for hit in _private_imports(path)] == []


def test_every_test_file_sits_at_the_path_of_a_module_it_tests() -> None:
    """tests/<folder>/test_<module>[_<aspect>].py tests src/datatrail/<folder>/<module>(.py or a package)."""
    subjects = {p.relative_to(SRC).with_suffix("") for p in SRC.rglob("*.py") if p.name != "__init__.py"}
    subjects |= {p.relative_to(SRC).parent for p in SRC.rglob("__init__.py")}
    strays = []
    for test in sorted(TESTS.rglob("test_*.py")):
        rel = test.relative_to(TESTS)
        words = rel.stem.removeprefix("test_").split("_")
        if rel.parent == Path(".") and rel.stem in ("test_public_api", "test_layout", "test_fuzz"):
            continue  # the package itself: its public names, its house plan, its fuzz harnesses (fuzz/)
        if not any(rel.parent / "_".join(words[:n]) in subjects for n in range(1, len(words) + 1)):
            strays.append(str(rel))
    assert strays == []


def test_test_files_share_helpers_through_tests_support_only() -> None:
    borrowed = []
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests.") \
                    and not (node.module or "").startswith("tests.support"):
                borrowed.append(f"{path.relative_to(TESTS)}:{node.lineno} {node.module}")
    assert borrowed == []


_RUNS = {"run", "check_output", "check_call", "call", "Popen"}


def _unchecked_programs(source: str, where: str) -> list[str]:
    """Programs a test module runs by a literal name without first asking whether they are
    installed (``shutil.which("x")`` or ``oracle("x")`` in the same module): on a machine
    without them such a test errors instead of skipping."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RUNS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "subprocess" and node.args):
            continue
        argv = node.args[0]
        first = argv.elts[0] if isinstance(argv, (ast.List, ast.Tuple)) and argv.elts else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            name = first.value
            if f'which("{name}")' not in source and f'oracle("{name}")' not in source:
                found.append(f"{where}:{node.lineno} runs {name}")
    return found


def test_every_outside_program_a_test_runs_is_checked_for_first() -> None:
    hits = [hit for path in sorted(TESTS.rglob("*.py")) for hit in _unchecked_programs(path.read_text(), str(path.relative_to(TESTS)))]
    assert hits == []


def test_the_unchecked_program_finder_finds_one() -> None:
    source = 'import subprocess\n\ndef test_x():\n    subprocess.run(["dexdump", "-d", "a.dex"])\n'
    assert _unchecked_programs(source, "t.py") == ["t.py:4 runs dexdump"]
    assert _unchecked_programs(source.replace("def test_x", "oracle(\"dexdump\")\ndef test_x"), "t.py") == []
