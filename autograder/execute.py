"""``python -m autograder execute [LESSON ...] [--full]``: run solution notebooks top to bottom, as a
self-study reader sees them, save the executed copies and print what they printed.

``--full`` uses the whole datasets (the results quoted in the lessons' text); without it the notebooks
run in fast mode, as under grading. Executed notebooks go to ``work/executed/``, each recording in its
metadata (``EXECUTED_KEY``) the mode it ran in and a digest of the solution it ran, so that a reader of
it (the site) can tell whether it is still what the solution makes.
"""
import hashlib
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from . import course


@contextmanager
def environment(**values):
    """Set environment variables for the kernels started inside the block, then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


EXECUTED_KEY = "emotion_course_execution"


def mode_name(full):
    return "full" if full else "fast"


def solution_digest(notebook):
    """A hash of a notebook's cells' types and sources: equal for a solution and its executed copies
    as long as the solution's text has not changed."""
    cells = [[cell.cell_type, cell.source] for cell in notebook.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def execution_record(notebook):
    """What ``execute`` recorded in an executed notebook: {"mode": "fast" | "full", "solution_digest": ...},
    or {} for a notebook it did not write."""
    return dict(notebook.metadata.get(EXECUTED_KEY, {}))


def execute(assignment_id, full=False, output_dir=None, timeout=600):
    """Execute a solution notebook; returns (seconds, executed notebook). Raises on a failing cell."""
    notebook = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    notebook.metadata[EXECUTED_KEY] = {"mode": mode_name(full), "solution_digest": solution_digest(notebook)}
    client = NotebookClient(notebook, timeout=None if full else timeout, kernel_name="python3",
                            extra_arguments=list(course.nbgrader_config().Execute.extra_arguments),
                            resources={"metadata": {"path": str(course.solution_notebook(assignment_id).parent)}})
    start = time.perf_counter()
    with environment(EMOLIB_FAST="0" if full else "1"):
        client.execute()
    seconds = time.perf_counter() - start
    if output_dir is not None:
        output_dir = Path(output_dir)
        output_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, output_dir / f"{assignment_id}.ipynb")
    return seconds, notebook


def printed_text(notebook):
    """Everything the notebook's code cells printed on stdout, in order."""
    return "".join(output.text for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs if output.output_type == "stream" and output.name == "stdout")
