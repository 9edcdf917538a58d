"""``python -m autograder grade DIR``: autograde a folder of submissions with nbgrader, in parallel and
isolated, then write the score table, ``grades.csv``, ``scores.csv``, a JSON report and feedback HTML
per submission.

DIR may hold submissions in either of two layouts:

- nbgrader's: ``DIR/<student>/<assignment>/<assignment>.ipynb``;
- flat, as a learning-management system's download gives them: ``DIR/<student>_<assignment>.ipynb``,
  where <assignment> is one of the course's lesson ids (which contain underscores themselves, so the
  file name is matched against the known ids from the right).

How one submission is graded (``grade_submission``, run by a worker): its notebook is read and
repaired (``repair.py``), then nbgrader's autograde runs on it in a private folder with a private copy
of the gradebook; nbgrader restores the locked cells and hidden tests, and ``SandboxedExecute`` runs the
submission's cells in a sandboxed child process and its tests in a judge kernel outside it, with limits
(``judge.py``, ``sandbox.py``). The worker returns
everything it made; only the main process writes the working folder, and it is the gradebook's only
writer, so workers never contend for SQLite and may run on other machines (``executor``: any
``concurrent.futures.Executor``, e.g. Dask distributed's ``Client.get_executor()``).

The inbox is instructor-side input, checked before anything is opened (``find_submissions``): unusable
student ids and files that are not regular (symlinks, FIFOs, devices) are refused with a reason, a
student folder without a notebook scores zero with one, and a student in both layouts is graded once.

Everything grading makes goes into the working folder (default ``work/``): ``autograded/``,
``feedback/``, ``gradebook.db``, ``reports/<assignment>/<student>.json`` (written last, after the
gradebook, and atomically: a re-run skips a submission whose report matches its notebook and lesson,
see ``grading_key``, so an interrupted run resumes), ``grades.csv`` (one row per student, one column per
assignment: the total) and ``scores.csv`` (one row per student, assignment and test).
"""
import csv
import hashlib
import json
import os
import select
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import as_completed
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from . import course
from .repair import repair
from .sandbox import Limits, sandbox_mode
from .timing import Phases, measuring, phase

# A notebook above this size is not graded (its outputs are cleared before grading, so only a
# notebook that embeds data gets there); the report says so.
MAX_NOTEBOOK_MB = 20


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: Path | None  # None: the student's folder holds no notebook to grade (it scores zero)
    note: str = ""         # e.g. that the notebook had another name, or why there is none


@dataclass(frozen=True)
class TestScore:
    student: str
    assignment: str
    test: str
    score: float
    max_score: float


@dataclass(frozen=True)
class Refused:
    """Something in the inbox that is not graded, and why; listed for the instructor, never dropped."""
    path: Path
    reason: str


@dataclass(frozen=True)
class Inbox:
    submissions: list  # of Submission, sorted by student
    refused: list      # of Refused


# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection), and the
# control characters would split a row: such an id is refused rather than rewritten, so every file
# the grader writes names the student exactly as the submission did.
FORMULA_STARTS = ("=", "+", "-", "@")


def student_id_problem(student):
    """Why ``student`` cannot be a student id (it names folders and CSV rows), or "" when it can."""
    if not student:
        return "the student id is empty"
    if student.startswith("."):
        return f"the student id {student!r} starts with '.' (a hidden name)"
    if any(separator in student for separator in ("/", "\\")) or ".." in student:
        return f"the student id {student!r} contains a path separator or '..'"
    if student.startswith(FORMULA_STARTS):
        return f"the student id {student!r} starts with {student[0]!r}, which a spreadsheet runs as a formula"
    if any(ord(character) < 32 or ord(character) == 127 for character in student):
        return f"the student id {student!r} contains a control character"
    return ""


def file_type_problem(path):
    """Why ``path`` cannot be graded without being opened (a symlink, a FIFO, a device), or ""."""
    mode = os.lstat(path).st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return ""
    kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket")
    return f"{kind}, not a regular file: not opened; hand in the notebook itself"


