"""The grader's instructor-side inputs and the faults a batch must survive, on lesson 01 (19 points):
odd student ids and files in the inbox, a student with no notebook or in both layouts, a hostile cell
against the sandbox, the course's data vanishing under a notebook, a huge Markdown cell, a hidden test
edited between runs, a batch stopped by SIGTERM and resumed, and the same class graded on a local Dask
cluster. Each case has its exact expected outcome.

The class is graded through the command line, in a child process with a time-out, so that a file
which would block the grader (a FIFO) fails the test instead of hanging it.
"""
import csv
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder import course
from autograder import grade as grade_module  # TestScore by name would look like a test class to pytest
from autograder.__main__ import reference_shortfalls
from autograder.grade import (environment_failures, grade, load_reports, process_tree,
                              student_id_problem)
from realdata import needs_real_imdb
from test_adversarial import LIMITS, RELEASE, SANDBOX_USABLE, SOLUTION, needs_bwrap, prepended

pytestmark = [pytest.mark.notebooks]

LESSON = "01_softmax"
FULL = 19.0
LIMIT_FLAGS = ["--wall-time", str(LIMITS.wall_seconds), "--cell-time", str(LIMITS.cell_seconds),
               "--memory", str(LIMITS.memory_mb), "--processes", str(LIMITS.processes)]

# An ungraded cell that attacks the sandbox from inside: remount the read-only binds read-write, plant
# a module in emolib/ and files in other bound folders (a new file, easy to find and remove should the
# boundary ever fail, rather than an edit of checks.py), get capabilities back in a nested user
# namespace, fill /dev/shm. Whatever works is raised as an error, so the answers after it are lost.
HOSTILE = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
import emolib
succeeded = []
course_code = os.path.dirname(emolib.__file__)
for path in [course_code, os.path.dirname(course_code), "/usr", "/etc", "/", "/dev"]:
    if libc.mount(b"none", path.encode(), None, 32 | 4096, None) == 0:  # MS_REMOUNT | MS_BIND
        succeeded.append(f"remounted {path}")
for target in [os.path.join(course_code, "backdoor.py"), "/usr/backdoor.py", "/backdoor.py"]:
    try:
        with open(target, "x") as handle:
            handle.write("from emolib import checks\nchecks.assert_close = lambda *args, **kwargs: None\n")
        succeeded.append(f"wrote {target}")
    except OSError:
        pass
if libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
    succeeded.append("made a nested user namespace")
try:
    with open("/dev/shm/filler", "wb") as handle:
        handle.write(b"x" * (200 << 20))
    succeeded.append("wrote 200 MB to /dev/shm")
except OSError:
    pass
if succeeded:
    raise RuntimeError(f"the sandbox let me: {succeeded}")
