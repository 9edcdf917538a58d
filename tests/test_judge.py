"""The judge against students who attack the grader from inside their own notebook (lesson 01).

Every technique below once kept full marks for a wrong answer (or 19/19 for a blank notebook) when
the tests ran in the student's kernel. Now the tests run in a judge kernel outside the sandbox, and
the student's code can only change what its own functions return. Each crafted submission is graded
through nbgrader, in one batch with 2 workers, and gets its exact score and reason; correct answers
that print, warn, use threads or start processes keep full marks.
"""
import os
import subprocess
import time

import nbformat
import pytest

from autograder.grade import grade, load_reports
from autograder.sandbox import Limits, bwrap_status
from realdata import needs_real_imdb
from test_adversarial import LESSON, RELEASE, SOLUTION, cell, edited, full_but, reasons, scores, tampered

pytestmark = [pytest.mark.notebooks, needs_real_imdb]

LIMITS = Limits(wall_seconds=240, cell_seconds=60, memory_mb=3000, processes=32)
SANDBOX_USABLE, SANDBOX_WHY = bwrap_status()
WRONG_GRADIENT_REASON = "AssertionError: your numerical gradient of sum(x**3) (the exact one is 3 x**2)"

# A blank notebook whose first cell writes a forged "everything ran" line into every file its parent
# (the runner that reports to the grader) has open, then kills it.
FORGED_RESULT = edited(RELEASE, sigmoid=(
    "import json, os, signal\n"
    "parent = os.getppid()\n"
    "forged = json.dumps({'event': 'done', 'outputs': [], 'status': 'ok', 'alive': True}) + '\\n'\n"
    "forged += json.dumps({'event': 'input', 'message': json.dumps({'kind': 'result', 'value': True})}) + '\\n'\n"
    "for fd in os.listdir(f'/proc/{parent}/fd'):\n"
    "    try:\n"
    "        with open(f'/proc/{parent}/fd/{fd}', 'w') as handle:\n"
    "            handle.write(forged * 3)\n"
    "    except OSError:\n"
    "        pass\n"
    "os.kill(parent, signal.SIGKILL)\n"))

# Wrong numerical gradients that try to win their test by changing the checkers while it runs.
CHEATS = {
    "patched_while_called": tampered(
        "_wrong = numerical_gradient\n"
        "def numerical_gradient(f, x, h=1e-5):\n"
        "    import emolib.checks\n"
        "    emolib.checks.assert_gradient = emolib.checks.assert_close = lambda *a, **k: None\n"
        "    np.allclose = lambda *a, **k: True\n"
        "    return _wrong(f, x, h)\n"),
    "daemon_thread": tampered(
        "import threading, emolib.checks\n"
        "def swap():\n"
        "    while True:\n"
        "        emolib.checks.assert_gradient = lambda *a, **k: None\n"
        "threading.Thread(target=swap, daemon=True).start()\n"),
    "audit_hook": tampered(
        "import sys, emolib.checks\n"
        "sys.addaudithook(lambda event, args: setattr(emolib.checks, 'assert_gradient', lambda *a, **k: None))\n"),
    "settrace": tampered(
        "import sys, threading\n"
        "def tracer(frame, event, arg):\n"
        "    if 'tol' in frame.f_locals:\n"
        "        frame.f_locals['tol'] = float('inf')\n"
        "    return tracer\n"
        "sys.settrace(tracer)\nthreading.settrace(tracer)\n"),
    "code_replaced": tampered(
        "import emolib.checks\n"
        "emolib.checks.assert_gradient.__code__ = (lambda *a, **k: None).__code__\n"
        "emolib.checks.assert_close.__defaults__ = (float('inf'), float('inf'), None)\n"),
    "float_lt_replaced": tampered(
        "import gc\n"
        "gc.get_referents(float.__dict__)[0]['__lt__'] = lambda self, other: True\n"
        "gc.get_referents(float.__dict__)[0]['__le__'] = lambda self, other: True\n"),
    "ipython_hooked": tampered(
        "shell = get_ipython()\n"
        "shell._showtraceback = lambda *a, **k: None\n"
        "shell.input_transformers_cleanup.append(lambda lines: ['pass\\n'] if any('checks.' in line for line in lines) else lines)\n"),
    "displayhook": tampered(
        "import sys\n"
        "_wrong = numerical_gradient\n"
        "def numerical_gradient(f, x, h=1e-5):\n"
        "    sys.displayhook('all tests passed')\n"
        "    return _wrong(f, x, h)\n"),
    "setup_helper_redefined": edited(sigmoid_bce_loss=(
        cell(SOLUTION, "sigmoid_bce_loss").source.replace("dz = (sigmoid(z) - y) / n", "dz = sigmoid(z) - y")
        + "\nreference_numerical_gradient = lambda f, x, h=1e-5: sigmoid_bce_loss(x, y)[1]\n"
          "checks.assert_close = lambda *a, **k: None\n")),
}

