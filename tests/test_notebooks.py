"""The solution notebooks run top to bottom, and nbgrader's validate gives students a clear verdict."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import course
from autograder.execute import execute, printed_text
from realdata import lessons_under_test, needs_real_imdb

pytestmark = [pytest.mark.notebooks, needs_real_imdb]

NBGRADER = str(Path(sys.executable).parent / "nbgrader")


@pytest.mark.parametrize("assignment_id", lessons_under_test())
def test_solution_notebook_runs_top_to_bottom_in_fast_mode(assignment_id):
    seconds, notebook = execute(assignment_id)
    errors = [cell.id for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"]
    assert errors == []
    assert "fast mode" in printed_text(notebook)
    plots = [output for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs if "image/png" in output.get("data", {})]
    assert plots, "a lesson teaches with at least one plot, and the executed copy must show it"


@pytest.mark.skipif("01_softmax" not in lessons_under_test(), reason="COURSE_LESSONS leaves out lesson 01")
def test_lesson_01_learns_what_its_text_says():
    _, notebook = execute("01_softmax")
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", printed_text(notebook)).group(1))
    # The lesson's text promises about 0.83 in fast mode (1,800 training reviews).
    assert 0.80 <= accuracy <= 0.86


def validate(notebook):
    return subprocess.run([NBGRADER, "validate", str(notebook)], capture_output=True, text=True, timeout=600,
                          cwd=course.COURSE_ROOT)


@pytest.mark.parametrize("assignment_id", lessons_under_test())
def test_validate_passes_the_solution_and_names_the_failing_cells_of_the_blank_version(assignment_id):
    solved = validate(course.solution_notebook(assignment_id))
    assert "Success! Your notebook passes all the tests." in solved.stdout, solved.stdout + solved.stderr
    blank = validate(course.release_notebook(assignment_id))
    assert "VALIDATION FAILED" in blank.stdout
    assert "NotImplementedError" in blank.stdout