def find_submissions(inbox: Path, assignment_ids):
    """Every submission in ``inbox``, in either layout (see the module doc), and what was refused.

    Refused, with the reason, and never opened: an entry whose student id is not usable (see
    ``student_id_problem``) and anything that is not a regular file or folder. A student folder with
    no notebook for an assignment of the batch becomes a submission without a notebook (it scores
    zero, with the reason). A student found in both layouts is graded once, from nbgrader's layout
    (what ``nbgrader collect`` makes); the flat copy is refused with that reason.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"No folder of submissions at {inbox}")
    folders, flat, refused = {}, {}, []
    for path in sorted(inbox.iterdir()):
        if path.name == ".ipynb_checkpoints":  # Jupyter's autosaved copies, never a submission
            continue
        if path.suffix != ".ipynb" and not path.is_dir():
            continue  # a stray file (notes.txt), not a notebook
        student = path.name if path.suffix != ".ipynb" else _flat_student(path.name, assignment_ids)
        problem = file_type_problem(path) or (student is not None and student_id_problem(student))
        if problem:
            refused.append(Refused(path, problem))
        elif path.is_dir():
            folders[student] = _folder_submissions(path, assignment_ids, refused)
        elif student is not None:
            flat[(student, path.name[len(student) + 1: -len(".ipynb")])] = path
    batch = {s.assignment for found in folders.values() for s in found if s.notebook} | {a for _, a in flat}
    submissions = []
    for student, found in folders.items():
        if not found and not any(key[0] == student for key in flat):
            found = [Submission(student, assignment_id, None, f"no notebook for {assignment_id} in {inbox / student}")
                     for assignment_id in sorted(batch)]
        for submission in found:
            duplicate = flat.pop((student, submission.assignment), None)
            if duplicate is not None and submission.notebook is not None:
                refused.append(Refused(duplicate, (
                    f"{student} handed in {submission.assignment} in both layouts: graded "
                    f"{submission.notebook.relative_to(inbox)} (nbgrader's layout is preferred), not this copy")))
            elif duplicate is not None:
                submission = Submission(student, submission.assignment, duplicate)
            submissions.append(submission)
    submissions += [Submission(student, assignment_id, path) for (student, assignment_id), path in flat.items()]
    return Inbox(sorted(submissions, key=lambda s: (s.student, s.assignment)), refused)


def _flat_student(name, assignment_ids):
    """The student of a flat file name ``<student>_<assignment>.ipynb``, or None for no known lesson."""
    for assignment_id in assignment_ids:
        suffix = f"_{assignment_id}.ipynb"
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def _folder_submissions(folder, assignment_ids, refused):
    """The submissions in one student's folder of nbgrader's layout (``<assignment>/<assignment>.ipynb``)."""
    found = []
    for assignment_id in assignment_ids:
        lesson_folder = folder / assignment_id
        if not os.path.lexists(lesson_folder):
            continue
        if problem := file_type_problem(lesson_folder):
            refused.append(Refused(lesson_folder, problem))
            continue
        notebooks = sorted(lesson_folder.glob("*.ipynb"))
        expected = lesson_folder / f"{assignment_id}.ipynb"
        unusable = [(path, file_type_problem(path)) for path in notebooks]
        refused += [Refused(path, problem) for path, problem in unusable if problem]
        notebooks = [path for path, problem in unusable if not problem]
        if expected in notebooks:
            found.append(Submission(folder.name, assignment_id, expected))
        elif len(notebooks) == 1:
            found.append(Submission(folder.name, assignment_id, notebooks[0],
                                    f"graded {notebooks[0].name}, the only notebook handed in "
                                    f"(expected name: {assignment_id}.ipynb)"))
        elif notebooks:
            found.append(Submission(folder.name, assignment_id, None,
                                    f"several notebooks handed in ({', '.join(path.name for path in notebooks)}) "
                                    f"and none named {assignment_id}.ipynb: rename the one to grade"))
        else:
            found.append(Submission(folder.name, assignment_id, None, f"no notebook for {assignment_id} in {lesson_folder}"))
    return found


def read_submission(path):
    """The bytes of a submitted notebook, opened without following a symlink or blocking on a FIFO
    (either may have replaced the file since the inbox was listed)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise NotARegularFile(f"could not be opened ({error.strerror}): not graded") from None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotARegularFile("not a regular file: not opened; hand in the notebook itself")
        return handle.read()


class NotARegularFile(Exception):
    pass


