"""The grader against hostile and faulty submissions of lesson 01: each crafted submission gets an
exact score, and the reason the grader records for it.

The whole class is graded once (module fixture), in one batch with 2 workers and tight limits, in the
bubblewrap sandbox when it can run here; a second small batch is graded without the sandbox, to test
the fallback. Lesson 01's tests (points): sigmoid 1, sigmoid_bce_loss 2, numerical_gradient 2,
mse_loss 1, sigmoid_neuron_mse 2, softmax 2, softmax_cross_entropy 3, softmax_regression_loss 3,
train_softmax_regression 3; 19 in all. The solutions call one another (sigmoid_bce_loss calls sigmoid,
sigmoid_neuron_mse calls mse_loss, ...), so the crafted faults sit in answers that no later test
calls: sigmoid_bce_loss and numerical_gradient (only an ungraded cell calls them).
"""
import copy
import subprocess
import sys
import time

import nbformat
import pytest

from autograder import course
from autograder.grade import grade, load_reports
from autograder.sandbox import Limits, bwrap_status, cgroup_limit_mb, memory_cgroup_status
from realdata import needs_real_imdb

pytestmark = [pytest.mark.notebooks, needs_real_imdb]

LESSON = "01_softmax"
FULL = 19.0
LIMITS = Limits(wall_seconds=120, cell_seconds=30, memory_mb=3000, processes=32)
SANDBOX_USABLE, SANDBOX_WHY = bwrap_status()
needs_bwrap = pytest.mark.skipif(not SANDBOX_USABLE, reason=f"bubblewrap cannot run here: {SANDBOX_WHY}")

SOLUTION = nbformat.read(course.solution_notebook(LESSON), as_version=4)
RELEASE = nbformat.read(course.release_notebook(LESSON), as_version=4)

WRONG_GRADIENT = "def numerical_gradient(f, x, h=1e-5):\n    return np.zeros_like(np.asarray(x, dtype=np.float64))\n"
# Seconds since this kernel started, from /proc, for cells that must end at a known time.
def cell(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def edited(base=SOLUTION, **sources):
    """A copy of ``base`` whose cells (by grade id) get new sources."""
    notebook = copy.deepcopy(base)
    for grade_id, source in sources.items():
        cell(notebook, grade_id).source = source
    return notebook


def prepended(grade_id, code, base=SOLUTION):
    """A copy of ``base`` with ``code`` run at the top of a cell."""
    return edited(base, **{grade_id: code + "\n" + cell(base, grade_id).source})


def tampered(code):
    """A wrong numerical_gradient, and in the same cell ``code`` trying to make its test pass anyway."""
    return edited(numerical_gradient=WRONG_GRADIENT + code)


def partly_right():
    return edited(RELEASE, sigmoid=cell(SOLUTION, "sigmoid").source, softmax=cell(SOLUTION, "softmax").source)


def mangled_cells():
    """A deleted test, a duplicated answer and test, an answer turned into Markdown, flipped flags."""
    notebook = copy.deepcopy(SOLUTION)
    notebook.cells.remove(cell(notebook, "test_softmax"))
    for grade_id in ("sigmoid", "test_sigmoid"):
        duplicate = copy.deepcopy(cell(notebook, grade_id))
        duplicate["id"] = grade_id + "-copy"
        notebook.cells.insert(notebook.cells.index(cell(notebook, grade_id)) + 1, duplicate)
    answer = cell(notebook, "sigmoid_bce_loss")
    notebook.cells[notebook.cells.index(answer)] = nbformat.v4.new_markdown_cell(
        answer.source, metadata=answer.metadata, id=answer.id)
    cell(notebook, "test_mse_loss").metadata.nbgrader.update(grade=False, solution=True, locked=False)
    return notebook


def metadata_stripped():
    notebook = copy.deepcopy(SOLUTION)
    for each in notebook.cells:
        each.metadata.pop("nbgrader", None)
    return notebook


def without(grade_id):
    notebook = copy.deepcopy(SOLUTION)
    notebook.cells.remove(cell(notebook, grade_id))
    return notebook


def oversized():
    notebook = copy.deepcopy(SOLUTION)
    cell(notebook, "sigmoid").outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 25_000_000)]
    return notebook