'''
# A cell that points the data folder and the cache at nothing: the lesson's data cell then raises
# DatasetUnavailableError, the way it does when the data is missing on the grading machine.
DATA_VANISHES = "import os\nos.environ['EMOLIB_DATA'] = os.environ['EMOLIB_CACHE'] = '/nonexistent'\n"
REFUSED_IDS = ["=HYPERLINK(1)", "@SUM(1)", "+1", ".hidden"]


def huge_markdown():
    """The solution with a 2 MB Markdown cell of nested brackets and emphasis (slow to render)."""
    notebook = nbformat.from_dict(json.loads(json.dumps(SOLUTION)))
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell("[*_" * 350_000 + "x" * 950_000))
    return notebook


def course_files_digest():
    """A hash of every file of emolib/ and autograder/, the course code a sandboxed notebook can see."""
    digest = hashlib.sha256()
    for folder in ("emolib", "autograder"):
        for path in sorted((course.COURSE_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


def write_inbox(inbox):
    """Every crafted input; returns {name: path} of those the tests look up."""
    paths = {}
    inbox.mkdir(parents=True)
    (inbox / "ada" / LESSON).mkdir(parents=True)
    nbformat.write(SOLUTION, inbox / "ada" / LESSON / f"{LESSON}.ipynb")
    nbformat.write(SOLUTION, paths.setdefault("ada_flat", inbox / f"ada_{LESSON}.ipynb"))  # both layouts
    (inbox / "ben").mkdir()  # a student folder with nothing in it
    (inbox / "cat" / LESSON).mkdir(parents=True)
    for name in ("first.ipynb", "second.ipynb"):
        nbformat.write(SOLUTION, inbox / "cat" / LESSON / name)
    os.symlink(course.solution_notebook(LESSON), paths.setdefault("symlink", inbox / f"dan_{LESSON}.ipynb"))
    os.symlink("/dev/zero", paths.setdefault("zero", inbox / f"fay_{LESSON}.ipynb"))
    os.mkfifo(paths.setdefault("fifo", inbox / f"eve_{LESSON}.ipynb"))
    try:
        os.mknod(inbox / f"gus_{LESSON}.ipynb", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # like /dev/zero
        paths["device"] = inbox / f"gus_{LESSON}.ipynb"
    except PermissionError:
        pass  # not root: the device case is skipped below
    for student in REFUSED_IDS:
        nbformat.write(SOLUTION, paths.setdefault(student, inbox / f"{student}_{LESSON}.ipynb"))
    nbformat.write(huge_markdown(), inbox / f"huge_markdown_{LESSON}.ipynb")
    if SANDBOX_USABLE:  # without the sandbox these would really reach the course's files and the network
        nbformat.write(prepended("sigmoid", HOSTILE), inbox / f"hostile_{LESSON}.ipynb")
        nbformat.write(prepended("sigmoid", DATA_VANISHES), inbox / f"data_vanishes_{LESSON}.ipynb")
    return paths


def run_grade(inbox, workdir, *flags, timeout=1200):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", str(inbox), "--workdir", str(workdir),
                           *LIMIT_FLAGS, *flags], capture_output=True, text=True, timeout=timeout, cwd=course.COURSE_ROOT)


def grades_csv(workdir):
    with open(workdir / "grades.csv", newline="") as handle:
        return {row["student"]: row[LESSON] for row in csv.DictReader(handle)}


def gradebook_totals(workdir):
    """{student: total} of the lesson as the working folder's gradebook holds it (None: no submission)."""
    config = course.nbgrader_config(workdir=workdir)
    totals = {}
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        for student in gradebook.students:
            try:
                totals[student.id] = gradebook.find_submission(LESSON, student.id).score
            except MissingEntry:
                totals[student.id] = None
    return totals


def assert_gradebook_agrees_with_grades_csv(workdir):
    expected = {student: float(total) if total else None for student, total in grades_csv(workdir).items()}
    recorded = gradebook_totals(workdir)
    assert {student: recorded.get(student) for student in expected} == expected


@pytest.fixture(scope="module")
def graded_inputs(tmp_path_factory):
    """The crafted class graded with 2 workers through the command line: (result, reports, paths, root)."""
    root = tmp_path_factory.mktemp("inputs")
    paths = write_inbox(root / "inbox")
    before = course_files_digest()
    result = run_grade(root / "inbox", root / "work", "--workers", "2")
    assert course_files_digest() == before, "grading the class changed the course's own files"
    reports = {student: report for (student, _), report in load_reports(root / "work").items()}
    return result, reports, paths, root


# --- inputs that are data ------------------------------------------------------------------------

@pytest.mark.parametrize("student, problem", [
    ("", "the student id is empty"), (".hidden", "starts with '.'"), ("a/b", "path separator"),
    ("..", "starts with '.'"), ("x..y", "'..'"), ("=cmd", "runs as a formula"), ("+1", "runs as a formula"),
    ("-1", "runs as a formula"), ("@SUM(1)", "runs as a formula"), ("tab\there", "control character"),
    ("li_wei", ""), ("O'Brien", ""), ("张伟", ""),
])
def test_student_ids_that_would_name_a_path_or_a_formula_are_refused(student, problem):
    assert (problem in student_id_problem(student)) if problem else student_id_problem(student) == ""


@needs_real_imdb
def test_refused_ids_are_listed_with_their_reason_and_no_csv_cell_starts_a_formula(graded_inputs):
    result, reports, paths, root = graded_inputs
    assert result.returncode == 1, result.stdout + result.stderr
    for student in REFUSED_IDS:
        assert student not in reports
        assert f"  {paths[student]}:\n    - not graded: the student id {student!r}" in result.stdout
    for name in ("grades.csv", "scores.csv"):
        cells = [value for row in csv.reader(open(root / "work" / name, newline="")) for value in row]
        assert not [value for value in cells if value.startswith(("=", "+", "-", "@"))], name


@needs_real_imdb
@pytest.mark.parametrize("name, kind", [("symlink", "a symbolic link"), ("zero", "a symbolic link"),
                                        ("fifo", "a FIFO (named pipe)"), ("device", "a device")])
def test_a_file_that_is_not_regular_is_refused_unopened_and_the_batch_goes_on(graded_inputs, name, kind):
    """Before: a FIFO named like a notebook hung the whole batch, and a symlink to the reference
    solution was graded as the student's work."""
    result, reports, paths, _ = graded_inputs
    if name not in paths:
        pytest.skip("creating a device node needs root")
    assert f"  {paths[name]}:\n    - not graded: {kind}, not a regular file: not opened" in result.stdout
    assert paths[name].name.removesuffix(f"_{LESSON}.ipynb") not in reports


@needs_real_imdb
def test_a_student_folder_without_a_notebook_gets_a_zero_row_a_report_and_a_mention(graded_inputs):
    """Before: ben's empty folder and cat's two wrongly named notebooks vanished from every output."""
    result, reports, _, root = graded_inputs
    grades = grades_csv(root / "work")
    assert grades["ben"] == "0" and grades["cat"] == "0"
    assert reports["ben"]["error"] == f"no notebook to grade: no notebook for {LESSON} in {root / 'inbox' / 'ben'}"
    assert reports["cat"]["error"] == ("no notebook to grade: several notebooks handed in (first.ipynb, second.ipynb) "
                                       f"and none named {LESSON}.ipynb: rename the one to grade")
    assert "  ben / 01_softmax:\n    - no notebook to grade" in result.stdout
    assert "  cat / 01_softmax:\n    - no notebook to grade: several notebooks" in result.stdout


@needs_real_imdb
def test_a_student_in_both_layouts_is_graded_once_from_nbgraders_layout(graded_inputs):
    """Before: ada's two copies were both graded and added up: 38/19."""
    result, reports, paths, root = graded_inputs
    assert grades_csv(root / "work")["ada"] == "19"
    assert reports["ada"]["score"] == FULL
    assert (f"  {paths['ada_flat']}:\n    - not graded: ada handed in {LESSON} in both layouts: graded "
            f"ada/{LESSON}/{LESSON}.ipynb (nbgrader's layout is preferred), not this copy") in result.stdout


@needs_real_imdb
def test_the_gradebook_agrees_with_grades_csv(graded_inputs):
    _, _, _, root = graded_inputs
    assert_gradebook_agrees_with_grades_csv(root / "work")


# --- rendering student content -------------------------------------------------------------------

@needs_real_imdb
def test_a_huge_markdown_cell_is_cut_with_a_note_and_the_feedback_stays_small(graded_inputs):
    _, reports, _, root = graded_inputs
    report = reports["huge_markdown"]
    assert report["score"] == FULL
    assert "cell #1 (markdown) has 2,000,000 characters: cut to the first 20,000 for grading and feedback" in report["repairs"]
    page = (root / "work" / "feedback" / "huge_markdown" / LESSON / f"{LESSON}.html").read_text()
    assert "[cut by the grader: this cell had 2,000,000 characters]" in page and len(page) < 1_000_000
    assert report["problems"] == []  # the page was made within its time limit


def test_the_feedback_page_is_rendered_under_a_time_limit_and_the_renderer_starts_again(tmp_path):
    """The child that renders the pages is stopped at the time limit (here far too short for it to
    start); the next page gets a new child, which says what went wrong (the folder holds no gradebook)."""
    renderer = grade_module.FeedbackRenderer()
    task = grade_module.GradingTask("ada", LESSON, b"", "", "", b"", LIMITS, True, "")
    assert renderer.problems(tmp_path, task, seconds=0.01) == ["no feedback page: rendering it took longer than 0.01 s and was stopped"]
    problems = renderer.problems(tmp_path, task, seconds=120)
    assert len(problems) == 1 and problems[0].startswith("no feedback page: nbgrader generate_feedback failed"), problems
    assert renderer.process.poll() is None  # a failed page does not end the child


# --- never silently wrong ------------------------------------------------------------------------

def test_an_import_failing_in_the_courses_setup_is_the_courses_failure_not_the_students():
    def code_cell(error, **metadata):
        cell = nbformat.v4.new_code_cell("import keras", metadata=metadata)
        cell.outputs = [nbformat.v4.new_output("error", ename=error, evalue="No module named 'keras'", traceback=[])]
        return cell
    notebook = nbformat.v4.new_notebook(cells=[
        code_cell("ModuleNotFoundError", tags=["setup"]),
        code_cell("ImportError", nbgrader={"grade_id": "provided", "locked": True, "solution": False}),
        code_cell("ModuleNotFoundError", nbgrader={"grade_id": "answer", "locked": False, "solution": True}),
        code_cell("DatasetUnavailableError", nbgrader={"grade_id": "answer2", "locked": False, "solution": True}),
    ])
    assert environment_failures(notebook) == [
        "cell #0: ModuleNotFoundError: No module named 'keras'",
        "cell 'provided': ImportError: No module named 'keras'",
        "cell 'answer2': DatasetUnavailableError: No module named 'keras'",
    ]


@needs_bwrap
@needs_real_imdb
def test_a_dataset_missing_under_the_notebook_is_not_scored_as_the_students_failure(graded_inputs):
    """Before: the notebook's data cell failing scored as the student's work, silently."""
    result, reports, _, root = graded_inputs
    report = reports["data_vanishes"]
    assert report["environment"] and report["environment"][0].startswith("cell #")
    assert "DatasetUnavailableError: The IMDB reviews (aclImdb) were not found" in report["environment"][0]
    assert report["attention"][0].startswith("not graded, the course's data or set-up failed (not the student's work)")
    assert grades_csv(root / "work")["data_vanishes"] == ""  # blank, not a zero
    assert gradebook_totals(root / "work").get("data_vanishes") is None  # no submission recorded
    assert "data_vanishes / 01_softmax:\n    - not graded, the course's data or set-up failed" in result.stdout


def test_the_datasets_each_lesson_reads_are_the_ones_its_source_loads():
    for assignment_id in course.assignment_ids():
        source = course.source_script(assignment_id).read_text()
        loaded = {dataset for dataset, loaders in course.DATASET_LOADERS.items()
                  if any(f"data.{loader}(" in source for loader in loaders)}
        assert set(course.LESSON_DATASETS[assignment_id]) == loaded, assignment_id


def test_grading_stops_up_front_when_a_lessons_data_is_missing(monkeypatch, tmp_path):
    """Lesson 06 reads ChnSentiCorp: with a data folder that lacks it, nothing is graded."""
    monkeypatch.setenv("EMOLIB_DATA", str(tmp_path))
    with pytest.raises(course.DataUnavailable) as raised:
        course.check_datasets(["06_text_as_numbers"])
    message = str(raised.value)
    assert message.startswith("06_text_as_numbers read chnsenticorp, which is not available:")
    assert f"ChnSentiCorp's train split was not found: expected the file {tmp_path / 'chnsenticorp' / 'train.csv'}" in message
    assert message.endswith("Nothing was graded: make the data available and run the command again.")


def test_demo_without_the_data_stops_with_what_to_do(tmp_path):
    """Before: on a fresh clone without the data, `make demo` printed lesson 06's reference at 5/16
    and exited 0. The download is made to fail at once through a proxy that does not exist."""
    environment = {**os.environ, "EMOLIB_DATA": str(tmp_path / "data"), "EMOLIB_CACHE": str(tmp_path / "cache"),
                   "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    result = subprocess.run([sys.executable, "-m", "autograder", "demo", LESSON, "--workdir", str(tmp_path / "work")],
                            capture_output=True, text=True, timeout=600, cwd=course.COURSE_ROOT, env=environment)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: {LESSON} read imdb, which is not available:\nThe IMDB reviews (aclImdb) were not found")
    assert "set the environment variable EMOLIB_DATA" in result.stderr
    assert not (tmp_path / "work" / "grades.csv").exists()


def test_demo_fails_when_a_reference_loses_points():
    row = grade_module.TestScore
    scores = [row("reference", LESSON, "test_a", 1, 1), row("reference", LESSON, "test_b", 0, 2),
              row("untouched", LESSON, "test_a", 0, 1)]
    assert reference_shortfalls(scores, [LESSON, "06_text_as_numbers"]) == [
        f"the reference solution of {LESSON} did not get full marks: test_b 0/2",
        "the reference solution of 06_text_as_numbers was not graded (see the list above)"]


# --- the sandbox as a boundary -------------------------------------------------------------------

@needs_bwrap
@needs_real_imdb
def test_a_hostile_cell_cannot_remount_or_write_and_the_course_files_are_unchanged(graded_inputs):
    """Before: an ungraded cell remounted the read-only binds read-write and wrote a backdoor into the
    host's emolib/checks.py. The fixture checks that the course's files are byte for byte the same."""
    _, reports, _, _ = graded_inputs
    report = reports["hostile"]
    assert report["score"] == FULL, [row for row in report["tests"] if row["reason"] != "passed"]
    assert report["sandbox"].startswith("bubblewrap sandbox") and "no capabilities, uid 65534" in report["sandbox"]


# --- resume, interruption and Dask ----------------------------------------------------------------

@needs_real_imdb
def test_editing_a_hidden_test_regrades_unchanged_submissions(graded_inputs, monkeypatch, tmp_path):
    """Before: the resume key hashed the notebook, the student version and the limits, so a report
    graded against the old hidden tests was reused."""
    _, _, _, root = graded_inputs
    inbox, workdir = tmp_path / "inbox", tmp_path / "work"
    (inbox / "ada" / LESSON).mkdir(parents=True)
    shutil.copy(root / "inbox" / "ada" / LESSON / f"{LESSON}.ipynb", inbox / "ada" / LESSON)
    shutil.copytree(root / "work", workdir)  # the class's reports, in a copy the other tests do not read
    lines = []
    grade(inbox, workdir=workdir, workers=1, limits=LIMITS, log=lines.append)
    assert [line for line in lines if "ada / 01_softmax" in line][0].endswith("(reused)")

    edited_solutions = tmp_path / "solutions"
    shutil.copytree(course.SOLUTIONS / LESSON, edited_solutions / LESSON)
    source = edited_solutions / LESSON / f"{LESSON}.ipynb"
    text = source.read_text()
    assert "### BEGIN HIDDEN TESTS" in text
    source.write_text(text.replace("### BEGIN HIDDEN TESTS", "### BEGIN HIDDEN TESTS\\n# one more case", 1))
    before = course.lesson_digest(LESSON)
    monkeypatch.setattr(course, "SOLUTIONS", edited_solutions)
    assert course.lesson_digest(LESSON) != before
    lines.clear()
    grade(inbox, workdir=workdir, workers=1, limits=LIMITS, log=lines.append)
    graded_line = [line for line in lines if "ada / 01_softmax" in line][0]
    assert not graded_line.endswith("(reused)") and ": 19/19 (" in graded_line


def alive(pid):
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """Three lesson 01 submissions: the solution twice and the untouched student version."""
    inbox = tmp_path_factory.mktemp("small") / "inbox"
    inbox.mkdir()
    for student, notebook in (("sol_a", SOLUTION), ("sol_b", SOLUTION), ("blank", RELEASE)):
        nbformat.write(notebook, inbox / f"{student}_{LESSON}.ipynb")
    return inbox


@dataclass
class Interrupted:
    first_output: str   # the stopped run's stdout and stderr
    status: int         # its exit status
    running: list       # the pids of its processes when it was stopped
    second: subprocess.CompletedProcess  # the run that finished the batch
    workdir: Path


@pytest.fixture(scope="module")
def interrupted_then_resumed(small_class, tmp_path_factory):
    """Grade the small class with 2 workers, SIGTERM the grader once the first submission is graded,
    then grade again to the end."""
    workdir = tmp_path_factory.mktemp("interrupted") / "work"
    command = [sys.executable, "-m", "autograder", "grade", str(small_class), "--workdir", str(workdir),
               "--workers", "2", *LIMIT_FLAGS]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=course.COURSE_ROOT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})  # each progress line as it is printed
    output = []
    for line in process.stdout:
        output.append(line)
        if " 1/3 " in line:
            break
    running = process_tree(process.pid)
    process.send_signal(signal.SIGTERM)
    rest, errors = process.communicate(timeout=120)
    first = "".join(output) + rest
    time.sleep(1)  # the killed workers' children are reaped by init
    second = run_grade(small_class, workdir, "--workers", "2")
    return Interrupted(first + errors, process.returncode, running, second, workdir)


@needs_real_imdb
def test_sigterm_stops_the_batch_with_no_worker_left_and_a_restart_finishes_it(interrupted_then_resumed):
    run = interrupted_then_resumed
    assert run.status == 128 + signal.SIGTERM, run.first_output
    assert "stopped by SIGTERM: 1 of 3 submission(s) graded and saved; run the same command again" in run.first_output
    assert len(run.running) > 3, "the workers and their notebooks should have been running"
    assert [pid for pid in run.running if alive(pid)] == [], "processes of the stopped batch are still running"
    assert run.second.returncode == 0, run.second.stdout + run.second.stderr
    assert run.second.stdout.count("(reused)") == 1
    assert grades_csv(run.workdir) == {"blank": "0", "sol_a": "19", "sol_b": "19"}


@needs_real_imdb
def test_after_a_restart_or_a_lost_gradebook_the_gradebook_agrees_with_grades_csv(small_class, interrupted_then_resumed):
    """Before: the report was written before the gradebook, and reused reports were never written to
    it again, so a submission stopped between the two stayed at 0 there for good."""
    workdir = interrupted_then_resumed.workdir
    assert_gradebook_agrees_with_grades_csv(workdir)
    (workdir / "gradebook.db").unlink()  # e.g. restored from an old copy, or deleted by mistake
    lines = []
    grade(small_class, workdir=workdir, workers=1, limits=LIMITS, log=lines.append)
    assert sum(line.endswith("(reused)") for line in lines) == 3
    assert_gradebook_agrees_with_grades_csv(workdir)


@needs_real_imdb
def test_a_local_dask_cluster_grades_the_class_as_the_local_pool_does(small_class, interrupted_then_resumed, tmp_path):
    """`grade --scheduler` on a LocalCluster of 2 worker processes, against the local pool's scores."""
    from distributed import LocalCluster

    pool_workdir = interrupted_then_resumed.workdir
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_grade(small_class, tmp_path / "work", "--scheduler", cluster.scheduler_address)
    assert result.returncode == 0, result.stdout + result.stderr
    assert grades_csv(tmp_path / "work") == grades_csv(pool_workdir)
    with open(tmp_path / "work" / "scores.csv") as dask_scores, open(pool_workdir / "scores.csv") as pool_scores:
        assert dask_scores.read() == pool_scores.read()
