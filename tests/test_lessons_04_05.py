"""Lessons 04 and 05 together: lesson 05's locked reference layers are lesson 04's solutions, word for
word, and both lessons' models learn in fast mode what their text says."""
import re

import pytest

from autograder import course
from autograder.build import notebook_from_source
from realdata import lesson_text, needs_real_imdb

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


def mean_update_after_words(printed, list_name):
    """The mean update gates lesson 04 prints after the words of one list ("overwrites" or "keeps"), in order."""
    line = re.search(rf"{list_name} most after:(.*)", printed).group(1)
    return [float(value) for value in re.findall(r"\(([0-9.]+)\)", line)]


@pytest.mark.notebooks
@needs_real_imdb
def test_lesson_04_gates_show_in_fast_mode_what_its_text_says(reference_printed):
    printed = reference_printed("04_gru")
    text = " ".join(lesson_text("04_gru").split())
    fast_text = text[text.index("Fast mode (what nbgrader runs)"):]
    # Training on a CPU is repeatable up to the last bits of float sums: allow a little.
    quoted_accuracy = re.search(r"test accuracy of ([0-9.]+) on 4,000 test reviews", fast_text).group(1)
    accuracy = re.search(r"test accuracy ([0-9.]+) on 4000 reviews", printed).group(1)
    assert float(accuracy) == pytest.approx(float(quoted_accuracy), abs=0.03), \
        f"the notebook prints a test accuracy of {accuracy}, the text quotes {quoted_accuracy}"
    review, label, prediction = re.search(r"review (\d+) \((\w+)\), \d+ words: your GRU predicts ([0-9.]+)",
                                          printed).groups()
    assert f"test review {review}, a {label} one" in fast_text
    assert float(prediction) < 0.22, "the text says the plotted review's prediction stays below 0.22 to the end"
    # An untrained GRU's gates sit at sigma(0) = 0.5 after every word: the word lists must spread out.
    lowest, highest = mean_update_after_words(printed, "overwrites")[0], mean_update_after_words(printed, "keeps")[-1]
    quoted_lowest, quoted_highest = re.search(
        r"overwrite most after words such as .*? \(([0-9.]+) to [0-9.]+\) and keep most after .*? \([0-9.]+ to ([0-9.]+)\)",
        fast_text).groups()
    assert highest - lowest >= 0.05, f"mean z after words spans only {lowest} to {highest}: the gates have not learnt"
    assert (lowest, highest) == pytest.approx((float(quoted_lowest), float(quoted_highest)), abs=0.03), \
        f"the notebook prints mean z from {lowest} to {highest}, the text quotes {quoted_lowest} to {quoted_highest}"
