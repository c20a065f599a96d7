"""Plant a catalogued library mistake (grading/mistakes/) into the reference mytorch of this process.

The edited file's source is run again as a fresh module, and every function or method whose code
the edit changed replaces the reference's (pytest's monkeypatch undoes it after the test), so the
visible checks, which import mytorch, meet exactly the mistake the grader's sample student carries.
"""

import importlib
import types
from collections import defaultdict
from pathlib import Path

from grading.mistakes import NOTEBOOK

LIBRARY = Path(__file__).resolve().parents[1] / "solutions" / "mytorch"


def library_mistakes(mistakes):
    return [m for m in mistakes if all(where != NOTEBOOK for where, _, _ in m.edits)]


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
