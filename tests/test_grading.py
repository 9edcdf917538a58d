"""Grading through nbgrader's own API: the reference gets full marks, the untouched student version
zero, every mutant of the catalogue loses points, and warnings on stderr cost a correct answer nothing.

One class of submissions per lesson is graded once (module fixture) and the tests read its scores.
"""
import csv
import dataclasses
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder import course
from autograder.grade import course_limits, find_submissions, grade
from autograder.mutants import apply, catalogue, sample_class, summarize, write_class, Mutant
from realdata import lessons_under_test, needs_real_imdb

pytestmark = [pytest.mark.notebooks, needs_real_imdb]

LESSONS = lessons_under_test()

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


def grade_lesson(assignment_id, root):
    """Grade the sample class of one lesson in its own working folder (run in a worker process)."""
    students = sample_class(assignment_id, catalogue(assignment_id))
    if assignment_id == "01_softmax":
        solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
        students.update({mutant.student: apply(solution, mutant) for mutant in CORRECT_BUT_NOISY})
    write_class(root / "inbox", assignment_id, students)
    # A mutant is caught when a test fails; the cells after that failure need not run (they score zero
    # as "not run"). The reference and the correct answers fail no test, so they run to the end.
    limits = dataclasses.replace(course_limits(), stop_at_first_failed_test=True)
    return grade(root / "inbox", workdir=root / "work", log=lambda message: None, workers=1, limits=limits)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade, for every lesson, the reference, the untouched version, every mutant and (lesson 01) the
    noisy correct answers; lessons are graded in parallel, one worker per core, each in its own folder.

    Returns {assignment id: Graded}.
    """
    roots = {assignment_id: tmp_path_factory.mktemp(assignment_id) for assignment_id in LESSONS}
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


@dataclass
class Graded:
    table: dict      # {student: {test: (score, max_score)}}
    scores: list     # the TestScore rows
    workdir: Path    # where grading wrote its files


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_reference_solution_gets_full_marks(graded, assignment_id):
    tests = graded[assignment_id].table["reference"]
    assert tests, "no test cells were graded"
    assert {test: score for test, (score, max_score) in tests.items() if score != max_score} == {}


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_reference_runs_top_to_bottom_in_fast_mode_and_shows_its_plots(graded, assignment_id):
    """What the grader executed for the reference: every cell ran without an error, in fast mode, and
    the plots are there (a lesson teaches with at least one)."""
    notebook = nbformat.read(graded[assignment_id].workdir / "autograded" / "reference" / assignment_id /
                             f"{assignment_id}.ipynb", as_version=4)
    outputs = [(cell.get("id"), output) for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert [cell_id for cell_id, output in outputs if output.output_type == "error"] == []
    assert "fast mode" in "".join(output.get("text", "") for _, output in outputs if output.output_type == "stream")
    assert any("image/png" in output.get("data", {}) for _, output in outputs)


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_untouched_student_version_gets_zero_on_every_test(graded, assignment_id):
    tests = graded[assignment_id].table["untouched"]
    assert len(tests) == len(graded[assignment_id].table["reference"])
    assert {test: score for test, (score, _) in tests.items() if score != 0} == {}


MUTANTS = [(assignment_id, mutant) for assignment_id in LESSONS for mutant in catalogue(assignment_id)]


@pytest.mark.parametrize("assignment_id, mutant", MUTANTS, ids=[f"{a}:{m.student}" for a, m in MUTANTS])
def test_mutant_loses_points(graded, assignment_id, mutant):
    tests = graded[assignment_id].table[mutant.student]
    assert sum(score for score, _ in tests.values()) < sum(max_score for _, max_score in tests.values()), (
        f"the tests of {assignment_id} give full marks to the mutant: {mutant.name}")


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_mutant_catalogue_is_large_and_fully_caught(graded, assignment_id, capsys):
    mutants = catalogue(assignment_id)
    results = summarize(graded[assignment_id].scores, assignment_id, mutants)
    caught = sum(result.caught for result in results)
    with capsys.disabled():
        print(f"\n{assignment_id}: mutants caught {caught}/{len(results)} ({caught / len(results):.0%})")
    assert len(mutants) >= 8
    assert caught == len(results)


@pytest.mark.parametrize("mutant", CORRECT_BUT_NOISY, ids=lambda mutant: mutant.student)
def test_correct_answer_that_writes_to_stderr_keeps_full_marks(graded, mutant):
    if "01_softmax" not in graded:
        pytest.skip("COURSE_LESSONS leaves out lesson 01, where these answers are graded")
    tests = graded["01_softmax"].table[mutant.student]
    workdir = graded["01_softmax"].workdir
    assert {test: score for test, (score, max_score) in tests.items() if score != max_score} == {}
    # ... and the stderr output really was there, in the graded test cell.
    autograded = nbformat.read(workdir / "autograded" / mutant.student / "01_softmax" / "01_softmax.ipynb", as_version=4)
    test_cell = next(cell for cell in autograded.cells if cell.get("id") == "test_sigmoid")
    printed = "".join(output.get("text", "") for output in test_cell.outputs)
    assert ("note: computing a sigmoid" in printed) if mutant is STDERR_PRINT else ("sigmoid" in printed)


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_grades_csv_scores_csv_and_feedback_are_written(graded, assignment_id):
    table, workdir = graded[assignment_id].table, graded[assignment_id].workdir
    with open(workdir / "grades.csv", newline="") as handle:
        grades = {row["student"]: row for row in csv.DictReader(handle)}
    full = sum(max_score for _, max_score in table["reference"].values())
    assert float(grades["reference"][assignment_id]) == full
    assert float(grades["untouched"][assignment_id]) == 0
    with open(workdir / "scores.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == sum(len(tests) for tests in table.values())
    for student in table:
        feedback = workdir / "feedback" / student / assignment_id / f"{assignment_id}.html"
        assert feedback.is_file() and feedback.stat().st_size > 1000, feedback


def test_find_submissions_reads_both_layouts(tmp_path):
    nbgrader_layout = tmp_path / "nbgrader"
    (nbgrader_layout / "ada" / "01_softmax").mkdir(parents=True)
    (nbgrader_layout / "ada" / "01_softmax" / "01_softmax.ipynb").write_text("{}")
    (nbgrader_layout / "ben" / "99_unknown").mkdir(parents=True)
    (nbgrader_layout / "ben" / "99_unknown" / "99_unknown.ipynb").write_text("{}")
    found = find_submissions(nbgrader_layout, ["01_softmax"]).submissions
    # ben handed in nothing for the lesson graded: a row of zeros, not a student who vanishes.
    assert [(s.student, s.assignment, s.notebook is not None) for s in found] == [
        ("ada", "01_softmax", True), ("ben", "01_softmax", False)]

    flat = tmp_path / "flat"
    flat.mkdir()
    for name in ("li_wei_01_softmax.ipynb", "ada_01_softmax.ipynb", "notes.txt", "_01_softmax.ipynb"):
        (flat / name).write_text("{}")
    found = find_submissions(flat, ["01_softmax"]).submissions
    assert [(s.student, s.assignment) for s in found] == [("ada", "01_softmax"), ("li_wei", "01_softmax")]


def test_grading_an_empty_folder_says_what_it_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="<student>_<assignment>.ipynb"):
        grade(tmp_path, workdir=tmp_path / "work")


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_every_lesson_has_two_demo_students(assignment_id):
    assert sum(mutant.demo for mutant in catalogue(assignment_id)) == 2


def test_demo_command_prints_the_score_table(tmp_path):
    """The README's main job, end to end through the command line. It is run on the first and the last
    lesson: every lesson's demo students are graded with the mutants above, and grading all of them
    again here would double the suite's time."""
    demo_lessons = [LESSONS[0], LESSONS[-1]]
    result = subprocess.run([sys.executable, "-m", "autograder", "demo", *demo_lessons, "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=900, cwd=course.COURSE_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for assignment_id in demo_lessons:
        first = lines.index(assignment_id) + 2  # the table's title, then its header
        last = next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))
        table = "\n".join(lines[first:last])
        totals = {line.split()[0]: line.split()[-1] for line in lines[first:last]}
        assert totals["reference"] == totals["(max)"] and totals["untouched"] == "0", table
        bugs = [total for student, total in totals.items() if student.startswith("bug-")]
        assert len(bugs) == 2 and all(0 < float(total) < float(totals["(max)"]) for total in bugs), table
    assert (tmp_path / "grades.csv").is_file()
    assert not (tmp_path / "replaced").exists(), "the demo must not touch lessons/"


