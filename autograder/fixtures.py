"""Reference outputs for the visible tests, computed by running the solutions (never written by hand).

A lesson that has visible reference cases keeps a ``fixtures.py`` beside its source, defining

    SEED = 101
    def cases(solution, rng):
        x = rng.normal(size=(4, 5))
        yield "softmax", {"x": x}, {"out": solution.softmax(x)}

where ``solution`` holds the lesson's exercise functions as the solution defines them: the build runs
the notebook's setup cells (tagged ``setup``) and every exercise cell, nothing else, so a fixture never
waits for a training run.
"""
import contextlib
import importlib.util
import io
import types

import numpy as np

from emolib.checks import Case

from . import course


def exercise_namespace(notebook):
    """Run the setup cells and the exercise (solution) cells of a notebook; return what they define."""
    namespace = {"__name__": "solution"}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        is_setup = "setup" in cell.metadata.get("tags", [])
        is_exercise = cell.metadata.get("nbgrader", {}).get("solution", False)
        if is_setup or is_exercise:
            with contextlib.redirect_stdout(io.StringIO()):  # what a setup cell prints is for students
                exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)
    return types.SimpleNamespace(**namespace)


def load_spec(assignment_id):
    path = course.SOLUTIONS / assignment_id / "fixtures.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"fixtures_{assignment_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_fixture(assignment_id, notebook):
    """{case name: Case} for a lesson, or None when it has no fixtures.py."""
    spec = load_spec(assignment_id)
    if spec is None:
        return None
    solution = exercise_namespace(notebook)
    rng = np.random.default_rng(spec.SEED)
    cases = {}
    for name, inputs, outputs in spec.cases(solution, rng):
        if name in cases:
            raise ValueError(f"{assignment_id}/fixtures.py yields the case {name!r} twice")
        cases[name] = Case(inputs=inputs, outputs=outputs)
    return cases