def unrecognized_notebooks(inbox: Path, inbox_contents: Inbox):
    """Notebooks in ``inbox`` that are no submission (a misspelt lesson id, a stray file)."""
    inbox = Path(inbox)
    accounted = {submission.notebook for submission in inbox_contents.submissions}
    # A lesson folder's other notebooks: its submission's note already names them.
    lesson_folders = {inbox / submission.student / submission.assignment for submission in inbox_contents.submissions}
    refused = {entry.path for entry in inbox_contents.refused}
    return sorted(path for path in inbox.rglob("*.ipynb")
                  if path not in accounted | refused and path.parent not in lesson_folders
                  and not refused.intersection(path.parents)
                  and not any(part.startswith(".") for part in path.relative_to(inbox).parts))


def write_csvs(scores, workdir: Path, not_graded=()):
    """scores.csv (a row per test) and grades.csv (a row per student, a column per assignment); a
    submission in ``not_graded`` (student, assignment) is left blank in grades.csv, not scored zero."""
    with open(workdir / "scores.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "assignment", "test", "score", "max_score"])
        for row in scores:
            writer.writerow([row.student, row.assignment, row.test, f"{row.score:g}", f"{row.max_score:g}"])
    assignments = sorted({row.assignment for row in scores} | {assignment for _, assignment in not_graded})
    totals = {student: dict.fromkeys(assignments, 0.0) for student in {row.student for row in scores} | {s for s, _ in not_graded}}
    for row in scores:
        totals[row.student][row.assignment] += row.score
    with open(workdir / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *assignments])
        for student in sorted(totals):
            writer.writerow([student, *("" if (student, a) in not_graded else f"{totals[student][a]:g}" for a in assignments)])


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




@dataclass(frozen=True)
class GradingTask:
    """Everything a worker needs to grade one submission; it reads no file of the working folder, so
    a worker on another machine needs only the course installed."""
    student: str
    assignment: str
    notebook: bytes | None  # the submitted file as it was handed in; None when there is none
    note: str
    template: str          # the released student version (JSON), to repair cells from
    gradebook: bytes       # the gradebook after release: the lesson's cells, tests and checksums
    limits: Limits
    use_sandbox: bool
    key: str               # what the report is valid for (see grading_key)
    start_next: bool = False  # the worker is likely to grade another notebook after this one (judge.Startup)


def grading_key(notebook_bytes, template, lesson_digest, limits, use_sandbox):
    """A report is reused only for the same notebook, student version, lesson (hidden tests, reference
    outputs, the course code the tests run: see ``course.lesson_digest``), limits and sandbox setting."""
    digest = hashlib.sha256(notebook_bytes or b"")
    digest.update(template.encode())
    digest.update(lesson_digest.encode())
    numbers = {name: float(value) for name, value in asdict(limits).items()}  # 90 and 90.0 are one limit
    digest.update(json.dumps([numbers, bool(use_sandbox)], sort_keys=True).encode())
    return digest.hexdigest()


def grade_submission(task: GradingTask):
    """Grade one submission with nbgrader in a private folder; returns its report (a dict) with the
    autograded notebook and the feedback page under ``files`` for the main process to write.

    Whatever goes wrong, the submission gets a report (zero, with the error), so the batch goes on.
    Its ``phases`` say where the worker's time went (``timing.py``); they add up to its ``seconds``."""
    started = time.monotonic()
    report = {"student": task.student, "assignment": task.assignment, "key": task.key, "tests": [],
              "repairs": [task.note] if task.note else [], "problems": [], "files": {}}
    with measuring(Phases()) as phases, phase("worker: the rest (reading back files, scores)"):
        template = nbformat.reads(task.template, as_version=4)
        try:
            _grade_into(report, task, template)
        except Exception as error:  # a notebook nbformat reads but nbgrader or the repair cannot handle
            report["error"] = f"the grader failed on this submission: {type(error).__name__}: {error}"
            report["tests"] = [_test_row(cell, 0.0, report["error"]) for cell in template.cells if _is_test(cell)]
    report["phases"] = phases.rounded()
    return _finish(report, started)


