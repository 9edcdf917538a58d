"""Runs inside the grading kernel: keeps the test cells' tools out of the student's reach.

The student's answer cells run in the same kernel as the tests, so they could make every test pass by
reassigning what the tests rely on (``np.allclose = lambda *a, **k: True``, ``builtins.abs``,
``checks.assert_close``, a module rebound under the name ``np``) or by hooking IPython so that a failing
test shows no error (a custom exception handler, an input transformer that empties the cell). The
runner calls ``install()`` before the first cell, ``after_cell()`` after every other cell, and
``restore()`` before every test cell, through the kernel's ``user_expressions`` (evaluated directly,
not through IPython's input transformers). ``restore()`` puts everything back as it was and returns a
description of each change it undid, which the grader records as tampering.

This stops reassignment and hooking, the ways found in practice. It is not a security boundary against
a student who reads this file and attacks the snapshot it keeps in the kernel's memory; the sandbox
(see ``sandbox.py``) is what protects the grader's files, and the submitted source shows such an attack.
"""
import builtins
import copy
import os
import sys
import types

# Modules whose attributes the test cells use; imported here, before any student code, from the
# interpreter's own path (never the notebook's folder, where a numpy.py could wait).
PROTECTED_MODULES = ("numpy", "numpy.linalg", "numpy.random", "emolib", "emolib.checks", "emolib.gradcheck")
# The names under which every lesson's test cells use them (the lessons' setup cells bind them, but a
# student can edit those cells): before each test they mean these modules, whatever the notebook did.
CANONICAL_NAMES = {"np": "numpy", "checks": "emolib.checks", "emolib": "emolib"}

_state = {}


def _shell():
    from IPython import get_ipython

    return get_ipython()


def install():
    """Snapshot the pristine state; called once, before any cell of the notebook runs."""
    sys.path[:] = [entry for entry in sys.path if entry not in ("", ".", os.getcwd())]
    import importlib

    modules = {name: importlib.import_module(name) for name in PROTECTED_MODULES}
    shell = _shell()
    _state.update(
        builtins=dict(vars(builtins)),
        modules=modules,
        module_dicts={name: dict(vars(module)) for name, module in modules.items()},
        sys_path=list(sys.path),
        excepthook=sys.excepthook,
        input_transformers=(list(shell.input_transformers_cleanup), list(shell.input_transformers_post)),
        ast_transformers=list(shell.ast_transformers),
        events={name: list(callbacks) for name, callbacks in shell.events.callbacks.items()},
        custom_exceptions=shell.custom_exceptions,
        showtraceback=shell.showtraceback,
        user_ns=dict(shell.user_ns),
        pinned={name: (modules[module], None) for name, module in CANONICAL_NAMES.items()},
    )
    return []


def after_cell(locked_names):
    """Pin what the tests will need again: the reference fixtures the first time they appear, and the
    modules, functions and classes a locked (instructor's) cell bound (``locked_names``). Data that an
    answer cell is meant to rebind stays the student's."""
    user_ns = _shell().user_ns
    pinned = _state["pinned"]
    for name, value in list(user_ns.items()):
        if name not in pinned and _is_fixture(value):
            pinned[name] = (value, copy.deepcopy(value))
    for name in locked_names:
        value = user_ns.get(name, _missing)
        if isinstance(value, (types.ModuleType, types.FunctionType, type)):
            pinned[name] = (value, None)
    return []


def _is_fixture(value):
    return isinstance(value, dict) and bool(value) and all(
        type(case).__module__ == "emolib.checks" for case in value.values())


def restore():
    """Undo every change to the protected state; returns what was changed, one line each."""
    changes = []
    _restore_dict(vars(builtins), _state["builtins"], "builtins", changes)
    for name, saved in _state["module_dicts"].items():
        if sys.modules.get(name) is not _state["modules"][name]:
            changes.append(f"sys.modules[{name!r}] replaced")
            sys.modules[name] = _state["modules"][name]
        _restore_dict(vars(_state["modules"][name]), saved, name, changes)
    if sys.path != _state["sys_path"]:
        sys.path[:] = _state["sys_path"]
    if sys.excepthook is not _state["excepthook"]:
        changes.append("sys.excepthook replaced")
        sys.excepthook = _state["excepthook"]
    if sys.gettrace() is not None or sys.getprofile() is not None:
        changes.append("a trace or profile function set")
        sys.settrace(None)
        sys.setprofile(None)
    changes += _restore_shell(_shell())
    changes += _restore_user_names(_shell().user_ns)
    return changes


def _restore_dict(current, saved, label, changes):
    for name, value in saved.items():
        if current.get(name, _missing) is not value:
            changes.append(f"{label}.{name} reassigned")
            current[name] = value


_missing = object()


def _restore_shell(shell):
    changes = []
    cleanup, post = _state["input_transformers"]
    if shell.input_transformers_cleanup != cleanup or shell.input_transformers_post != post:
        changes.append("IPython input transformers changed")
        shell.input_transformers_cleanup[:] = cleanup
        shell.input_transformers_post[:] = post
    if shell.ast_transformers != _state["ast_transformers"]:
        changes.append("IPython AST transformers changed")
        shell.ast_transformers[:] = _state["ast_transformers"]
    for name, callbacks in shell.events.callbacks.items():
        added = [callback for callback in callbacks
                 if callback not in _state["events"].get(name, []) and not _is_library_hook(callback)]
        if added:
            changes.append(f"IPython event {name!r} hooked")
            callbacks[:] = [callback for callback in callbacks if callback not in added]
    if shell.custom_exceptions != _state["custom_exceptions"]:
        changes.append("IPython custom exception handler set")
        shell.set_custom_exc((), None)
    if shell.showtraceback != _state["showtraceback"]:
        changes.append("IPython showtraceback replaced")
        shell.showtraceback = _state["showtraceback"]
    return changes


def _is_library_hook(callback):
    """Hooks that libraries register on their own (matplotlib's inline backend flushes figures)."""
    module = getattr(callback, "__module__", None) or type(callback).__module__
    return module.split(".")[0] in LIBRARY_HOOK_PACKAGES


LIBRARY_HOOK_PACKAGES = {"IPython", "ipykernel", "matplotlib", "matplotlib_inline"}


def _restore_user_names(user_ns):
    """Names the tests look up in the notebook's namespace: builtins and what locked cells bound."""
    changes = []
    for name in [name for name in user_ns if name in _state["builtins"] and not name.startswith("_")]:
        if user_ns[name] is not _state["builtins"][name] and user_ns[name] is not _state["user_ns"].get(name):
            changes.append(f"builtin {name!r} shadowed")
            del user_ns[name]
    if user_ns.get("__builtins__") not in (builtins, vars(builtins)):
        changes.append("__builtins__ replaced")
        user_ns["__builtins__"] = builtins
    for name, (value, pristine) in _state["pinned"].items():
        if pristine is not None:
            user_ns[name] = copy.deepcopy(pristine)  # fixtures: any in-place edit is undone silently
        elif user_ns.get(name, _missing) is not value:
            if name in user_ns:
                changes.append(f"{name!r} rebound")
            user_ns[name] = value
    return changes
