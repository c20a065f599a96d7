"""Plant a catalogued mistake (grading/mistakes/) where the visible checks meet it.

A library mistake goes into the reference mytorch of this process: the edited file's source is
run again as a fresh module, and every function or method whose code the edit changed replaces
the reference's (pytest's monkeypatch undoes it after the test). A notebook mistake goes into the
solution cells of the chapter's source notebook, which run - after the imports, functions and
classes of its other code cells, nothing else - into a namespace that hands the exercise's
function to its visible check as the notebook's check cell does. Either way the visible check
meets exactly the mistake the grader's sample student carries.
"""

import ast
import importlib
import json
import linecache
import re
import types
from collections import defaultdict
from pathlib import Path

from grading.mistakes import NOTEBOOK

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
LIBRARY = SOLUTIONS / "mytorch"


def library_mistakes(mistakes):
    return [m for m in mistakes if all(where != NOTEBOOK for where, _, _ in m.edits)]


def notebook_mistakes(mistakes):
    return [m for m in mistakes if all(where == NOTEBOOK for where, _, _ in m.edits)]


def _same(a, b):
    return (a.__code__.co_code, a.__code__.co_consts, a.__code__.co_names) == (
        b.__code__.co_code,
        b.__code__.co_consts,
        b.__code__.co_names,
    )


def _changed(old, new):
    """[(owner attribute name, new function)] of the functions of `old` whose code `new` changed."""
    return [
        (name, fn)
        for name, fn in vars(new).items()
        if isinstance(fn, types.FunctionType) and not (name in vars(old) and _same(vars(old)[name], fn))
    ]


def _rebound(fn, cls):
    """fn with its zero-argument super() bound to `cls` (the reference's class), not the fresh copy."""
    if "__class__" not in fn.__code__.co_freevars:
        return fn
    cells = tuple(
        types.CellType(cls) if name == "__class__" else cell
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__)
    )
    return types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, cells)


def plant(monkeypatch, mistake):
    """Apply the mistake's edits to the imported reference library; returns the names swapped."""
    edits = defaultdict(list)
    for where, old, new in mistake.edits:
        edits[where].append((old, new))
    swapped = []
    for where, pairs in edits.items():
        path = LIBRARY / where
        text = path.read_text()
        for old, new in pairs:
            assert text.count(old) == 1, f"{mistake.key}: {old!r} occurs {text.count(old)} times in {where}"
            text = text.replace(old, new)
        name = "mytorch." + where.removesuffix(".py").replace("/", ".")
        module = importlib.import_module(name)
        fresh = types.ModuleType(name)
        fresh.__package__, fresh.__file__ = name.rpartition(".")[0], str(path)
        exec(compile(text, str(path), "exec"), fresh.__dict__)
        for attribute, fn in _changed(module, fresh):
            monkeypatch.setattr(module, attribute, fn)
            swapped.append(attribute)
        for cls_name, cls in vars(module).items():
            if isinstance(cls, type) and cls.__module__ == name:
                for attribute, fn in _changed(cls, vars(fresh)[cls_name]):
                    monkeypatch.setattr(cls, attribute, _rebound(fn, cls))
                    swapped.append(f"{cls_name}.{attribute}")
    assert swapped, f"{mistake.key}: the edit changed no function"
    return swapped


def _solution(cell):
    return cell["cell_type"] == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")


def plant_notebook(chapter, mistake, check):
    """{argument: function} for the visible check `check` from the chapter's solution cells with
    the mistake planted (each planted text must occur once, in one cell)."""
    import mytorch

    cells = json.loads((SOLUTIONS / chapter / f"{chapter}.ipynb").read_text())["cells"]
    solutions = ["".join(c["source"]) for c in cells if _solution(c)]
    for _, old, new in mistake.edits:
        hits = [i for i, text in enumerate(solutions) if old in text]
        assert len(hits) == 1 and solutions[hits[0]].count(old) == 1, f"{mistake.key}: {old!r}"
        solutions[hits[0]] = solutions[hits[0]].replace(old, new)
    namespace = {"mytorch": mytorch}  # the setup cell imports it after finding the course folder
    for cell in cells:
        if cell["cell_type"] == "code" and not _solution(cell):
            try:
                body = ast.parse("".join(cell["source"])).body
            except SyntaxError:  # a cell of IPython magics
                continue
            for node in body:
                if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                    try:
                        exec(compile(ast.Module([node], []), "<definitions>", "exec"), namespace)
                    except ImportError:  # the course's own helpers (assets/), not needed by the checks
                        pass
    for i, text in enumerate(solutions):
        name = f"<{chapter} solution cell {i}, {mistake.key}>"
        linecache.cache[name] = (len(text), None, text.splitlines(keepends=True), name)  # inspect reads it
        exec(compile(text, name, "exec"), namespace)
    call = re.search(
        r'check\("%s"((?:, \w+=\w+)*)\)' % re.escape(check), "\n".join("".join(c["source"]) for c in cells)
    )
    assert call, f"no check({check!r}, ...) cell in solutions/{chapter}/{chapter}.ipynb"
    return {argument: namespace[value] for argument, value in re.findall(r"(\w+)=(\w+)", call.group(1))}