def _grade_into(report, task, template):
    if task.notebook is None:
        report["error"] = f"no notebook to grade: {task.note}"
        report["repairs"] = []  # the note is the error
        report["tests"] = [_test_row(cell, 0.0, report["error"]) for cell in template.cells if _is_test(cell)]
        return
    size_mb = len(task.notebook) / 1e6
    try:
        if size_mb > MAX_NOTEBOOK_MB:
            raise ValueError(f"the notebook is {size_mb:.0f} MB, over the limit of {MAX_NOTEBOOK_MB} MB: "
                             "clear its outputs (Edit > Clear Outputs of All Cells) and hand it in again")
        submitted = nbformat.reads(task.notebook.decode("utf-8"), as_version=4)
        if not isinstance(submitted.get("cells"), list):
            raise ValueError("it has no list of cells")
    except (ValueError, UnicodeDecodeError, nbformat.reader.NotJSONError) as error:
        report["error"] = f"not a readable notebook: {error}"
        report["tests"] = [_test_row(cell, 0.0, report["error"]) for cell in template.cells if _is_test(cell)]
        return
    with phase("worker: repairing the notebook"):
        repaired, notes = repair(submitted, template)
        report["repairs"] += notes + cut_long_text_cells(repaired)
    with tempfile.TemporaryDirectory(prefix="emotion-grade-") as folder:
        _grade_in_folder(report, task, template, repaired, Path(folder))


def _grade_in_folder(report, task, template, repaired, folder):
    """nbgrader's autograde and feedback of the repaired notebook in ``folder``, a private grading folder."""
    with phase("worker: the private gradebook copy and files"):
        (folder / "gradebook.db").write_bytes(task.gradebook)
        target = folder / "submitted" / task.student / task.assignment / f"{task.assignment}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(repaired, target)
        config = course.nbgrader_config(workdir=folder)
        config.SandboxedExecute.wall_seconds = task.limits.wall_seconds
        config.SandboxedExecute.cell_seconds = task.limits.cell_seconds
        config.SandboxedExecute.memory_mb = task.limits.memory_mb
        config.SandboxedExecute.processes = task.limits.processes
        config.SandboxedExecute.stop_at_first_failed_test = task.limits.stop_at_first_failed_test
        config.SandboxedExecute.use_sandbox = task.use_sandbox
        config.SandboxedExecute.report_file = str(folder / "execution.json")
        (folder / "template.ipynb").write_text(task.template)
        config.SandboxedExecute.template_file = str(folder / "template.ipynb")
        config.SandboxedExecute.start_next = task.start_next
        api = course.nbgrader_api(config)
    with phase("nbgrader autograde (its own steps)"), warnings.catch_warnings():
        # nbgrader 0.9.6 relies on a cascade SQLAlchemy 2 no longer makes, and warns; nothing is lost.
        warnings.simplefilter("ignore", SAWarning)
        result = api.autograde(task.assignment, task.student, force=True, create=True)
    if not result["success"]:
        report["error"] = "nbgrader could not grade it: " + (result.get("error") or "") + result.get("log", "")[-3000:]
    else:
        with phase("feedback page"):
            report["problems"] += FEEDBACK.problems(folder, task)
    execution = json.loads((folder / "execution.json").read_text()) if (folder / "execution.json").exists() else {}
    report["sandbox"] = execution.get("sandbox", "")
    autograded = folder / "autograded" / task.student / task.assignment / f"{task.assignment}.ipynb"
    feedback = folder / "feedback" / task.student / task.assignment / f"{task.assignment}.html"
    for name, path in (("autograded", autograded), ("feedback", feedback)):
        if path.exists():
            report["files"][name] = path.read_text()
    scores = _scores_from(folder / "gradebook.db", task)
    executed = nbformat.reads(report["files"]["autograded"], as_version=4) if "autograded" in report["files"] else None
    report["tests"] = _test_rows(template, scores, executed, execution, report.get("error"))
    report["problems"] += [f"{cell_label(execution['cell_ids'].get(index), index)}: {reason}"
                           for index, reason in execution.get("cells", {}).items()]
    report["problems"] += memory_errors(executed, task.limits)
    report["environment"] = environment_failures(executed)


# Markdown and raw cells are rendered into the feedback page outside the sandbox, and rendering
# Markdown can take time quadratic in a cell's length (20,000 characters of nested brackets and
# emphasis: 1 s; 100,000: over two minutes): a cell above this size is cut. The student's code cells
# run in the sandbox, and their outputs are capped by nbgrader's LimitOutput.
MAX_TEXT_CELL_CHARS = 20_000
# The feedback page is rendered in a child process stopped after this time.
FEEDBACK_SECONDS = 120