def spy(secret_paths):
    """A correct notebook that breaks its own sigmoid when it can see the grader's files or the network."""
    return prepended("sigmoid", (
        "import os, socket\n"
        f"seen = [path for path in {[str(path) for path in secret_paths]!r} if os.path.exists(path)]\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=3).close()\n"
        "    seen.append('the network')\n"
        "except OSError:\n"
        "    pass\n"
        "if seen:\n"
        "    raise RuntimeError(f'the grader let me see {seen}')\n"))


def crashing():
    """sigmoid_bce_loss segfaults when its test calls it; numerical_gradient's cell ends its kernel."""
    return edited(
        sigmoid_bce_loss="def sigmoid_bce_loss(z, y):\n    import ctypes\n    return ctypes.string_at(0)\n",
        numerical_gradient=cell(SOLUTION, "numerical_gradient").source + "\nimport os\nos._exit(1)\n")


def resource_hogs():
    """sigmoid_bce_loss's cell starts 80 processes; numerical_gradient's cell fills the memory;
    train_softmax_regression's cell fills shared memory, which the data limit does not count."""
    return edited(
        sigmoid_bce_loss="import subprocess, time\nsleepers = [subprocess.Popen(['sleep', '60']) for _ in range(80)]\n"
                         "time.sleep(5)  # the grader counts processes twice a second\n"
                         + cell(SOLUTION, "sigmoid_bce_loss").source,
        numerical_gradient="hog = [bytearray(10**8) for _ in range(1000)]\n" + cell(SOLUTION, "numerical_gradient").source,
        train_softmax_regression="import mmap\nshared = mmap.mmap(-1, 4500 << 20, flags=mmap.MAP_SHARED)\n"
                                 "np.frombuffer(shared, dtype=np.uint8)[::4096] = 1  # touch every page\n"
                                 + cell(SOLUTION, "train_softmax_regression").source)


def over_wall_time():
    """The first four answer cells each sleep until 25, 50, 75 and 100 s after the first of them started
    (each under the 30 s cell time); the fifth sleeps 29 s more and reaches the 120 s wall time, whatever
    the machine's speed, as long as the set-up cells before the first answer take under 20 s. The clock is
    the notebook's own: the grader may start a kernel well before the notebook's wall time begins."""
    until = lambda seconds: f"time.sleep(max(0, {seconds} - (time.monotonic() - answers_started)))\n"
    return edited(
        sigmoid="import time\nanswers_started = time.monotonic()\n" + until(25) + cell(SOLUTION, "sigmoid").source,
        sigmoid_bce_loss=until(50) + cell(SOLUTION, "sigmoid_bce_loss").source,
        numerical_gradient=until(75) + cell(SOLUTION, "numerical_gradient").source,
        mse_loss=until(100) + cell(SOLUTION, "mse_loss").source,
        sigmoid_neuron_mse="time.sleep(29)\n" + cell(SOLUTION, "sigmoid_neuron_mse").source)


TAMPERED_NUMPY_AND_CHECKS = tampered(
    "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
    "np.testing.assert_allclose = lambda *a, **k: None\n"
    "checks.assert_close = lambda *a, **k: None\nchecks.assert_gradient = lambda *a, **k: None\n")
TAMPERED_BUILTINS = tampered(
    "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.print = lambda *a, **k: None\n"
    "def isinstance(*args):\n    return True\nany = lambda *a: False\ndef max(*args, **kwargs):\n    return 0\n")
SWAPPED_MODULES = tampered(
    "import sys, types\nfake = types.SimpleNamespace(assert_close=lambda *a, **k: None, assert_gradient=lambda *a, **k: None)\n"
    "sys.modules['emolib.checks'] = fake\nchecks = fake\n"
    "np = types.SimpleNamespace(**{**vars(np), 'random': np.random, 'all': lambda *a, **k: True, 'any': lambda *a, **k: False})\n")