# A correct sigmoid that fails if it can find a hidden test's text anywhere it can look while its
# test calls it: in linecache (where IPython keeps executed cells), or in the memory of any other
# process it can read (the runner, its parent). The text is put together at run time, so that the
# hunter's own source does not hold it.
HIDDEN_TEST_HUNTER = edited(sigmoid=cell(SOLUTION, "sigmoid").source + (
    "\n_real_sigmoid = sigmoid\n"
    "def _hidden_tests_visible():\n"
    "    import linecache, os, re\n"
    "    needle = 'sigmoid of ' + 'extreme logits'\n"
    "    if any(needle in ''.join(lines[2]) for lines in linecache.cache.values() if len(lines) > 2):\n"
    "        return True\n"
    "    for pid in [entry for entry in os.listdir('/proc') if entry.isdigit() and int(entry) != os.getpid()]:\n"
    "        try:\n"
    "            with open(f'/proc/{pid}/maps') as maps, open(f'/proc/{pid}/mem', 'rb') as memory:\n"
    "                for line in maps:\n"
    "                    start, end = (int(part, 16) for part in line.split()[0].split('-'))\n"
    "                    if 'rw' in line.split()[1] and end - start < 1 << 28:\n"
    "                        memory.seek(start)\n"
    "                        if needle.encode() in memory.read(end - start):\n"
    "                            return True\n"
    "        except (OSError, ValueError, OverflowError):\n"
    "            continue\n"
    "    return False\n"
    "def sigmoid(z):\n"
    "    if _hidden_tests_visible():\n"
    "        raise RuntimeError('the hidden tests were visible to the student')\n"
    "    return _real_sigmoid(z)\n"))

# Faults: 100 MB printed by a correct answer; exit() at the end of an answer cell; processes in new
# sessions, above the limit.
FLOOD = edited(sigmoid=cell(SOLUTION, "sigmoid").source + "\nimport sys\nfor _ in range(100):\n    sys.stdout.write('x' * 10**6)\n")
EXIT_AT_END = edited(sigmoid_bce_loss=cell(SOLUTION, "sigmoid_bce_loss").source + "\nexit()\n")
SETSID_PROCESSES = edited(mse_loss=(
    "import subprocess, time\n"
    "sleepers = [subprocess.Popen(['sleep', '60'], start_new_session=True) for _ in range(40)]\n"
    "time.sleep(5)  # the grader counts processes twice a second\n" + cell(SOLUTION, "mse_loss").source))

# Correct answers that print, warn, run threads and start subprocesses when their tests call them.
BUSY_BUT_RIGHT = edited(
    sigmoid=cell(SOLUTION, "sigmoid").source + (
        "\nimport sys, threading, warnings\n_sigmoid = sigmoid\n"
        "def sigmoid(z):\n"
        "    print('computing a sigmoid'); print('a note on stderr', file=sys.stderr)\n"
        "    warnings.warn('a warning from the answer')\n"
        "    result = {}\n"
        "    worker = threading.Thread(target=lambda: result.update(out=_sigmoid(z)))\n"
        "    worker.start(); worker.join()\n"
        "    return result['out']\n"),
    numerical_gradient=cell(SOLUTION, "numerical_gradient").source + (
        "\nimport subprocess\n_gradient = numerical_gradient\n"
        "def numerical_gradient(f, x, h=1e-5):\n"
        "    assert subprocess.run(['echo', 'hello'], capture_output=True, text=True).stdout == 'hello\\n'\n"
        "    return _gradient(f, x, h)\n"))


def background_daemon(pid_file):
    """Without the sandbox: a correct notebook whose first cell leaves a double-forked process that
    holds the grader's pipes and would outlive it, writing its pid to ``pid_file``."""
    return edited(sigmoid=(
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "os.wait()\n" + cell(SOLUTION, "sigmoid").source))