def cut_long_text_cells(notebook):
    """Cut every Markdown or raw cell longer than MAX_TEXT_CELL_CHARS, with a note in the cell; returns
    the notes for the report."""
    notes = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" and len(cell.source) > MAX_TEXT_CELL_CHARS:
            notes.append(f"cell #{index} ({cell.cell_type}) has {len(cell.source):,} characters: cut to "
                         f"the first {MAX_TEXT_CELL_CHARS:,} for grading and feedback")
            cell.source = (cell.source[:MAX_TEXT_CELL_CHARS] +
                           f"\n\n[cut by the grader: this cell had {len(cell.source):,} characters]")
    return notes


class FeedbackRenderer:
    """This process's feedback child (``python -m autograder.feedback``), started at its first page and
    again after a page it had to stop."""

    def __init__(self):
        self.process = None

    def start(self):
        """Start the child unless it runs: it imports nbgrader's feedback pipeline before its first page."""
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, "-m", "autograder.feedback"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def problems(self, folder, task, seconds=None):
        """Render one page under a time limit (default FEEDBACK_SECONDS); returns what went wrong, if
        anything. A submission without a page keeps its score."""
        seconds = FEEDBACK_SECONDS if seconds is None else seconds
        self.start()
        try:
            self.process.stdin.write(json.dumps([str(folder), task.assignment, task.student]) + "\n")
            self.process.stdin.flush()
            answered = select.select([self.process.stdout], [], [], seconds)[0]
            line = self.process.stdout.readline() if answered else ""
        except OSError:  # it died before the request reached it
            line, answered = "", True
        if not line:
            self.process.kill()
            self.process.wait()
            self.process = None
            if not answered:
                return [f"no feedback page: rendering it took longer than {seconds:g} s and was stopped"]
            return ["no feedback page: the process rendering it stopped"]
        error = json.loads(line)["error"]
        return [] if error is None else [f"no feedback page: nbgrader generate_feedback failed: {error[-1000:]}"]


FEEDBACK = FeedbackRenderer()


# A cell that fails for one of these reasons failed because of the course's data or set-up, not the
# student's work: the score would be wrong, so the submission waits for an instructor.
COURSE_FAILURES = ("DatasetUnavailableError",)
SETUP_FAILURES = ("ImportError", "ModuleNotFoundError")


def environment_failures(executed):
    """Errors the student did not cause: a dataset missing anywhere; an import failing in the course's
    set-up, a locked cell or one the lesson tags ``setup`` (a student's own import of a package the
    course does not install fails in an answer cell, and stays the student's)."""
    if executed is None:
        return []
    failures = []
    for index, cell in enumerate(executed.cells):
        nbgrader = cell.metadata.get("nbgrader", {})
        setup = (nbgrader.get("locked", False) and not nbgrader.get("solution", False)) or "setup" in cell.metadata.get("tags", [])
        for output in cell.get("outputs", []):
            if output.output_type == "error" and (output.ename in COURSE_FAILURES or
                                                  (setup and output.ename in SETUP_FAILURES)):
                first_line = (output.evalue or "").strip().split("\n")[0]
                failures.append(f"{cell_label(nbgrader.get('grade_id'), index)}: {output.ename}: {first_line}")
    return failures


def memory_errors(executed, limits):
    """Cells that ran out of memory and raised MemoryError (the kernel survived): a problem to report
    even outside a test cell, since what the cell should have defined is missing."""
    if executed is None:
        return []
    return [f"{cell_label(cell.metadata.get('nbgrader', {}).get('grade_id'), index)}: MemoryError "
            f"(over the {limits.memory_mb} MB memory limit)"
            for index, cell in enumerate(executed.cells) if cell.cell_type == "code"
            and any(output.output_type == "error" and output.ename == "MemoryError" for output in cell.outputs)]


def cell_label(grade_id, index):
    """How a report names a cell: its grade id, or its position for a cell without one."""
    return f"cell {grade_id!r}" if grade_id else f"cell #{index}"


def _is_test(cell):
    return cell.metadata.get("nbgrader", {}).get("grade", False)


def _test_row(cell, score, reason):
    nbgrader = cell.metadata["nbgrader"]
    return {"name": nbgrader["grade_id"], "score": score, "max_score": float(nbgrader["points"]), "reason": reason}


def _scores_from(gradebook_path, task):
    with Gradebook(f"sqlite:///{gradebook_path}", course.nbgrader_config().CourseDirectory.course_id) as gradebook:
        try:
            notebook = gradebook.find_submission_notebook(task.assignment, task.assignment, task.student)
        except MissingEntry:
            return {}
        return {grade.name: grade.score for grade in notebook.grades}


