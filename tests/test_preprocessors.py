"""StderrIsNotFailure: stock nbgrader zeroes a test cell with stderr output; the course's pipeline does not."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder.course import nbgrader_config
from autograder.preprocessors import StderrIsNotFailure


def grade_cell(*outputs):
    cell = new_code_cell("check()", metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                           "points": 2, "grade_id": "test_x", "schema_version": 3}})
    cell.outputs = list(outputs)
    return cell


def run(cell):
    notebook, _ = StderrIsNotFailure().preprocess(new_notebook(cells=[cell]), {})
    return notebook.cells[0]


def test_stderr_alone_keeps_the_points_and_stays_visible():
    cell = grade_cell(new_output("stream", name="stderr", text="UserWarning: careful\n"))
    assert determine_grade(cell) == (0, 2)  # what stock nbgrader does
    cell = run(cell)
    assert determine_grade(cell) == (2, 2)
    assert cell.outputs[0].text == "[stderr] UserWarning: careful\n"


def test_an_error_still_scores_zero():
    cell = run(grade_cell(new_output("stream", name="stderr", text="warning\n"),
                          new_output("error", ename="AssertionError", evalue="wrong", traceback=[])))
    assert determine_grade(cell) == (0, 2)


def test_cells_that_are_not_tests_are_left_alone():
    cell = new_code_cell("x = 1")
    cell.outputs = [new_output("stream", name="stderr", text="warning\n")]
    assert run(cell).outputs[0].name == "stderr"


def test_the_course_config_puts_it_right_after_execution():
    pipeline = [cls.__name__ for cls in nbgrader_config().Autograde.autograde_preprocessors]
    assert pipeline[:2] == ["Execute", "StderrIsNotFailure"]
    assert pipeline.index("StderrIsNotFailure") < pipeline.index("SaveAutoGrades")
