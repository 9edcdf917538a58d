"""Session fixtures that execute notebooks once for every test that reads them.

``graded``: for every lesson under test, a small class graded end to end through nbgrader (the
reference, the untouched student version, the two demo mutants, and lesson 01's correct but noisy
answers). The tests of grading read its scores, and the lessons' tests read what the reference printed
there, so no solution notebook is executed twice for the same purpose.

``judged``: every mutant and correct alternative of every lesson under test, judged in one kernel per
lesson (``autograder.mutation``).
"""
import dataclasses
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.execute import printed_text
from autograder.grade import course_limits, grade
from autograder.mutants import Mutant, apply, catalogue, sample_class, write_class
from realdata import lessons_under_test

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


def graded_class(assignment_id):
    """The submissions graded end to end for a lesson: reference, untouched, the demo mutants and, for
    lesson 01, the correct answers that write to stderr. Every other mutant is judged cheaply."""
    students = sample_class(assignment_id, [mutant for mutant in catalogue(assignment_id) if mutant.demo])
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


@dataclass
class Graded:
    table: dict      # {student: {test: (score, max_score)}}
    scores: list     # the TestScore rows
    workdir: Path    # where grading wrote its files

    def autograded(self, student, assignment_id):
        """The notebook as nbgrader executed and scored it for that student."""
        return nbformat.read(self.workdir / "autograded" / student / assignment_id / f"{assignment_id}.ipynb",
                             as_version=4)


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """{assignment id: Graded} for every lesson under test; lessons are graded in parallel, one worker
    per core, each in its own folder."""
    roots = {assignment_id: tmp_path_factory.mktemp(assignment_id) for assignment_id in lessons_under_test()}
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {assignment_id: pool.submit(grade_lesson, assignment_id, root) for assignment_id, root in roots.items()}
        results = {assignment_id: future.result() for assignment_id, future in futures.items()}
    graded = {}
    for assignment_id, (scores, attention) in results.items():
        assert attention == {}, f"submissions that were not graded normally: {attention}"
        table = {}
        for row in scores:
            table.setdefault(row.student, {})[row.test] = (row.score, row.max_score)
        graded[assignment_id] = Graded(table, scores, roots[assignment_id] / "work")
    return graded


@pytest.fixture(scope="session")
def reference_printed(graded):
    """``reference_printed(assignment_id)``: what the reference solution printed on stdout when it was
    graded (fast mode, top to bottom: the run the text's fast-mode numbers describe)."""
    def printed(assignment_id):
        if assignment_id not in graded:
            pytest.skip(f"COURSE_LESSONS leaves out {assignment_id}")
        return printed_text(graded[assignment_id].autograded("reference", assignment_id))
    return printed


@pytest.fixture(scope="session")
def judged():
    """{assignment id: LessonJudgement}: every mutant and correct alternative of the lessons under test,
    judged in one kernel per lesson, one lesson per core."""
    from autograder.mutation import judge_lessons

    return judge_lessons(lessons_under_test())