def _test_rows(template, scores, executed, execution, error):
    """One row per test of the lesson: its score and why it lost points (or "passed")."""
    outputs = {}
    if executed is not None:
        for index, cell in enumerate(executed.cells):
            if _is_test(cell):
                outputs[cell.metadata["nbgrader"]["grade_id"]] = (str(index), cell)
    rows = []
    for cell in template.cells:
        if not _is_test(cell):
            continue
        name = cell.metadata["nbgrader"]["grade_id"]
        score = scores.get(name)
        index, executed_cell = outputs.get(name, (None, None))
        if index is not None and index in execution.get("cells", {}):
            reason = execution["cells"][index]
        elif executed_cell is not None and any(output.output_type == "error" for output in executed_cell.outputs):
            error_output = next(output for output in executed_cell.outputs if output.output_type == "error")
            reason = f"{error_output.ename}: {error_output.evalue}".strip()
        elif score is None:
            reason = error or "not graded"
        else:
            reason = "passed"
        rows.append(_test_row(cell, float(score or 0.0), reason))
    return rows


def _finish(report, started):
    report["score"] = sum(row["score"] for row in report["tests"])
    report["max_score"] = sum(row["max_score"] for row in report["tests"])
    report["attention"] = attention_reasons(report)
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def attention_reasons(report):
    """Why an instructor should look at this submission (empty when nothing unusual happened)."""
    reasons = [f"not graded, the course's data or set-up failed (not the student's work): {failure}; "
               "fix it and grade again" for failure in report.get("environment", [])]
    if report.get("error"):
        reasons.append(report["error"].splitlines()[0])
    reasons += report["problems"] + report["repairs"]
    return reasons


def report_path(workdir, assignment, student):
    return Path(workdir) / "reports" / assignment / f"{student}.json"