def test_commands_refuse_an_unknown_lesson_and_list_the_real_ones():
    result = subprocess.run([sys.executable, "-m", "autograder", "demo", "99_nonexistent"],
                            capture_output=True, text=True, timeout=120, cwd=course.COURSE_ROOT)
    assert result.returncode == 2
    assert "no such lesson: 99_nonexistent (the lessons are 01_softmax" in result.stderr


def test_mutation_grading_stops_at_the_first_failed_test_and_says_so(graded):
    if "01_softmax" not in graded:
        pytest.skip("COURSE_LESSONS leaves out lesson 01")
    tests = graded["01_softmax"].table["bug-softmax-without-the-max-shift"]
    names = list(tests)
    first_failure = names.index("test_softmax")
    assert all(tests[name][0] == tests[name][1] for name in names[:first_failure]), tests
    assert all(tests[name][0] == 0 for name in names[first_failure:]), tests
    autograded = nbformat.read(graded["01_softmax"].workdir / "autograded" / "bug-softmax-without-the-max-shift" /
                               "01_softmax" / "01_softmax.ipynb", as_version=4)
    last_test = next(cell for cell in reversed(autograded.cells) if cell.metadata.get("nbgrader", {}).get("grade"))
    assert "not run: grading stopped at the first failed test" in str(last_test.outputs)
