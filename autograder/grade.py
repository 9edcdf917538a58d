"""``python -m autograder grade DIR``: autograde a folder of submissions with nbgrader, then write the
score table, ``grades.csv``, ``scores.csv`` and the feedback HTML.

DIR may hold submissions in either of two layouts:

- nbgrader's: ``DIR/<student>/<assignment>/<assignment>.ipynb``;
- flat, as a learning-management system's download gives them: ``DIR/<student>_<assignment>.ipynb``,
  where <assignment> is one of the course's lesson ids (which contain underscores themselves, so the
  file name is matched against the known ids from the right).

Everything grading makes goes into the working folder (default ``work/``): ``submitted/``,
``autograded/``, ``feedback/``, ``gradebook.db``, ``grades.csv`` (one row per student, one column per
assignment: the total) and ``scores.csv`` (one row per student, assignment and test).
"""
import csv
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from . import course


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: Path


@dataclass(frozen=True)
class TestScore:
    student: str
    assignment: str
    test: str
    score: float
    max_score: float


def find_submissions(inbox: Path, assignment_ids):
    """Every submission in ``inbox``, in either layout (see the module doc), sorted by student."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"No folder of submissions at {inbox}")
    submissions = []
    for path in sorted(inbox.iterdir()):
        if path.is_dir():
            for assignment_id in assignment_ids:
                notebook = path / assignment_id / f"{assignment_id}.ipynb"
                if notebook.exists():
                    submissions.append(Submission(path.name, assignment_id, notebook))
        elif path.suffix == ".ipynb":
            for assignment_id in assignment_ids:
                suffix = f"_{assignment_id}.ipynb"
                if path.name.endswith(suffix) and len(path.name) > len(suffix):
                    submissions.append(Submission(path.name[: -len(suffix)], assignment_id, path))
                    break
    return submissions


def stage(submissions, workdir: Path):
    """Copy submissions into nbgrader's submitted/ folder of the working folder."""
    for submission in submissions:
        target = workdir / "submitted" / submission.student / submission.assignment / f"{submission.assignment}.ipynb"
        if submission.notebook.resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(submission.notebook, target)


def read_scores(config, submissions):
    """Per-test scores from the gradebook, in the order of the lesson's cells."""
    scores = []
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        for submission in submissions:
            try:
                notebook = gradebook.find_submission_notebook(submission.assignment, submission.assignment, submission.student)
            except MissingEntry:
                continue
            order = {cell.name: index for index, cell in enumerate(gradebook.find_notebook(submission.assignment, submission.assignment).grade_cells)}
            for grade in sorted(notebook.grades, key=lambda grade: order.get(grade.name, len(order))):
                scores.append(TestScore(submission.student, submission.assignment, grade.name,
                                        float(grade.score), float(grade.max_score)))
    return scores


def write_csvs(scores, workdir: Path):
    with open(workdir / "scores.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "test", "score", "max_score"])
        for row in scores:
            writer.writerow([row.student, row.assignment, row.test, f"{row.score:g}", f"{row.max_score:g}"])
    assignments = sorted({row.assignment for row in scores})
    totals = {}
    for row in scores:
        totals.setdefault(row.student, dict.fromkeys(assignments, 0.0))[row.assignment] += row.score
    with open(workdir / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *assignments])
        for student in sorted(totals):
            writer.writerow([student, *(f"{totals[student][a]:g}" for a in assignments)])


def score_table(scores):
    """A plain-text table per assignment: one row per student, one column per test, and the total."""
    blocks = []
    for assignment in sorted({row.assignment for row in scores}):
        rows = [row for row in scores if row.assignment == assignment]
        tests = list(dict.fromkeys(row.test for row in rows))
        students = list(dict.fromkeys(row.student for row in rows))
        by_key = {(row.student, row.test): row for row in rows}
        maximum = {test: next(row.max_score for row in rows if row.test == test) for test in tests}
        header = ["student", *(test.removeprefix("test_") for test in tests), "total"]
        lines = [header, ["(max)", *(f"{maximum[test]:g}" for test in tests), f"{sum(maximum.values()):g}"]]
        for student in students:
            cells = [by_key[(student, test)].score if (student, test) in by_key else 0.0 for test in tests]
            lines.append([student, *(f"{score:g}" for score in cells), f"{sum(cells):g}"])
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        text = "\n".join("  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in enumerate(zip(line, widths))) for line in lines)
        blocks.append(f"{assignment}\n{text}")
    return "\n\n".join(blocks)


def release_into_workdir(workdir, assignment_ids):
    """Generate the student versions into ``workdir/release`` with nbgrader, which also records each
    lesson's cells, tests and checksums in the working folder's gradebook: autograde restores every
    locked cell and the hidden tests from there. Returns nbgrader's (config, api) for the working folder.
    """
    config = course.nbgrader_config(workdir=workdir, release_dir=Path(workdir) / "release")
    api = course.nbgrader_api(config)
    for assignment_id in assignment_ids:
        result = api.generate_assignment(assignment_id, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment failed for {assignment_id}:\n{result['log']}")
    return config, api


def grade(inbox, workdir=course.DEFAULT_WORKDIR, log=print):
    """Autograde every submission in ``inbox``; returns (scores, failures).

    ``failures`` maps (student, assignment) to nbgrader's log for submissions nbgrader could not grade.
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    assignment_ids = course.assignment_ids()
    submissions = find_submissions(inbox, assignment_ids)
    if not submissions:
        raise FileNotFoundError(
            f"No submissions found in {inbox}: expected <student>/<assignment>/<assignment>.ipynb or "
            f"<student>_<assignment>.ipynb, with <assignment> one of {', '.join(assignment_ids)}")
    config, api = release_into_workdir(workdir, sorted({s.assignment for s in submissions}))
    stage(submissions, workdir)
    failures = {}
    for number, submission in enumerate(submissions, start=1):
        log(f"[{number}/{len(submissions)}] grading {submission.student} / {submission.assignment}")
        with warnings.catch_warnings():
            # nbgrader 0.9.6 relies on a cascade SQLAlchemy 2 no longer makes, and warns; nothing is lost.
            warnings.simplefilter("ignore", SAWarning)
            result = api.autograde(submission.assignment, submission.student, force=True, create=True)
        if result["success"]:
            result = api.generate_feedback(submission.assignment, submission.student, force=True)
        if not result["success"]:
            failures[(submission.student, submission.assignment)] = result.get("log", "") + result.get("error", "")
    scores = read_scores(config, submissions)
    write_csvs(scores, workdir)
    return scores, failures