def write_atomically(path, text):
    """Write through a temporary file and rename, so an interrupted run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def load_reports(workdir):
    """Every report of the working folder, as {(student, assignment): report}."""
    reports = {}
    for path in sorted((Path(workdir) / "reports").glob("*/*.json")):
        report = json.loads(path.read_text())
        reports[(report["student"], report["assignment"])] = report
    return reports


def save_files(workdir, report):
    """Write the autograded notebook and feedback page of a graded submission (its report comes last)."""
    files = report.pop("files")
    for name, text in files.items():
        suffix = "html" if name == "feedback" else "ipynb"
        write_atomically(Path(workdir) / name / report["student"] / report["assignment"] / f"{report['assignment']}.{suffix}", text)


def save_report(workdir, report):
    write_atomically(report_path(workdir, report["assignment"], report["student"]), json.dumps(report, indent=1))


@contextmanager
def open_gradebook(config):
    with warnings.catch_warnings(), Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        warnings.simplefilter("ignore", SAWarning)  # see _grade_into
        yield gradebook


def recorded_scores(gradebook, report):
    """{test: score} of a submission as the gradebook holds it (None when it holds none)."""
    try:
        notebook = gradebook.find_submission_notebook(report["assignment"], report["assignment"], report["student"])
    except MissingEntry:
        return None
    return {grade.name: grade.score for grade in notebook.grades}


def record_in_gradebook(gradebook, report):
    """Put a submission's scores in the working folder's gradebook, where nbgrader's formgrader and
    ``nbgrader export`` find them; only the main process writes it. A submission that could not be
    graded (``environment``) is taken out of it, as it is left blank in grades.csv."""
    graded = not report.get("environment")
    if recorded_scores(gradebook, report) == ({row["name"]: row["score"] for row in report["tests"]} if graded else None):
        return
    gradebook.update_or_create_student(report["student"])
    try:
        gradebook.remove_submission(report["assignment"], report["student"])
    except MissingEntry:
        pass
    if graded:
        gradebook.add_submission(report["assignment"], report["student"])
        for row in report["tests"]:
            grade = gradebook.find_grade(row["name"], report["assignment"], report["assignment"], report["student"])
            grade.auto_score = row["score"]
    gradebook.db.commit()


def default_workers():
    return os.cpu_count() or 1


def progress_line(done, total, report, reused=False):
    width = 20
    filled = round(width * done / total)
    status = "reused" if reused else f"{report['seconds']:.0f} s"
    flag = "  [needs a look]" if report["attention"] else ""
    return (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  {report['student']} / {report['assignment']}: "
            f"{report['score']:g}/{report['max_score']:g} ({status}){flag}")


def grade(inbox, workdir=course.DEFAULT_WORKDIR, log=print, workers=None, limits=None, use_sandbox=True,
          force=False, executor=None, phases=None):
    """Autograde every submission in ``inbox``; returns (scores, attention).

    ``attention`` maps (student, assignment) to the reasons an instructor should look at that
    submission (a crash, a time-out, a limit, repaired cells, an unreadable notebook, a notebook
    found under another name, no notebook at all, the course's data or set-up failing), and (path, "?")
    to what was not graded (refused, or named for no lesson). Every submission gets a score, except one
    the course's data or set-up failed: it is left blank in grades.csv and graded again next time.
    ``executor`` is any ``concurrent.futures.Executor`` (default: a process pool of ``workers``
    processes, the cores). SIGTERM or SIGINT stops the batch (``GradingInterrupted``) with every
    finished submission saved, and no worker left running; the next run resumes. ``phases``, a
    ``timing.Phases``, gets the main process's seconds per phase (each report has its worker's).
    """
    phases = phases or Phases()
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    assignment_ids = course.assignment_ids()
    inbox_contents = find_submissions(inbox, assignment_ids)
    submissions = inbox_contents.submissions
    if not submissions:
        raise FileNotFoundError(
            f"No submissions found in {inbox}: expected <student>/<assignment>/<assignment>.ipynb or "
            f"<student>_<assignment>.ipynb, with <assignment> one of {', '.join(assignment_ids)}")
    limits = limits or course_limits()
    batch = sorted({s.assignment for s in submissions})
    workers = min(workers or default_workers(), len(submissions))
    with phases("main: checks of the sandbox and the data"):
        log(f"isolation: {sandbox_mode(use_sandbox)[1]}")
        for line in course.check_datasets(batch):
            log(line)
    # The workers start (and warm up) while the lessons are released; SIGTERM or Ctrl-C from here on
    # stops them too.
    with stopped_by_signals(), grading_executor(executor, workers) as pool:
        with phases("main: releasing the lessons into the working folder"):
            config, _ = release_into_workdir(workdir, batch)
        with phases("main: reading the submissions, grading keys"):
            gradebook_bytes = Path(config.CourseDirectory.db_url.removeprefix("sqlite:///")).read_bytes()
            templates = {assignment: (workdir / "release" / assignment / f"{assignment}.ipynb").read_text() for assignment in batch}
            lessons = {assignment: course.lesson_digest(assignment) for assignment in batch}
            refused = list(inbox_contents.refused)
            reports, tasks = {}, []
            for submission in submissions:
                try:
                    notebook = read_submission(submission.notebook) if submission.notebook else None
                except NotARegularFile as error:
                    refused.append(Refused(submission.notebook, str(error)))
                    continue
                key = grading_key(notebook, templates[submission.assignment], lessons[submission.assignment], limits, use_sandbox)
                earlier = load_report(report_path(workdir, submission.assignment, submission.student))
                if not force and earlier.get("key") == key and not earlier.get("environment"):
                    reports[(submission.student, submission.assignment)] = earlier
                    continue
                tasks.append(GradingTask(submission.student, submission.assignment, notebook, submission.note,
                                         templates[submission.assignment], gradebook_bytes, limits, use_sandbox, key))
            tasks = with_start_next(tasks, executor, workers)
        total = len(reports) + len(tasks)
        with open_gradebook(config) as gradebook:
            # A report is written after its scores are in the gradebook; a gradebook replaced or behind
            # (an older version's order, a copy restored) is brought back in line with the reports here.
            with phases("main: saving reports, files and the gradebook"):
                for done, report in enumerate(list(reports.values()), start=1):
                    record_in_gradebook(gradebook, report)
                    log(progress_line(done, total, report, reused=True))
            try:
                with phases("main: waiting for the workers"), closing(graded_reports(tasks, pool)) as graded:
                    for report in graded:
                        with phases("main: saving reports, files and the gradebook"):
                            save_files(workdir, report)
                            record_in_gradebook(gradebook, report)
                            save_report(workdir, report)
                        reports[(report["student"], report["assignment"])] = report
                        log(progress_line(len(reports), total, report))
            except GradingInterrupted as interruption:
                log(f"stopped by {interruption}: {len(reports)} of {total} submission(s) graded and saved; "
                    "run the same command again to grade the rest")
                raise
    ordered = [reports[key] for key in sorted(reports)]
    pending = {key for key, report in reports.items() if report.get("environment")}
    scores = [TestScore(report["student"], report["assignment"], row["name"], row["score"], row["max_score"])
              for report in ordered for row in report["tests"] if (report["student"], report["assignment"]) not in pending]
    write_csvs(scores, workdir, pending)
    attention = {(report["student"], report["assignment"]): report["attention"] for report in ordered if report["attention"]}
    for entry in refused:
        attention[(str(entry.path), "?")] = [f"not graded: {entry.reason}"]
    for path in unrecognized_notebooks(inbox, inbox_contents):
        attention[(str(path), "?")] = [
            "not graded: its name is not <student>_<assignment>.ipynb or <student>/<assignment>/<assignment>.ipynb "
            f"with <assignment> one of {', '.join(assignment_ids)}; rename it and grade again"]
    return scores, attention


def load_report(path):
    """A saved report, or {} when there is none."""
    return json.loads(path.read_text()) if path.is_file() else {}


class GradingInterrupted(Exception):
    """SIGTERM or SIGINT arrived while grading (the signal's name is the message)."""


@contextmanager
def stopped_by_signals():
    """Turn SIGTERM and SIGINT into GradingInterrupted while grading (signals reach only the main thread,
    so elsewhere, e.g. in a test's thread, nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signal_number, frame):
        raise GradingInterrupted(signal.Signals(signal_number).name)

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def grading_executor(executor, workers):
    """Where the submissions are graded: on ``executor`` when given; else in this process for one
    worker, or on a pool of ``workers`` processes started fresh (spawn). Entered before the lessons are
    released, so that the workers start and warm up (``warm_up_worker``) meanwhile. Left by an exception
    (GradingInterrupted), it kills its own pool's workers and everything they started."""
    if executor is not None:
        yield executor
        return
    if workers == 1:
        from .judge import Startup

        warm_up_worker()
        try:
            yield None
        finally:  # a batch stopped early leaves the kernels started for a next notebook
            Startup.discard_waiting()
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=warm_up_worker)
    try:
        for _ in range(workers):  # the pool starts a worker per submitted job while none is idle: all of them now
            pool.submit(int)
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in set(multiprocessing.active_children()) - before:
            kill_process_tree(worker.pid)
        raise
    pool.shutdown()


