"""The class of submissions graded end to end through nbgrader for each lesson (the ``graded`` fixture of
conftest.py): its own module, so that the worker processes that grade it can import it."""
import dataclasses

import nbformat

from autograder import course
from autograder.grade import course_limits, grade
from autograder.mutants import Mutant, apply, catalogue, sample_class, write_class

# A correct sigmoid that writes to stderr on every call, the way library warnings do.
STDERR_PRINT = Mutant(
    "correct answer that prints to stderr", "sigmoid",
    "z = np.asarray(z, dtype=np.float64)",
    "import sys, warnings\n    print('note: computing a sigmoid', file=sys.stderr)\n"
    "    warnings.warn('a harmless warning')\n    z = np.asarray(z, dtype=np.float64)")
# A correct sigmoid that imports Keras (TensorFlow) and runs jieba when the test cell calls it.
NOISY_LIBRARIES = Mutant(
    "correct answer that uses Keras and jieba", "sigmoid",
    "z = np.asarray(z, dtype=np.float64)",
    "import keras, jieba\n    jieba.lcut('这家酒店的服务非常好')\n    keras.ops.convert_to_numpy(keras.ops.sigmoid(0.0))\n"
    "    z = np.asarray(z, dtype=np.float64)")
CORRECT_BUT_NOISY = (STDERR_PRINT, NOISY_LIBRARIES)


def graded_demo(assignment_id):
    """The demo mutant graded end to end in the suite: of the lesson's two, the one planted in the earlier
    exercise, whose grading stops at the earlier failed test (the other is judged cheaply, as every
    mutant is, and `autograder demo` grades both)."""
    solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    order = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in solution.cells]
    return min((mutant for mutant in catalogue(assignment_id) if mutant.demo), key=lambda mutant: order.index(mutant.cell))


def graded_class(assignment_id):
    """The submissions graded end to end for a lesson: reference, untouched, one demo mutant and, for
    lesson 01, the correct answers that write to stderr. Every mutant is judged cheaply besides."""
    students = sample_class(assignment_id, [graded_demo(assignment_id)])
    if assignment_id == "01_softmax":
        solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
        students.update({mutant.student: apply(solution, mutant) for mutant in CORRECT_BUT_NOISY})
    return students


def grade_lesson(assignment_id, root):
    """Grade one lesson's class in its own working folder (run in a worker process)."""
    write_class(root / "inbox", assignment_id, graded_class(assignment_id))
    # A mutant is caught when a test fails; the cells after that failure need not run (they score zero
    # as "not run"). The reference and the correct answers fail no test, so they run to the end.
    limits = dataclasses.replace(course_limits(), stop_at_first_failed_test=True)
    return grade(root / "inbox", workdir=root / "work", log=lambda message: None, workers=1, limits=limits)
