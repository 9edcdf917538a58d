"""`nbgrader validate`, what a student runs before handing in, shows a test's whole diagnosis."""
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder import course

NBGRADER = str(Path(sys.executable).parent / "nbgrader")


def notebook_with_a_planted_bug():
    """An exercise whose answer flips the sign, and a test cell calling emolib.checks with a long name."""
    def cell(source, **nbgrader):
        made = nbformat.v4.new_code_cell(source)
        made.metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": False, "locked": True,
                                     **nbgrader}
        return made

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        cell("import numpy as np\nfrom emolib import checks", grade_id="setup"),
        cell("def double(x):\n    return -2 * x", grade_id="double", solution=True, locked=False),
        cell("x = np.arange(1.0, 7.0).reshape(2, 3)\n"
             "checks.assert_close(double(x), 2 * x, 'double(x) of a long and carefully described test case',\n"
             "                    case={'N': 2, 'D': 3})", grade_id="test_double", grade=True, points=1),
        cell("np.ones((20, 30, 4)) + np.ones((4, 30, 20))  # an error NumPy raises in the student's own code",
             grade_id="test_broadcast", grade=True, points=1),
    ]
    return notebook


def test_validate_shows_the_whole_diagnosis(tmp_path):
    path = tmp_path / "planted.ipynb"
    nbformat.write(notebook_with_a_planted_bug(), path)
    result = subprocess.run([NBGRADER, "validate", str(path)], capture_output=True, text=True, timeout=300,
                            cwd=course.COURSE_ROOT)
    assert "VALIDATION FAILED ON 2 CELL(S)" in result.stdout, result.stdout + result.stderr
    shown = " ".join(result.stdout.split())
    assert ("AssertionError: double(x) of a long and carefully described test case is wrong: it is the "
            "reference with the sign flipped (a minus sign too many or missing). Test case: N=2, D=3. 6 of 6 "
            "values are wrong; the first at (0, 0): you give -2, the reference is 2; the largest error, 24, "
            "at (1, 2): you give -12, the reference is 12.") in shown
    assert "ValueError: operands could not be broadcast together with shapes (20,30,4) (4,30,20)" in shown
    assert "..." not in result.stdout.split("AssertionError: double(x)")[1].split("\n\n")[0]
