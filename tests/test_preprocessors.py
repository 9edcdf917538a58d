"""StderrIsNotFailure: stock nbgrader zeroes a test cell with stderr output; the course's pipeline does not.
HideHiddenTests: the feedback keeps a failure's message but not the hidden tests' code."""
from nbformat.v4 import new_code_cell, new_notebook, new_output
from nbgrader.utils import determine_grade

from autograder.course import nbgrader_config
from autograder.preprocessors import HideHiddenTests, StderrIsNotFailure


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
    assert pipeline[:2] == ["SandboxedExecute", "StderrIsNotFailure"]
    assert pipeline.index("StderrIsNotFailure") < pipeline.index("SaveAutoGrades")


def test_feedback_shows_the_message_of_a_hidden_test_but_not_its_code():
    cell = grade_cell(new_output("error", ename="AssertionError", evalue="sigmoid on shape (7,) is wrong",
                                 traceback=["----> 3 checks.assert_close(sigmoid(z), secret_reference(z))", "..."]))
    cell.source = ("checks.assert_close(sigmoid(1.0), 0.73, 'visible')\n"
                   "### BEGIN HIDDEN TESTS\nz = rng.normal(size=7)\nchecks.assert_close(sigmoid(z), secret_reference(z))\n"
                   "### END HIDDEN TESTS\nprint('done')\n")
    notebook, _ = HideHiddenTests().preprocess(new_notebook(cells=[cell]), {})
    shown = notebook.cells[0]
    assert shown.source == ("checks.assert_close(sigmoid(1.0), 0.73, 'visible')\n"
                            "# (hidden tests: not shown)\nprint('done')\n")
    assert shown.outputs[0].traceback == ["AssertionError: sigmoid on shape (7,) is wrong"]
    pipeline = [cls.__name__ for cls in nbgrader_config().GenerateFeedback.preprocessors]
    assert "HideHiddenTests" in pipeline
