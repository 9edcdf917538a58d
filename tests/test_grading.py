"""Grading through nbgrader's own API, and the strength of the lessons' tests.

End to end through nbgrader (the ``graded`` session fixture, tests/conftest.py): per lesson the
reference gets full marks, the untouched student version zero, a demo mutant loses points, and
(lesson 01) warnings on stderr cost a correct answer nothing; grades.csv, scores.csv and feedback are
written. Every mutant of the catalogues, and every correct alternative, is judged cheaply in one kernel
per lesson (the ``judged`` fixture, autograder/mutation.py); a test checks that the cheap verdict and
nbgrader's agree on the submissions graded both ways.
"""
import csv
import re
import subprocess
import sys

import pytest

from autograder import course
from autograder.grade import find_submissions, grade
from autograder.mutants import alternatives, catalogue, summarize
from graded_class import CORRECT_BUT_NOISY, STDERR_PRINT, graded_demo
from realdata import executes_notebooks, lessons_under_test

LESSONS = lessons_under_test()


def lost_points(tests):
    """{test: score} of the tests that did not get full marks."""
    return {test: score for test, (score, max_score) in tests.items() if score != max_score}


@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_reference_solution_gets_full_marks(graded, assignment_id, capsys):
    with capsys.disabled():
        print(f"\n{assignment_id}: class graded through nbgrader in "
              + ", ".join(f"{student} {seconds:.0f} s" for student, seconds in sorted(graded[assignment_id].seconds.items())))
    tests = graded[assignment_id].table["reference"]
    assert tests, "no test cells were graded"
    assert lost_points(tests) == {}


