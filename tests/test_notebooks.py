"""`autograder execute` runs a solution notebook, and nbgrader's validate gives students a clear verdict."""
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.execute import execute, execution_record, printed_text, solution_digest
from realdata import lessons_under_test, needs_real_imdb

pytestmark = [pytest.mark.notebooks, needs_real_imdb]

NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def test_execute_runs_a_solution_notebook_in_fast_mode_and_keeps_its_plots(tmp_path):
    """`autograder execute` (the reader's and the benchmark's way to run a lesson). Every lesson's
    solution also runs top to bottom when it is graded: see test_grading.py."""
    seconds, notebook = execute("01_softmax", output_dir=tmp_path)
    assert (tmp_path / "01_softmax.ipynb").is_file() and seconds > 0
    # what the site reads to tell whether the copy is current, and which data its outputs come from
    solution = nbformat.read(course.solution_notebook("01_softmax"), as_version=4)
    saved = nbformat.read(tmp_path / "01_softmax.ipynb", as_version=4)
    assert execution_record(saved) == {"mode": "fast", "solution_digest": solution_digest(solution)}
    assert "fast mode" in printed_text(notebook)
    assert any("image/png" in output.get("data", {}) for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs)
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", printed_text(notebook)).group(1))
    # The lesson's text promises about 0.83 in fast mode (1,800 training reviews).
    assert 0.80 <= accuracy <= 0.86


def validate(notebook):
    return subprocess.run([NBGRADER, "validate", str(notebook)], capture_output=True, text=True, timeout=600,
                          cwd=course.COURSE_ROOT)


def test_validate_passes_the_solution_and_names_the_failing_cells_of_the_blank_version():
    """What students run, end to end through nbgrader's command, on the first lesson under test. For
    every lesson, that the solution passes every test in fast mode (validate's mode too) within the same
    time per cell, and that the blank version fails each one, is proven by grading (tests/test_grading.py:
    the reference gets full marks, the untouched version zero on every test); validate adds its verdict's
    wording, the same for every lesson."""
    assignment_id = lessons_under_test()[0]
    solved = validate(course.solution_notebook(assignment_id))
    assert "Success! Your notebook passes all the tests." in solved.stdout, solved.stdout + solved.stderr
    blank = validate(course.release_notebook(assignment_id))
    assert "VALIDATION FAILED" in blank.stdout
    assert "NotImplementedError" in blank.stdout
