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
notebook in a sandboxed child process with limits (``sandbox.py``, ``runner.py``). The worker returns
everything it made; only the main process writes the working folder, and it is the gradebook's only
writer, so workers never contend for SQLite and may run on other machines (``executor``: any
``concurrent.futures.Executor``, e.g. Dask distributed's ``Client.get_executor()``).

Everything grading makes goes into the working folder (default ``work/``): ``autograded/``,
``feedback/``, ``reports/<assignment>/<student>.json`` (written last and atomically: a re-run skips a
submission whose report matches its notebook, so an interrupted run resumes), ``gradebook.db``,
``grades.csv`` (one row per student, one column per assignment: the total) and ``scores.csv`` (one row
per student, assignment and test).
"""
import csv
import hashlib
import json
import os
import tempfile
import time
import warnings
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

from . import course
from .repair import repair
from .sandbox import Limits, sandbox_mode

# A notebook above this size is not graded (its outputs are cleared before grading, so only a
# notebook that embeds data gets there); the report says so.
MAX_NOTEBOOK_MB = 20


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: Path
    note: str = ""  # e.g. that the notebook had another name


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
                others = sorted((path / assignment_id).glob("*.ipynb"))
                if notebook.exists():
                    submissions.append(Submission(path.name, assignment_id, notebook))
                elif len(others) == 1:
                    submissions.append(Submission(path.name, assignment_id, others[0],
                                                  f"graded {others[0].name}, the only notebook handed in "
                                                  f"(expected name: {assignment_id}.ipynb)"))
        elif path.suffix == ".ipynb":
            for assignment_id in assignment_ids:
                suffix = f"_{assignment_id}.ipynb"
                if path.name.endswith(suffix) and len(path.name) > len(suffix):
                    submissions.append(Submission(path.name[: -len(suffix)], assignment_id, path))
                    break
    return submissions


def unrecognized_notebooks(inbox: Path, submissions):
    """Notebooks in ``inbox`` that are no submission (a misspelt lesson id, a stray file)."""
    used = {submission.notebook.resolve() for submission in submissions}
    return sorted(path for path in Path(inbox).rglob("*.ipynb")
                  if path.resolve() not in used and ".ipynb_checkpoints" not in path.parts)


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




@dataclass(frozen=True)
class GradingTask:
    """Everything a worker needs to grade one submission; it reads no file of the working folder, so
    a worker on another machine needs only the course installed."""
    student: str
    assignment: str
    notebook: bytes        # the submitted file as it was handed in
    note: str
    template: str          # the released student version (JSON), to repair cells from
    gradebook: bytes       # the gradebook after release: the lesson's cells, tests and checksums
    limits: Limits
    use_sandbox: bool
    key: str               # what the report is valid for (see grading_key)


def grading_key(notebook_bytes, template, limits, use_sandbox):
    """A report is reused only for the same notebook, lesson version, limits and sandbox setting."""
    digest = hashlib.sha256(notebook_bytes)
    digest.update(template.encode())
    numbers = {name: float(value) for name, value in asdict(limits).items()}  # 90 and 90.0 are one limit
    digest.update(json.dumps([numbers, bool(use_sandbox)], sort_keys=True).encode())
    return digest.hexdigest()


def grade_submission(task: GradingTask):
    """Grade one submission with nbgrader in a private folder; returns its report (a dict) with the
    autograded notebook and the feedback page under ``files`` for the main process to write.

    Whatever goes wrong, the submission gets a report (zero, with the error), so the batch goes on."""
    started = time.monotonic()
    report = {"student": task.student, "assignment": task.assignment, "key": task.key, "tests": [],
              "repairs": [task.note] if task.note else [], "problems": [], "tampering": {}, "files": {}}
    template = nbformat.reads(task.template, as_version=4)
    try:
        _grade_into(report, task, template)
    except Exception as error:  # a notebook nbformat reads but nbgrader or the repair cannot handle
        report["error"] = f"the grader failed on this submission: {type(error).__name__}: {error}"
        report["tests"] = [_test_row(cell, 0.0, report["error"]) for cell in template.cells if _is_test(cell)]
    return _finish(report, started)


def _grade_into(report, task, template):
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
    repaired, notes = repair(submitted, template)
    report["repairs"] += notes
    with tempfile.TemporaryDirectory(prefix="emotion-grade-") as folder:
        folder = Path(folder)
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
        api = course.nbgrader_api(config)
        with warnings.catch_warnings():
            # nbgrader 0.9.6 relies on a cascade SQLAlchemy 2 no longer makes, and warns; nothing is lost.
            warnings.simplefilter("ignore", SAWarning)
            result = api.autograde(task.assignment, task.student, force=True, create=True)
            if result["success"]:
                result = api.generate_feedback(task.assignment, task.student, force=True)
        if not result["success"]:
            report["error"] = "nbgrader could not grade it: " + (result.get("error") or "") + result.get("log", "")[-3000:]
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
        report["problems"] = [f"{cell_label(execution['cell_ids'].get(index), index)}: {reason}"
                              for index, reason in execution.get("cells", {}).items()]
        report["problems"] += memory_errors(executed, task.limits)
        report["tampering"] = {execution["cell_ids"].get(index) or index: changes
                               for index, changes in execution.get("tampering", {}).items()}


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
    reasons = []
    if report.get("error"):
        reasons.append(report["error"].splitlines()[0])
    reasons += report["problems"] + report["repairs"]
    reasons += [f"tampering undone before {test}: {', '.join(changes)}" for test, changes in report["tampering"].items()]
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


def save_result(workdir, report):
    """Write the autograded notebook and feedback of a graded submission, then (last) its report."""
    files = report.pop("files")
    for name, text in files.items():
        suffix = "html" if name == "feedback" else "ipynb"
        write_atomically(Path(workdir) / name / report["student"] / report["assignment"] / f"{report['assignment']}.{suffix}", text)
    write_atomically(report_path(workdir, report["assignment"], report["student"]), json.dumps(report, indent=1))


def record_in_gradebook(config, report):
    """Put a submission's scores in the working folder's gradebook, where nbgrader's formgrader and
    ``nbgrader export`` find them; only the main process writes it."""
    with warnings.catch_warnings(), Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gradebook:
        warnings.simplefilter("ignore", SAWarning)
        gradebook.update_or_create_student(report["student"])
        try:
            gradebook.remove_submission(report["assignment"], report["student"])
        except MissingEntry:
            pass
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
          force=False, executor=None):
    """Autograde every submission in ``inbox``; returns (scores, attention).

    ``attention`` maps (student, assignment) to the reasons an instructor should look at that
    submission (a crash, a time-out, tampering, repaired cells, an unreadable notebook, a notebook
    found under another name); every submission gets a score either way. ``executor`` is any
    ``concurrent.futures.Executor`` (default: a process pool of ``workers`` processes, the cores).
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    assignment_ids = course.assignment_ids()
    submissions = find_submissions(inbox, assignment_ids)
    if not submissions:
        raise FileNotFoundError(
            f"No submissions found in {inbox}: expected <student>/<assignment>/<assignment>.ipynb or "
            f"<student>_<assignment>.ipynb, with <assignment> one of {', '.join(assignment_ids)}")
    limits = limits or course_limits()
    log(f"isolation: {sandbox_mode(use_sandbox)[1]}")
    extract_datasets_once(log)
    config, _ = release_into_workdir(workdir, sorted({s.assignment for s in submissions}))
    gradebook = Path(config.CourseDirectory.db_url.removeprefix("sqlite:///")).read_bytes()
    templates = {assignment: (workdir / "release" / assignment / f"{assignment}.ipynb").read_text()
                 for assignment in {s.assignment for s in submissions}}
    reports, tasks = {}, []
    for submission in submissions:
        notebook = submission.notebook.read_bytes()
        key = grading_key(notebook, templates[submission.assignment], limits, use_sandbox)
        path = report_path(workdir, submission.assignment, submission.student)
        if not force and path.exists() and json.loads(path.read_text()).get("key") == key:
            reports[(submission.student, submission.assignment)] = json.loads(path.read_text())
            log(progress_line(len(reports), len(submissions), reports[(submission.student, submission.assignment)], reused=True))
            continue
        tasks.append(GradingTask(submission.student, submission.assignment, notebook, submission.note,
                                 templates[submission.assignment], gradebook, limits, use_sandbox, key))
    for report in graded_reports(tasks, executor, workers or default_workers()):
        save_result(workdir, report)
        record_in_gradebook(config, report)
        reports[(report["student"], report["assignment"])] = report
        log(progress_line(len(reports), len(submissions), report))
    ordered = [reports[(s.student, s.assignment)] for s in submissions]
    scores = [TestScore(report["student"], report["assignment"], row["name"], row["score"], row["max_score"])
              for report in ordered for row in report["tests"]]
    write_csvs(scores, workdir)
    attention = {(report["student"], report["assignment"]): report["attention"] for report in ordered if report["attention"]}
    for path in unrecognized_notebooks(inbox, submissions):
        attention[(str(path), "?")] = [
            "not graded: its name is not <student>_<assignment>.ipynb or <student>/<assignment>/<assignment>.ipynb "
            f"with <assignment> one of {', '.join(assignment_ids)}; rename it and grade again"]
    return scores, attention


def extract_datasets_once(log):
    """Extract the IMDB archive into the cache before grading, when the data folder holds it: the
    notebooks see the cache read-only, and extracting it once per submission would cost each ~20 s."""
    from emolib import data

    if (data.data_dir() / data.IMDB_ARCHIVE).is_file():
        log(f"IMDB reviews: {data.imdb_folder()}")


def graded_reports(tasks, executor, workers):
    """Reports of the tasks as they finish: on ``executor`` when given, else on a pool of ``workers``
    processes started fresh (spawn), or in this process for one worker (each notebook still runs in
    its own sandboxed child either way)."""
    if executor is None and workers == 1:
        yield from map(grade_submission, tasks)
        return
    if executor is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield from graded_reports(tasks, pool, workers)
        return
    futures = [executor.submit(grade_submission, task) for task in tasks]
    try:
        for future in as_completed(futures):
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def course_limits():
    """The course's default limits, from ``c.SandboxedExecute`` in nbgrader_config.py."""
    settings = course.nbgrader_config().SandboxedExecute
    defaults = Limits()
    return Limits(**{name: type(getattr(defaults, name))(settings.get(name, getattr(defaults, name)))
                     for name in ("wall_seconds", "cell_seconds", "memory_mb", "processes")})