@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_reference_runs_top_to_bottom_in_fast_mode_and_shows_its_plots(graded, assignment_id):
    """What the grader executed for the reference: every cell ran without an error, in fast mode, and
    the plots are there (a lesson teaches with at least one)."""
    notebook = graded[assignment_id].autograded("reference", assignment_id)
    outputs = [(cell.get("id"), output) for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert [cell_id for cell_id, output in outputs if output.output_type == "error"] == []
    assert "fast mode" in "".join(output.get("text", "") for _, output in outputs if output.output_type == "stream")
    assert any("image/png" in output.get("data", {}) for _, output in outputs)


@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_untouched_student_version_gets_zero_on_every_test(graded, assignment_id):
    tests = graded[assignment_id].table["untouched"]
    assert len(tests) == len(graded[assignment_id].table["reference"])
    assert {test: score for test, (score, _) in tests.items() if score != 0} == {}


@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_demo_mutant_loses_points_through_nbgrader(graded, assignment_id):
    """Read as ``mutants --nbgrader`` reads every mutant's grades (``summarize``)."""
    for result in summarize(graded[assignment_id].scores, assignment_id, [graded_demo(assignment_id)]):
        assert result.caught and result.failed_tests, (
            f"nbgrader gives full marks to the demo mutant of {assignment_id}: {result.name}")


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_every_lesson_has_two_demo_mutants(assignment_id):
    """`autograder demo` grades both; the suite grades the one in the earlier exercise end to end."""
    assert [mutant.demo for mutant in catalogue(assignment_id)].count(True) == 2


@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_cheap_verdict_agrees_with_nbgrader(graded, judged, assignment_id):
    """The submissions graded both ways: the reference (no test fails in the judge's kernel; full marks
    from nbgrader) and the demo mutant (caught by both, in the same first failed test)."""
    judgement = judged[assignment_id]
    assert judgement.reference_failures == [], "the solution fails a test in the judge's kernel"
    assert lost_points(graded[assignment_id].table["reference"]) == {}
    verdicts = {verdict.name: verdict for verdict in judgement.mutants}
    for mutant in [graded_demo(assignment_id)]:
        by_nbgrader = lost_points(graded[assignment_id].table[mutant.student])
        verdict = verdicts[mutant.name]
        assert verdict.caught and by_nbgrader, (mutant.name, verdict, by_nbgrader)
        assert verdict.failed_tests[0] == next(iter(by_nbgrader)), (
            f"{mutant.name}: the judge's first failed test is {verdict.failed_tests[0]}, nbgrader's {by_nbgrader}")


MUTANTS = [(assignment_id, mutant) for assignment_id in LESSONS for mutant in catalogue(assignment_id)]


@executes_notebooks
@pytest.mark.parametrize("assignment_id, mutant", MUTANTS, ids=[f"{a}:{m.student}" for a, m in MUTANTS])
def test_mutant_loses_points(judged, assignment_id, mutant):
    verdict = next(verdict for verdict in judged[assignment_id].mutants if verdict.name == mutant.name)
    assert not verdict.timed_out, f"the mutant {mutant.name!r} of {assignment_id} ran past its time limit in {verdict.timed_out}"
    assert verdict.caught, f"the tests of {assignment_id} give full marks to the mutant: {mutant.name}"


@executes_notebooks
@pytest.mark.parametrize("assignment_id", LESSONS)
def test_mutant_catalogue_is_large_and_fully_caught(judged, assignment_id, capsys):
    judgement = judged[assignment_id]
    caught = sum(verdict.caught for verdict in judgement.mutants)
    kept = sum(not verdict.caught for verdict in judgement.alternatives)
    with capsys.disabled():
        print(f"\n{assignment_id}: mutants caught {caught}/{len(judgement.mutants)}, correct alternatives kept "
              f"{kept}/{len(judgement.alternatives)}, judged in {judgement.seconds:.0f} s")
    assert len(judgement.mutants) == len(catalogue(assignment_id)) >= 8
    assert caught == len(judgement.mutants)


def bug_table_rows(markdown):
    """{(lesson, bug): the row's other cells}, of each message its first sentence (the test case, what is
    wrong, and the named mistake when there is one) with the numbers masked: a trained model's figures
    may differ in their last digits from one machine to another, and a mutant that ignores a seed gives
    other wrong values, with other patterns, on every run."""
    rows, lesson = {}, None
    for line in markdown.splitlines():
        if line.startswith("## "):
            lesson = line[3:].split(":")[0]
        elif line.startswith("| ") and not line.startswith(("| bug |", "| --- |")):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[lesson, cells[0]] = tuple(cells[1:3]) + (re.sub(r"-?\d[\d.e+-]*", "#", cells[3]).split(". ")[0],)
    return rows


@executes_notebooks
def test_the_table_of_bug_classes_is_what_the_tests_say(judged):
    from autograder.__main__ import bug_class_table

    committed = bug_table_rows((course.COURSE_ROOT / "docs" / "bug-classes.md").read_text())
    measured = bug_table_rows(bug_class_table(judged))
    differing = sorted(key for key in measured if committed.get(key) != measured[key])
    assert not differing, (
        f"docs/bug-classes.md is out of date for {len(differing)} mutant(s), the first {differing[0]}: it says "
        f"{committed.get(differing[0])}, the tests give {measured[differing[0]]}. Run `make mutants` and commit.")
    stale = sorted(key for key in committed if key[0] in judged and key not in measured)
    assert not stale, f"docs/bug-classes.md lists mutants no catalogue has: {stale}. Run `make mutants` and commit."


ALTERNATIVES = [(assignment_id, alternative) for assignment_id in LESSONS for alternative in alternatives(assignment_id)]


@executes_notebooks
@pytest.mark.skipif(not ALTERNATIVES, reason="no lesson under test has correct alternatives in its mutants.py yet")
@pytest.mark.parametrize("assignment_id, alternative", ALTERNATIVES, ids=[f"{a}:{m.student}" for a, m in ALTERNATIVES])
def test_every_correct_alternative_keeps_full_marks(judged, assignment_id, alternative):
    verdict = next(verdict for verdict in judged[assignment_id].alternatives if verdict.name == alternative.name)
    assert not verdict.caught, (f"{assignment_id}: the correct alternative {alternative.name!r} fails "
                                f"{', '.join(verdict.failed_tests)}: {verdict.message}")
    # ... and the lesson's own cells still run with it (the text's code must not assume one way of writing it)
    assert not verdict.broken_cells, (f"{assignment_id}: with the correct alternative {alternative.name!r}, the "
                                      f"lesson's cells fail: {verdict.broken_cells}")


@executes_notebooks
@pytest.mark.parametrize("mutant", CORRECT_BUT_NOISY, ids=lambda mutant: mutant.student)
def test_correct_answer_that_writes_to_stderr_keeps_full_marks(graded, mutant):
    if "01_softmax" not in graded:
        pytest.skip("COURSE_LESSONS leaves out lesson 01, where these answers are graded")
    assert lost_points(graded["01_softmax"].table[mutant.student]) == {}
    # ... and the stderr output really was there, in the graded test cell.
    autograded = graded["01_softmax"].autograded(mutant.student, "01_softmax")
    test_cell = next(cell for cell in autograded.cells if cell.get("id") == "test_sigmoid")
    printed = "".join(output.get("text", "") for output in test_cell.outputs)
    assert ("note: computing a sigmoid" in printed) if mutant is STDERR_PRINT else ("sigmoid" in printed)


@executes_notebooks
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


@executes_notebooks
def test_demo_command_prints_the_score_table(tmp_path):
    """The README's main job, end to end through the command line. It is run on the first lesson only:
    every lesson's demo students are graded by the ``graded`` fixture, and grading them again here
    would double that cost."""
    demo_lessons = LESSONS[:1]
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


@executes_notebooks
def test_mutation_grading_stops_at_the_first_failed_test_and_says_so(graded):
    if "01_softmax" not in graded:
        pytest.skip("COURSE_LESSONS leaves out lesson 01")
    student = graded_demo("01_softmax").student
    tests = graded["01_softmax"].table[student]
    names = list(tests)
    first_failure = next(index for index, name in enumerate(names) if tests[name][0] < tests[name][1])
    assert first_failure < len(names) - 1, f"{student} fails only the last test: nothing left to stop"
    assert all(tests[name][0] == tests[name][1] for name in names[:first_failure]), tests
    assert all(tests[name][0] == 0 for name in names[first_failure:]), tests
    autograded = graded["01_softmax"].autograded(student, "01_softmax")
    last_test = next(cell for cell in reversed(autograded.cells) if cell.metadata.get("nbgrader", {}).get("grade"))
    assert "not run: grading stopped at the first failed test" in str(last_test.outputs)