def warm_up_worker():
    """What every worker would otherwise do at its first notebook, done as it starts: nbgrader's
    pipeline and the judge imported, the sandbox probed, the feedback renderer started. A failure here
    is met again, and reported, where the grading needs the piece."""
    try:
        import nbgrader.apps  # noqa: F401  (imported for its cost, paid here)

        from . import judge  # noqa: F401

        sandbox_mode()
        FEEDBACK.start()
    except Exception:
        pass


def with_start_next(tasks, executor, workers):
    """The tasks, each marked with whether the worker that grades it probably grades another after it
    (all but the last ``workers``: a pool hands tasks out in order), which starts the next notebook's
    kernels during it. Not on an executor of the caller's: a Dask cluster's workers outlive the batch,
    and would keep kernels started for nothing."""
    if executor is not None:
        return tasks
    return [replace(task, start_next=index < len(tasks) - workers) for index, task in enumerate(tasks)]


def graded_reports(tasks, executor):
    """Reports of the tasks as they finish: graded on ``executor``, or in this process when it is None
    (each notebook still runs in its own sandboxed child either way). Stopped early (an exception,
    GradingInterrupted), it cancels what has not started."""
    if executor is None:
        yield from map(grade_submission, tasks)
        return
    futures = [executor.submit(grade_submission, task) for task in tasks]
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def process_tree(pid):
    """The pids of a process and of all its descendants, from /proc."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree = [pid]
    for member in tree:  # grows while it is walked: breadth first
        tree += children.get(member, [])
    return tree


def kill_process_tree(pid):
    """SIGKILL a process and all its descendants, all found before any is killed (a killed process's
    children are handed to init)."""
    for member in process_tree(pid):
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass


def course_limits():
    """The course's default limits, from ``c.SandboxedExecute`` in nbgrader_config.py."""
    settings = course.nbgrader_config().SandboxedExecute
    defaults = Limits()
    return Limits(**{name: type(getattr(defaults, name))(settings.get(name, getattr(defaults, name)))
                     for name in ("wall_seconds", "cell_seconds", "memory_mb", "processes")})