# A training loop that keeps one order of examples for every epoch: its test watches, from the judge,
# what the loop in the student's kernel feeds softmax_regression_loss (checks.replaced binds the
# watcher there), so the bug costs that test only.
SAME_ORDER_EVERY_EPOCH = edited(train_softmax_regression=cell(SOLUTION, "train_softmax_regression").source.replace(
    "    for _ in range(epochs):\n        order = rng.permutation(X.shape[0])\n",
    "    order = rng.permutation(X.shape[0])\n    for _ in range(epochs):\n"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("judge")
    inbox = root / "inbox"
    inbox.mkdir()
    submissions = {"forged_result": FORGED_RESULT, "hidden_test_hunter": HIDDEN_TEST_HUNTER, "flood": FLOOD,
                   "exit_at_end": EXIT_AT_END, "setsid_processes": SETSID_PROCESSES, "busy_but_right": BUSY_BUT_RIGHT,
                   "same_order_every_epoch": SAME_ORDER_EVERY_EPOCH, **CHEATS}
    for student, notebook in submissions.items():
        nbformat.write(notebook, inbox / f"{student}_{LESSON}.ipynb")
    started = time.monotonic()
    grade(inbox, workdir=root / "work", workers=2, limits=LIMITS, log=lambda line: None)
    print(f"\njudge class of lesson 01 ({len(submissions)} notebooks) graded in {time.monotonic() - started:.0f} s with 2 workers")
    return {student: report for (student, _), report in load_reports(root / "work").items()}, root


@pytest.fixture(scope="module")
def graded_without_sandbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("judge-fallback")
    inbox = root / "inbox"
    inbox.mkdir()
    pid_file = root / "daemon.pid"
    nbformat.write(background_daemon(pid_file), inbox / f"daemon_{LESSON}.ipynb")
    nbformat.write(CHEATS["patched_while_called"], inbox / f"patched_{LESSON}.ipynb")
    # A child of the grading process's own (as a pool worker of its, or its feedback renderer, would be):
    # not the submission's, however it looks from /proc.
    own_child = subprocess.Popen(["sleep", "600"])
    started = time.monotonic()
    grade(inbox, workdir=root / "work", workers=1, limits=LIMITS, use_sandbox=False, log=lambda line: None)
    seconds = time.monotonic() - started
    own_child_survived = own_child.poll() is None
    own_child.kill()
    own_child.wait()
    reports = {student: report for (student, _), report in load_reports(root / "work").items()}
    return reports, pid_file, seconds, own_child_survived


def test_a_blank_notebook_that_forges_the_runners_result_scores_zero(graded):
    reports, _ = graded
    report = reports["forged_result"]
    assert scores(report) == {name: 0.0 for name in scores(report)}
    assert reasons(report)["sigmoid"] == "NameError: name 'sigmoid' is not defined"
    assert set(list(reasons(report).values())[1:]) == {"NotImplementedError:"}


@pytest.mark.parametrize("student", sorted(CHEATS))
def test_changing_the_checkers_from_the_students_kernel_cannot_rescue_a_wrong_answer(graded, student):
    reports, _ = graded
    report = reports[student]
    lost = "sigmoid_bce_loss" if student == "setup_helper_redefined" else "numerical_gradient"
    assert scores(report) == full_but(**{lost: 0.0})
    expected = "AssertionError: dz is wrong: it matches what this common bug gives: the gradient is not divided by N" if lost == "sigmoid_bce_loss" else WRONG_GRADIENT_REASON
    assert " ".join(reasons(report)[lost].split()).startswith(expected), reasons(report)[lost]


def test_a_test_watching_the_students_training_loop_sees_each_batch(graded):
    reports, _ = graded
    report = reports["same_order_every_epoch"]
    assert scores(report) == full_but(train_softmax_regression=0.0)
    assert "feeds the examples in the same order every epoch" in " ".join(reasons(report)["train_softmax_regression"].split())


def test_the_hidden_tests_are_nowhere_the_students_code_can_look(graded):
    reports, _ = graded
    assert scores(reports["hidden_test_hunter"]) == full_but()


def test_a_flood_of_output_is_cut_and_costs_nothing(graded):
    reports, root = graded
    assert scores(reports["flood"]) == full_but()
    autograded = root / "work" / "autograded" / "flood" / LESSON / f"{LESSON}.ipynb"
    assert autograded.stat().st_size < 3_000_000
    assert "characters of output cut: printed output is capped at 100000 characters per cell" in autograded.read_text()


def test_exit_at_the_end_of_an_answer_cell_costs_that_answer_only(graded):
    reports, _ = graded
    report = reports["exit_at_end"]
    assert scores(report) == full_but(sigmoid_bce_loss=0.0)
    assert reasons(report)["sigmoid_bce_loss"] == "NameError: name 'sigmoid_bce_loss' is not defined"
    assert report["problems"] == ["cell 'sigmoid_bce_loss': ended the kernel (exit(), quit() or os._exit): "
                                  "what this cell defines is lost, and the cells after it ran in a fresh kernel"]


@pytest.mark.skipif(not SANDBOX_USABLE, reason=f"bubblewrap cannot run here: {SANDBOX_WHY}")
def test_processes_in_new_sessions_still_count(graded):
    reports, _ = graded
    report = reports["setsid_processes"]
    assert scores(report) == full_but(mse_loss=0.0, sigmoid_neuron_mse=0.0)  # sigmoid_neuron_mse calls mse_loss
    assert report["problems"] == ["cell 'mse_loss': killed: more than 32 processes at once"]


def test_correct_answers_that_print_warn_and_use_threads_and_processes_keep_full_marks(graded):
    reports, _ = graded
    assert scores(reports["busy_but_right"]) == full_but()
    assert set(reasons(reports["busy_but_right"]).values()) == {"passed"}


def test_without_the_sandbox_the_submissions_processes_end_with_it(graded_without_sandbox):
    reports, pid_file, seconds, own_child_survived = graded_without_sandbox
    assert own_child_survived, "the grader killed a process of its own, not of the submission"
    assert scores(reports["daemon"]) == full_but()
    assert scores(reports["patched"]) == full_but(numerical_gradient=0.0)
    daemon = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(daemon, 0)
    assert seconds < LIMITS.wall_seconds
