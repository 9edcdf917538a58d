"""Lessons 04 and 05 together: lesson 05's locked reference layers are lesson 04's solutions, word for
word, and lesson 05's model learns in fast mode what its text says."""
import re

import pytest

from autograder import course
from autograder.build import notebook_from_source
from realdata import needs_real_imdb

LESSON_04_CODE_IN_LESSON_05 = ["provided_sigmoid", "gru_step_forward", "gru_step_backward", "gru_forward",
                               "gru_backward", "clip_by_global_norm"]


def cell_source(assignment_id, grade_id):
    """The source of a lesson's cell, with the solution markers (not the solution) removed."""
    notebook = notebook_from_source(course.source_script(assignment_id))
    cell = next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return re.sub(r"^ *### (BEGIN|END) SOLUTION\n?", "", cell.source, flags=re.M).strip()


@pytest.mark.parametrize("grade_id", LESSON_04_CODE_IN_LESSON_05)
def test_lesson_05_gives_lesson_04s_solution_unchanged(grade_id):
    assert cell_source("04_gru", grade_id) in cell_source("05_sentiment_from_scratch", "provided_lesson_04")


@pytest.mark.notebooks
@needs_real_imdb
def test_lesson_05_learns_what_its_text_says(reference_printed):
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", reference_printed("05_sentiment_from_scratch")).group(1))
    # The lesson's text quotes 0.729 in fast mode (1,800 training reviews, 2 epochs).
    assert 0.69 <= accuracy <= 0.77