HOOKED_IPYTHON = tampered(
    "get_ipython().set_custom_exc((AssertionError,), lambda *args, **kwargs: None)\n"
    "get_ipython().input_transformers_cleanup.append(\n"
    "    lambda lines: ['pass\\n'] if any('checks.' in line for line in lines) else lines)\n")
# An ndarray whose == always answers True, returned by a wrong answer; and (see write_class) a numpy.py
# beside the notebook that makes every comparison pass, were it ever imported.
EQUAL_TO_EVERYTHING = edited(numerical_gradient=(
    "class AlwaysEqual(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
    "    def __ne__(self, other):\n        return False\n\n"
    "def numerical_gradient(f, x, h=1e-5):\n    return np.zeros_like(np.asarray(x, dtype=np.float64)).view(AlwaysEqual)\n"))
FAKE_NUMPY = "allclose = lambda *a, **k: True\ndef __getattr__(name):\n    return lambda *a, **k: True\n"
LOOPS_IGNORING_SIGINT = prepended("mse_loss", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n")


def write_class(inbox, workdir):
    """Write every crafted submission; returns {student: where its notebook is}."""
    flat = {
        "all_right": SOLUTION, "blank": RELEASE, "partly_right": partly_right(),
        "tampered_numpy_and_checks": TAMPERED_NUMPY_AND_CHECKS, "tampered_builtins": TAMPERED_BUILTINS,
        "swapped_modules": SWAPPED_MODULES, "hooked_ipython": HOOKED_IPYTHON,
        "crashing": crashing(), "resource_hogs": resource_hogs(), "loops_ignoring_sigint": LOOPS_IGNORING_SIGINT,
        "over_wall_time": over_wall_time(), "mangled_cells": mangled_cells(),
        "metadata_stripped": metadata_stripped(), "deleted_answer": without("numerical_gradient"), "oversized": oversized(),
        "spy": spy([course.SOLUTIONS, workdir / "gradebook.db", inbox, course.DEFAULT_WORKDIR]),
    }
    inbox.mkdir(parents=True)
    for student, notebook in flat.items():
        nbformat.write(notebook, inbox / f"{student}_{LESSON}.ipynb")
    (inbox / f"invalid_json_{LESSON}.ipynb").write_text('{"cells": [ this is not JSON')
    (inbox / "misspelt_01_sofmax.ipynb").write_text(nbformat.writes(SOLUTION))
    folders = {"equal_to_everything": EQUAL_TO_EVERYTHING, "wrong_name": SOLUTION, "huge_file_beside": SOLUTION}
    for student, notebook in folders.items():
        (inbox / student / LESSON).mkdir(parents=True)
        name = "Untitled.ipynb" if student == "wrong_name" else f"{LESSON}.ipynb"
        nbformat.write(notebook, inbox / student / LESSON / name)
    (inbox / "equal_to_everything" / LESSON / "numpy.py").write_text(FAKE_NUMPY)
    with open(inbox / "huge_file_beside" / LESSON / "data.bin", "wb") as handle:
        handle.truncate(300_000_000)  # sparse: 300 MB to the grader, nothing on disk


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the class with 2 workers; returns (reports by student, attention, seconds taken)."""
    root = tmp_path_factory.mktemp("adversarial")
    write_class(root / "inbox", root / "work")
    started = time.monotonic()
    _, attention = grade(root / "inbox", workdir=root / "work", workers=2, limits=LIMITS, log=lambda line: None)
    seconds = time.monotonic() - started
    print(f"\nadversarial class of lesson 01 graded in {seconds:.0f} s with 2 workers")
    reports = {student: report for (student, _), report in load_reports(root / "work").items()}
    return reports, attention, root


@pytest.fixture(scope="module")
def graded_without_sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("fallback")
    inbox, workdir = root / "inbox", root / "work"
    inbox.mkdir()
    nbformat.write(spy([course.SOLUTIONS, workdir / "gradebook.db", inbox]), inbox / f"spy_{LESSON}.ipynb")
    nbformat.write(crashing(), inbox / f"crashing_{LESSON}.ipynb")
    nbformat.write(TAMPERED_NUMPY_AND_CHECKS, inbox / f"tampered_{LESSON}.ipynb")
    lines = []
    grade(inbox, workdir=workdir, workers=2, limits=LIMITS, use_sandbox=False, log=lines.append)
    return {student: report for (student, _), report in load_reports(workdir).items()}, lines


def scores(report):
    return {row["name"].removeprefix("test_"): row["score"] for row in report["tests"]}


def reasons(report):
    return {row["name"].removeprefix("test_"): row["reason"] for row in report["tests"]}


def full_but(**lost):
    """Full marks on every test except those named, which get the scores given."""
    full = {row["name"].removeprefix("test_"): row["max_score"] for row in ALL_RIGHT_TESTS}
    return {**full, **lost}


ALL_RIGHT_TESTS = [{"name": c.metadata.nbgrader["grade_id"], "max_score": float(c.metadata.nbgrader["points"])}
                   for c in SOLUTION.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_the_tests_of_lesson_01_are_worth_19_points():
    assert sum(row["max_score"] for row in ALL_RIGHT_TESTS) == FULL


# --- ordinary submissions -------------------------------------------------------------------------

def test_all_right_gets_full_marks_and_needs_no_look(graded):
    reports, attention, _ = graded
    assert scores(reports["all_right"]) == full_but()
    assert set(reasons(reports["all_right"]).values()) == {"passed"}
    assert ("all_right", LESSON) not in attention


def test_blank_gets_zero_and_each_test_says_not_implemented(graded):
    reports, attention, _ = graded
    assert reports["blank"]["score"] == 0
    assert set(reasons(reports["blank"]).values()) == {"NotImplementedError:"}
    assert ("blank", LESSON) not in attention


def test_partly_right_gets_the_points_of_its_answers(graded):
    reports, _, _ = graded
    assert reports["partly_right"]["score"] == 3
    assert {name for name, score in scores(reports["partly_right"]).items() if score} == {"sigmoid", "softmax"}


def test_a_notebook_that_is_not_json_gets_zero_with_the_reason(graded):
    reports, attention, _ = graded
    assert reports["invalid_json"]["score"] == 0 and len(reports["invalid_json"]["tests"]) == 9
    assert reports["invalid_json"]["error"].startswith("not a readable notebook")
    assert attention[("invalid_json", LESSON)][0].startswith("not a readable notebook")


def test_a_notebook_under_another_name_is_graded_and_noted(graded):
    reports, attention, _ = graded
    assert reports["wrong_name"]["score"] == FULL
    assert attention[("wrong_name", LESSON)] == [
        f"graded Untitled.ipynb, the only notebook handed in (expected name: {LESSON}.ipynb)"]


def test_a_file_named_for_no_lesson_is_listed_not_graded(graded):
    reports, attention, root = graded
    assert "misspelt" not in reports and "misspelt_01" not in reports
    [(key, why)] = [(key, why) for key, why in attention.items() if key[1] == "?"]
    assert key[0].endswith("misspelt_01_sofmax.ipynb") and "rename it" in why[0]


def test_a_huge_file_beside_the_notebook_is_ignored(graded):
    reports, attention, root = graded
    assert reports["huge_file_beside"]["score"] == FULL
    assert ("huge_file_beside", LESSON) not in attention
    assert not list((root / "work").rglob("data.bin"))


def test_an_oversized_notebook_is_refused_with_what_to_do(graded):
    reports, _, _ = graded
    assert reports["oversized"]["score"] == 0
    assert "over the limit of 20 MB: clear its outputs" in reports["oversized"]["error"]


# --- tampering with what the tests use ------------------------------------------------------------

@pytest.mark.parametrize("student", ["tampered_numpy_and_checks", "tampered_builtins", "swapped_modules", "hooked_ipython"])
def test_tampering_cannot_turn_a_wrong_answer_into_points(graded, student):
    """The tests run in the judge kernel (judge.py): what the answer cells change in the student's
    kernel never reaches them."""
    reports, attention, _ = graded
    report = reports[student]
    assert scores(report) == full_but(numerical_gradient=0.0)
    assert reasons(report)["numerical_gradient"].startswith("AssertionError: your numerical gradient of sum(x**3)")


def test_an_array_equal_to_everything_and_a_numpy_py_beside_it_score_what_they_are(graded):
    reports, attention, _ = graded
    report = reports["equal_to_everything"]
    assert scores(report) == full_but(numerical_gradient=0.0)
    assert reasons(report)["numerical_gradient"].startswith("AssertionError: your numerical gradient of sum(x**3)")
    assert ("equal_to_everything", LESSON) not in attention  # nothing was tampered with: just wrong


# --- crashes, loops and limits --------------------------------------------------------------------

def test_a_dying_kernel_costs_only_the_affected_cells(graded):
    reports, attention, _ = graded
    report = reports["crashing"]
    assert scores(report) == full_but(sigmoid_bce_loss=0.0, numerical_gradient=0.0)
    assert reasons(report)["sigmoid_bce_loss"].startswith("crashed: the kernel died while the test called your code")
    assert reasons(report)["numerical_gradient"] == "NameError: name 'numerical_gradient' is not defined"
    assert [problem.split(":")[0] for problem in report["problems"][:2]] == ["cell 'test_sigmoid_bce_loss'", "cell 'numerical_gradient'"]
    assert ("crashing", LESSON) in attention


def test_memory_and_process_limits_cost_only_the_affected_cells(graded):
    reports, _, _ = graded
    report = reports["resource_hogs"]
    assert "cell 'sigmoid_bce_loss': killed: more than 32 processes at once" in report["problems"]
    assert "cell 'numerical_gradient': MemoryError (over the 3000 MB memory limit)" in report["problems"]
    if memory_cgroup_status()[0]:  # 4.5 GB of shared memory: only a cgroup counts it
        assert scores(report) == full_but(sigmoid_bce_loss=0.0, numerical_gradient=0.0, train_softmax_regression=0.0)
        # At the cgroup's limit the kernel reclaims the cell's own page cache before it kills: on an idle
        # machine the OOM killer ends the cell at once; with both cores busy (the test suite grades beside
        # it) the reclaiming can outlast the 30 s cell time, and the time limit ends it. Both reasons name
        # the memory limit; without a cgroup the cell keeps its points (below).
        limit = f"{cgroup_limit_mb(3000)} MB of memory, shared memory and files in /tmp included"
        killed = f"cell 'train_softmax_regression': killed while running this cell: the notebook's processes used more than {limit}"
        held = (f"cell 'train_softmax_regression': timed out: the cell ran longer than 30 s, held at the memory limit of "
                f"the notebook's processes ({limit})")
        assert killed in report["problems"] or held in report["problems"], report["problems"]
    else:
        assert scores(report) == full_but(sigmoid_bce_loss=0.0, numerical_gradient=0.0)


def test_a_loop_that_ignores_sigint_is_killed_at_the_cell_time(graded):
    reports, _, _ = graded
    report = reports["loops_ignoring_sigint"]
    assert scores(report) == full_but(mse_loss=0.0, sigmoid_neuron_mse=0.0)  # sigmoid_neuron_mse calls mse_loss
    assert report["problems"] == ["cell 'mse_loss': timed out: the cell ran longer than 30 s"]


def test_a_notebook_over_its_wall_time_keeps_the_points_it_earned_before(graded):
    reports, _, _ = graded
    report = reports["over_wall_time"]
    earned = {"sigmoid": 1.0, "sigmoid_bce_loss": 2.0, "numerical_gradient": 2.0, "mse_loss": 1.0}
    assert scores(report) == {**{name: 0.0 for name in scores(report)}, **earned}
    assert report["problems"][0] == "cell 'sigmoid_neuron_mse': stopped: the notebook reached its wall time of 120 s"
    assert reasons(report)["softmax"] == "not run: the notebook reached its wall time of 120 s"


# --- damaged notebooks ------------------------------------------------------------------------------

def test_deleted_duplicated_retyped_and_flipped_cells_are_repaired(graded):
    reports, attention, _ = graded
    report = reports["mangled_cells"]
    assert scores(report) == full_but()
    assert set(report["repairs"]) == {
        "cell 'sigmoid' appears more than once: the first copy is graded, the others run as ordinary cells",
        "cell 'test_sigmoid' appears more than once: the first copy is graded, the others run as ordinary cells",
        "cell 'sigmoid_bce_loss' was changed to markdown; changed back to code",
        "cell 'test_mse_loss': its nbgrader metadata was changed; restored from the lesson",
        "cell 'test_softmax' was missing: put back from the lesson",
    }
    assert ("mangled_cells", LESSON) in attention


def test_cells_whose_metadata_was_stripped_are_recognised(graded):
    reports, _, _ = graded
    report = reports["metadata_stripped"]
    assert scores(report) == full_but()
    assert len(report["repairs"]) == 19  # every nbgrader cell: 9 answers, 9 tests, the locked cell loading REFERENCE


def test_a_deleted_answer_cell_is_put_back_unanswered(graded):
    reports, _, _ = graded
    report = reports["deleted_answer"]
    assert scores(report) == full_but(numerical_gradient=0.0)
    assert reasons(report)["numerical_gradient"] == "NotImplementedError:"
    assert report["repairs"] == ["cell 'numerical_gradient' was missing: put back from the lesson "
                                 "(your answer in it is lost: it scores as unanswered)"]


# --- isolation, reports, feedback, resume ------------------------------------------------------------

@needs_bwrap
def test_the_sandbox_hides_solutions_gradebook_submissions_and_network(graded):
    reports, _, _ = graded
    assert reports["spy"]["sandbox"].startswith("bubblewrap sandbox")
    assert scores(reports["spy"]) == full_but()


def test_without_the_sandbox_limits_and_the_judge_still_hold_and_the_output_says_so(graded_without_sandbox):
    reports, lines = graded_without_sandbox
    assert lines[0].startswith("isolation: no sandbox")
    assert scores(reports["crashing"]) == full_but(sigmoid_bce_loss=0.0, numerical_gradient=0.0)
    assert scores(reports["tampered"]) == full_but(numerical_gradient=0.0)
    # Without bubblewrap the student's code can see the course's files: the spy breaks its own sigmoid.
    assert reasons(reports["spy"])["sigmoid"] == "NameError: name 'sigmoid' is not defined"


def test_feedback_shows_each_test_and_its_message_but_no_hidden_test(graded):
    _, _, root = graded
    page = (root / "work" / "feedback" / "tampered_numpy_and_checks" / LESSON / f"{LESSON}.html").read_text()
    assert "test_numerical_gradient" in page and "numerical gradient of sum(x**3)" in page  # the failure message
    assert "(hidden tests: not shown)" in page
    assert "BEGIN HIDDEN TESTS" not in page and "sigmoid of extreme logits" not in page


def test_grades_csv_has_every_graded_student(graded):
    reports, _, root = graded
    rows = (root / "work" / "grades.csv").read_text().splitlines()
    assert rows[0] == f"student,{LESSON}"
    assert {row.split(",")[0] for row in rows[1:]} == set(reports)


def test_a_second_run_reuses_every_report_and_exits_1_for_what_needs_a_look(graded):
    reports, attention, root = graded
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(root / "inbox"), "--workdir", str(root / "work"),
         "--wall-time", str(LIMITS.wall_seconds), "--cell-time", str(LIMITS.cell_seconds),
         "--memory", str(LIMITS.memory_mb), "--processes", str(LIMITS.processes)],
        capture_output=True, text=True, timeout=300, cwd=course.COURSE_ROOT)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("(reused)") == len(reports)
    assert f"{len(attention)} submission(s) need an instructor's look" in result.stdout
    assert time.monotonic() - started < 120


def test_bad_limits_are_refused_with_what_was_wrong(tmp_path):
    result = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--memory", "-5"],
                            capture_output=True, text=True, cwd=course.COURSE_ROOT)
    assert result.returncode == 2 and "-5 must be above zero" in result.stderr
