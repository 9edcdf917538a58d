"""Grade one notebook with the verdicts outside the student's reach.

Two kernels run the notebook in lockstep, cell by cell:

- the **student's kernel**, in the sandbox (``python -m autograder.student`` starts and drives it),
  runs the submission's non-test cells as submitted: answer cells, the locked cells nbgrader
  restored, and the student's ordinary cells. Test cells, and so the hidden tests, never go there.
- the **judge kernel**, a child of this process outside the sandbox, runs only trusted code: the
  lesson's ordinary cells from the released version (those a later test needs), the locked cells
  and the test cells as nbgrader restored them, and, after each answer cell, bindings of the names
  the lesson's answer cell defines to handles on the student's values (``bridge.bind``).

When a test calls a student function, the call crosses as plain data (``bridge.py``): the judge
kernel's ``input()`` reaches this process, which relays it to the sandbox runner, whose kernel
answers the same way; callbacks (a test's loss handed to the student's gradient checker) go the
other way. This process only relays, keeps time, and restarts what died. A test cell's outputs, and
so its score, come from the judge kernel; the other cells' outputs from the student's kernel.

What the student's code can do to its own kernel, the sandbox runner or the lines it sends back
decides only what the student's functions return, never how the tests judge it.
"""
import ast
import atexit
import ctypes
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import nbformat

from .kernel import CellOutputs, Kernel, KernelDied, KernelTimeout, OutputBudget
from .sandbox import MemoryCgroup, _bwrap_arguments, cgroup_limit_mb, memory_cgroup_status, sandbox_mode, scrubbed_environment
from .timing import phase

MAX_LINE_BYTES = 256 * 1024 * 1024  # one message from the sandbox: a cell's outputs or a returned value
STARTUP_SECONDS = 120

# This process's children that belong to no submission: its judge kernels, those started ahead too.
# Without a sandbox a submission's processes are found as this process's children outside its session
# (see ``descendants``), which these are too.
GRADER_PIDS = set()


def error_output(reason):
    """An error output that makes nbgrader score the cell zero and shows the student why."""
    return nbformat.v4.new_output("error", ename="GradingError", evalue=reason, traceback=[f"GradingError: {reason}"])


def failed(cell):
    return any(output.output_type == "error" for output in cell.outputs)


def top_level_names(source):
    """Names a cell binds at top level (assignments, imports, definitions); empty when it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [target.id for target in targets if isinstance(target, ast.Name)]
    return names


class StudentGone(Exception):
    """The student's side stopped answering as it should; ``reason`` says why, for the cell's output."""

    def __init__(self, reason, restart=True):
        super().__init__(reason)
        self.reason, self.restart = reason, restart  # restart: the student's side is no longer usable


def role(cell):
    nbgrader = cell.metadata.get("nbgrader", {})
    if nbgrader.get("solution"):
        return "answer"
    if nbgrader.get("grade"):
        return "test"
    if nbgrader.get("locked"):
        return "locked"
    return "ordinary"


def grade_notebook(notebook, template, limits, use_sandbox=True, extra_arguments=(), start_next=False):
    """Execute ``notebook`` (nbformat, hidden tests restored) against ``template`` (the released
    lesson); returns the result dict ``SandboxedExecute`` records: ``notebook``, ``cells`` (index ->
    why it did not end normally) and ``sandbox`` (what isolated it).

    ``start_next``: another notebook follows in this process; its fresh student's side and judge
    kernel are started while this one is graded (``Startup``)."""
    sandboxed, explanation = sandbox_mode(use_sandbox)
    grading = Grading(notebook, template, limits, sandboxed, list(extra_arguments), start_next)
    try:
        grading.run()
    finally:
        with phase("stopping the kernels"):
            grading.close()
    return {"notebook": notebook, "cells": grading.reasons, "sandbox": f"{explanation}; tests judged outside it"}


class Plan:
    """What the judge runs besides the submission's locked and test cells, from the released lesson:
    before each nbgrader cell, the ordinary cells since the previous one that a later trusted cell
    needs (a cell is needed when it binds a name a later test, locked or needed cell reads); and
    after each answer cell, the names its lesson version binds."""

    def __init__(self, template):
        self.before, self.names = {}, {}
        pending = []
        needed, wanted = set(), set()
        for cell in reversed([cell for cell in template.cells if cell.cell_type == "code"]):
            kind = role(cell)
            if kind == "ordinary":
                bound = bound_names(cell.source)
                if bound is None or bound & needed:
                    wanted.add(id(cell))
                    needed |= read_names(cell.source)
            elif kind == "answer":
                needed -= set(top_level_names(cell.source))
            else:
                needed |= read_names(cell.source)
        for cell in template.cells:
            if cell.cell_type != "code":
                continue
            kind = role(cell)
            if kind == "ordinary":
                if id(cell) in wanted:
                    pending.append(cell.source)
                continue
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            self.before[grade_id], pending = pending, []
            if kind == "answer":
                self.names[grade_id] = top_level_names(cell.source)


def read_names(source):
    """Names a cell reads before it binds them itself (statement by statement, at its top level)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    free, bound = set(), set()
    for statement in tree.body:
        free |= {node.id for node in ast.walk(statement)
                 if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)} - bound
        bound |= bound_names(ast.unparse(statement)) or set()
    return free


def bound_names(source):
    """Every name a cell may bind anywhere at its top level; None when it cannot tell (``import *``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set(top_level_names(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            return None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


BIND = "__import__('autograder.bridge').bridge.bind("


def bind_code(names, source):
    return f"{BIND}globals(), {names!r}, {source!r})"


def preload_code(template):
    """Code that imports, without binding a name, the modules the lesson's trusted cells import (its
    ordinary and locked cells): run in a judge kernel started ahead, so that its set-up need not."""
    modules = []
    for cell in template.cells:
        if cell.cell_type != "code" or role(cell) in ("answer", "test"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.append(node.module)
    return f"[__import__('importlib').import_module(name) for name in {list(dict.fromkeys(modules))!r}]"


class Startup:
    """A fresh student's side and judge kernel, started in threads before the notebook needs them.

    For each notebook the two start at once (``for_notebook``); and while a notebook is graded, those
    of the next notebook of this process start too (``ahead``), so that its grading does not wait for
    them. Nothing in them has seen a submission: every notebook gets kernels of its own, started for
    it alone, and the judge kernel only has the modules of the lesson's trusted cells imported
    (``preload_code``). Without a sandbox, a submission's processes are told apart from the grader's
    by session, so no student's side is started ahead there, only the judge kernel.
    """
    lock = threading.Lock()
    waiting = None  # started ahead for this process's next notebook

    def __init__(self, limits, sandboxed, extra_arguments, preload, ahead):
        self.key = self.settings(limits, sandboxed, extra_arguments)
        self.student = self.judge = None
        self.threads = []
        if sandboxed or not ahead:
            student = StudentSide(limits, sandboxed, extra_arguments, wall_deadline=float("inf"))
            try:
                student.launch()  # in this thread, which outlives the notebook (see launch)
                self.threads.append(threading.Thread(target=self._start_student, args=(student,), daemon=True))
            except StudentGone:  # the notebook's grading starts one itself, and reports why when that fails too
                student.kill()
        self.folder = tempfile.mkdtemp(prefix="emotion-judge-")
        self.threads.append(threading.Thread(target=self._start_judge, args=(extra_arguments, preload), daemon=True))
        for thread in self.threads:
            thread.start()

    @staticmethod
    def settings(limits, sandboxed, extra_arguments):
        """What kernels started ahead must have been started with to serve a notebook."""
        return float(limits.memory_mb), float(limits.processes), sandboxed, tuple(extra_arguments)

    @classmethod
    def for_notebook(cls, limits, sandboxed, extra_arguments):
        """The kernels of the notebook about to be graded: those started ahead when they were started
        with the same settings, else new ones, starting now."""
        with cls.lock:
            waiting, cls.waiting = cls.waiting, None
        if waiting is not None and waiting.key == cls.settings(limits, sandboxed, extra_arguments):
            return waiting
        if waiting is not None:
            waiting.discard()
        return cls(limits, sandboxed, extra_arguments, "", ahead=False)

    @classmethod
    def ahead(cls, limits, sandboxed, extra_arguments, preload):
        """Start the kernels of this process's next notebook. What goes wrong here is not this notebook's:
        the next one then starts its own, and meets the failure there, where it is reported."""
        try:
            started = cls(limits, sandboxed, extra_arguments, preload, ahead=True)
        except Exception:
            return
        with cls.lock:
            previous, cls.waiting = cls.waiting, started
        if previous is not None:
            previous.discard()

    @classmethod
    def discard_waiting(cls):
        """Stop the kernels started ahead for a notebook that will not come (the batch ended or stopped)."""
        with cls.lock:
            waiting, cls.waiting = cls.waiting, None
        if waiting is not None:
            waiting.discard()

    def _start_student(self, student):
        try:
            student.wait_until_ready(time.monotonic() + STARTUP_SECONDS)
            self.student = student
        except StudentGone:
            student.kill()

    def _start_judge(self, extra_arguments, preload):
        try:
            judge = start_judge_kernel(extra_arguments, self.folder)
        except Exception:  # started again when the notebook needs it, which reports a failure
            return
        if preload:
            try:
                judge.run(preload, OutputBudget(0), timeout=STARTUP_SECONDS, silent=True)
            except (KernelDied, KernelTimeout):
                stop_judge_kernel(judge)
                return
        self.judge = judge

    def take(self):
        """(student's side, judge kernel) for the notebook: each None when it did not start or has died since."""
        for thread in self.threads:
            thread.join()
        student, judge = self.student, self.judge
        self.student = self.judge = None
        if student is not None and not student.runner_alive():
            student.kill()
            student = None
        if judge is not None and not judge.manager.is_alive():
            stop_judge_kernel(judge)
            judge = None
        return student, judge

    def discard(self):
        student, judge = self.take()
        if student is not None:
            student.kill()
        if judge is not None:
            stop_judge_kernel(judge)
        shutil.rmtree(self.folder, ignore_errors=True)


atexit.register(Startup.discard_waiting)


def start_judge_kernel(extra_arguments, folder):
    """A judge kernel: outside the sandbox, in a private folder, with the scrubbed environment."""
    started = []

    def known(pid):  # the grader's before a submission's process count can see it
        started.append(pid)
        GRADER_PIDS.add(pid)

    try:
        return Kernel(extra_arguments, env=scrubbed_environment(home=folder), cwd=folder, quiet=True, on_process=known)
    except BaseException:
        GRADER_PIDS.difference_update(started)
        raise


def stop_judge_kernel(judge):
    judge.shutdown()
    GRADER_PIDS.discard(judge.pid)


class Grading:
    def __init__(self, notebook, template, limits, sandboxed, extra_arguments, start_next=False):
        self.notebook, self.limits, self.sandboxed, self.extra_arguments = notebook, limits, sandboxed, extra_arguments
        self.template, self.start_next = template, start_next
        self.plan = Plan(template)
        self.deadline = time.monotonic() + float(limits.wall_seconds)
        self.reasons = {}
        self.ran_normally = []    # the student's cells to replay in a new kernel
        self.judge_state = []     # the judge's trusted code to replay in a new judge kernel
        self.student = None
        self.judge = None
        self.budget = OutputBudget()
        self.startup = Startup.for_notebook(limits, sandboxed, extra_arguments)
        self.folder = self.startup.folder

    # --- the notebook -------------------------------------------------------------------------------
    def run(self):
        code_cells = [index for index, cell in enumerate(self.notebook.cells) if cell.cell_type == "code"]
        for position, index in enumerate(code_cells):
            cell = self.notebook.cells[index]
            if time.monotonic() >= self.deadline:
                for rest in code_cells[position:]:
                    self._fail(rest, f"not run: the notebook reached its wall time of {self.limits.wall_seconds:g} s")
                return
            kind = role(cell)
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if kind != "ordinary":
                for source in self.plan.before.get(grade_id, []):
                    self._judge_state(source)
            if kind != "test":
                self._student_cell(index, cell)
            if kind == "answer":
                self._judge_state(bind_code(self.plan.names.get(grade_id, []), cell.source))
            elif kind == "locked":
                self._judge_state(cell.source)
            elif kind == "test":
                self._judge_test(index, cell)
                if self.limits.stop_at_first_failed_test and failed(cell):
                    for rest in code_cells[position + 1:]:  # asked for, so not a problem to report
                        self.notebook.cells[rest].outputs.append(error_output("not run: grading stopped at the first failed test"))
                    return

    def _cell_deadline(self):
        return min(self.deadline, time.monotonic() + float(self.limits.cell_seconds))

    def _fail(self, index, reason):
        self.reasons[str(index)] = reason
        self.notebook.cells[index].outputs.append(error_output(reason))

    # --- the student's side -------------------------------------------------------------------------
    def _student_cell(self, index, cell):
        self._check_runner()
        try:
            self._ensure_student()
            with phase("student's cells"):
                outputs, alive = self.student.run_cell(cell.source, self._cell_deadline())
        except StudentGone as gone:
            cell.outputs = []
            self._stop_student()
            self._fail(index, gone.reason)
            return
        cell.outputs = capped(outputs, self.budget)
        if alive:
            self.ran_normally.append(index)
        else:
            over_memory = self.student.over_memory("while running this cell")
            self._stop_student()
            self._fail(index, over_memory or "ended the kernel (exit(), quit() or os._exit): what this cell defines "
                              "is lost, and the cells after it ran in a fresh kernel")

    def _ensure_student(self):
        """A live student's side; a new one replays the cells that ran normally (a cell that fails
        now is left out), and the judge's handles on the old one are bound again."""
        self._take_startup()
        for _ in range(3):
            if self.student is not None:
                return
            self.student = self._started_student()
            if self.student is not None and self.judge is not None:
                for code in self.judge_state:
                    if code.startswith(BIND) and self.student is not None:
                        self._judge_run(code, record=False)
        if self.student is None:
            raise StudentGone("crashed: the student's kernel could not be started again")

    def _take_startup(self):
        """Adopt the kernels started for this notebook (once); then start the next notebook's."""
        if self.startup is None:
            return
        startup, self.startup = self.startup, None
        with phase("waiting for the kernels to start"):
            self.student, self.judge = startup.take()
        if self.student is not None:
            self.student.wall_deadline = self.deadline
        if self.start_next:
            Startup.ahead(self.limits, self.sandboxed, self.extra_arguments, preload_code(self.template))

    def _started_student(self):
        student = StudentSide(self.limits, self.sandboxed, self.extra_arguments, self.deadline)
        try:
            with phase("starting a student's side again"):
                student.start(min(self.deadline, time.monotonic() + STARTUP_SECONDS))
            for index in list(self.ran_normally):
                _, alive = student.run_cell(self.notebook.cells[index].source, self._cell_deadline())
                if not alive or not student.runner_alive(wait=0.1):
                    raise StudentGone("a replayed cell ended the kernel or the runner")
        except StudentGone:
            if "index" in locals():
                self.ran_normally.remove(index)
            student.kill()
            return None
        return student

    def _check_runner(self):
        """A runner that died after its last cell said it ended well (the cell killed it, and maybe
        forged that line) costs that cell, which is not replayed."""
        if self.student is not None and not self.student.runner_alive():
            self._stop_student()
            if self.ran_normally:
                self._fail(self.ran_normally.pop(), "crashed: the grader's runner in the sandbox died after this cell "
                                                    "(did it kill its parent process?): what it defines is lost")

    def _stop_student(self):
        if self.student is not None:
            self.student.kill()
            self.student = None

    # --- the judge's side ---------------------------------------------------------------------------
    def _ensure_judge(self):
        self._take_startup()
        if self.judge is None:
            with phase("starting a judge kernel again"):
                self.judge = start_judge_kernel(self.extra_arguments, self.folder)
            for code in self.judge_state:
                self._judge_run(code, record=False)

    def _judge_state(self, code):
        """Trusted code whose effect later tests need (setup, locked cells, bindings); its outputs
        are not the notebook's (the student's kernel ran the cell for that)."""
        with phase("judge: set-up, locked cells, bindings"):
            self._judge_run(code, record=True)

    def _judge_test(self, index, cell):
        cell.outputs = []
        try:
            with phase("judge: test cells"):
                cell.outputs, failure = self._judge_run(cell.source, record=False)
        except StudentGone as gone:
            self._fail(index, gone.reason)
            return
        if failure:  # the test's GradingError says it; the report lists it as a problem
            self.reasons[str(index)] = failure

    def _judge_run(self, code, record):
        self._check_runner()
        try:
            self._ensure_judge()  # a judge started again replays the state recorded so far
        finally:
            if record:
                self.judge_state.append(code)
        if self.student is None:
            try:
                self._ensure_student()
            except StudentGone:
                pass
        conversation = Conversation(self)
        deadline = self._cell_deadline()
        try:
            outputs, _ = self.judge.run(code, self.budget, on_input=conversation.relay,
                                        timeout=max(1.0, deadline - time.monotonic()) + 30)
        except (KernelDied, KernelTimeout) as error:
            stop_judge_kernel(self.judge)
            self.judge = None
            what = "died" if isinstance(error, KernelDied) else "timed out"
            raise StudentGone(f"the test {what} in the grader (the student's code kept it busy past the "
                              f"cell's {self.limits.cell_seconds:g} s)")
        finally:
            printed = conversation.end(deadline)
        return printed + outputs, conversation.failure

    def close(self):
        if self.startup is not None:  # a notebook without code cells
            self.startup.discard()
            self.startup = None
        self._stop_student()
        if self.judge is not None:
            stop_judge_kernel(self.judge)
        shutil.rmtree(self.folder, ignore_errors=True)


class Conversation:
    """Relays one judge cell's messages to the student's side and back; after the student's side
    failed, every further call gets the reason as a GradingError, so the test ends at once."""

    def __init__(self, grading):
        self.grading, self.failure, self.deadline = grading, None, grading._cell_deadline()

    def relay(self, prompt):
        student = self.grading.student
        if self.failure is None and student is None:
            self.failure = "the student's kernel could not be started"
        if self.failure is None:
            try:
                return student.exchange(prompt, self.deadline)
            except StudentGone as gone:
                self.failure = gone.reason
                if gone.restart:
                    self.grading._stop_student()
        return json.dumps({"kind": "error", "ename": "GradingError", "evalue": self.failure})

    def end(self, deadline):
        """Stop the student's side serving; returns what the student's code printed while the test
        called it (stream outputs, capped), for the test cell's outputs."""
        if self.grading.student is not None and self.grading.student.serving:
            try:
                outputs = self.grading.student.end_serving(deadline)
            except StudentGone:
                self.grading._stop_student()
                return []
            return [output for output in capped(outputs, self.grading.budget) if output.output_type == "stream"]
        return []


def capped(outputs, budget):
    """Outputs received from the sandbox, checked and capped again here (the sandbox may lie)."""
    collected = CellOutputs(budget)
    for output in outputs if type(outputs) is list else []:
        if type(output) is dict:
            try:
                collected.add(nbformat.from_dict(output))
            except Exception:  # not an output: dropped
                continue
    return collected.result()


class StudentSide:
    """The sandbox: ``python -m autograder.student`` and the student's kernel, spoken to by JSON lines."""

    def __init__(self, limits, sandboxed, extra_arguments, wall_deadline):
        self.limits, self.sandboxed, self.extra_arguments = limits, sandboxed, extra_arguments
        self.wall_deadline = wall_deadline
        self.process = None
        self.buffer = b""
        self.serving = False
        self.watch = None
        self.cgroup = None
        self.stderr_tail = b""

    def start(self, deadline):
        self.launch()
        self.wait_until_ready(deadline)

    def launch(self):
        """Start the runner. bubblewrap ends the sandbox when the thread that started it ends
        (``--die-with-parent`` is a parent-death signal, which Linux ties to that thread): call this
        from a thread that outlives the notebook, such as the main thread."""
        command = [sys.executable, "-m", "autograder.student"]
        if self.sandboxed:
            command = [shutil.which("bwrap"), *_bwrap_arguments(), "--", *command]
            self.cwd, environment = "/", scrubbed_environment()
        else:
            self.cwd = tempfile.mkdtemp(prefix="emotion-student-")
            environment = scrubbed_environment(home=self.cwd)
            set_child_subreaper()
        if memory_cgroup_status()[0]:
            self.cgroup = MemoryCgroup(cgroup_limit_mb(self.limits.memory_mb))
            command = self.cgroup.enter(command)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        cwd=self.cwd, env=environment, start_new_session=True)
        threading.Thread(target=self._drain_stderr, args=(self.process.stderr,), daemon=True).start()
        self.watch = ProcessWatch(self, int(self.limits.processes))
        self.watch.start()
        self._write({"limits": {"memory_mb": self.limits.memory_mb}, "extra_arguments": self.extra_arguments})

    def wait_until_ready(self, deadline):
        event = self._receive(deadline, "start")
        if event.get("event") != "ready":
            raise StudentGone(f"the student's kernel did not start: {self._stderr()}")

    def runner_alive(self, wait=0.0):
        try:
            self.process.wait(timeout=wait) if wait else None
        except subprocess.TimeoutExpired:
            return True
        return self.process.poll() is None

    def run_cell(self, source, deadline):
        """Run one cell; returns (outputs as sent, whether the kernel survived it)."""
        self._write({"op": "cell", "source": source})
        while True:
            event = self._receive(deadline, "run")
            if event.get("event") == "input":  # the cell called input(): nobody answers it while grading
                self._write_line("")
                continue
            if event.get("event") == "done":
                return event.get("outputs", []), event.get("alive") is True

    def exchange(self, message, deadline):
        """Send the judge's ``message`` (JSON text) and return the student side's next one."""
        if not self.serving:
            self._write({"op": "serve"})
            self.serving = True
            self._next_message(deadline)  # {"kind": "ready"}
        self._write_line(message)
        return self._next_message(deadline)

    def end_serving(self, deadline):
        """End the serving cell; returns its outputs as sent."""
        self._write_line('{"kind": "end"}')
        self.serving = False
        while (event := self._receive(deadline, "run")).get("event") != "done":
            pass
        return event.get("outputs", [])

    def _next_message(self, deadline):
        event = self._receive(deadline, "run")
        if event.get("event") == "done" and event.get("alive") is True:
            self.serving = False
            raise StudentGone("did not let the grader call it (the notebook's kernel no longer answers the grader's "
                              "calls: did a cell change IPython or the builtins?)", restart=False)
        if event.get("event") == "done":
            self.serving = False
            raise StudentGone(self._why_gone("while the test called your code"))
        message = event.get("message")
        if event.get("event") != "input" or type(message) is not str:
            raise StudentGone("sent the grader something that is not an answer")
        try:
            if type(json.loads(message)) is not dict:
                raise ValueError
        except ValueError:
            raise StudentGone("sent the grader something that is not an answer") from None
        return message

    def _write(self, message):
        self._write_line(json.dumps(message))

    def _write_line(self, text):
        try:
            self.process.stdin.write(text.encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise StudentGone(self._why_gone()) from None

    def _receive(self, deadline, phase):
        """The next JSON line from the sandbox, or StudentGone when it does not come in time."""
        stream = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if phase == "start":
                    raise StudentGone("the student's kernel did not start in time")
                if deadline >= self.wall_deadline:
                    raise StudentGone(f"stopped: the notebook reached its wall time of {self.limits.wall_seconds:g} s")
                raise StudentGone(f"timed out: the cell ran longer than {self.limits.cell_seconds:g} s"
                                  + (f", held at the memory limit of the notebook's processes ({self._memory_limit()})"
                                     if self.cgroup is not None and self.cgroup.at_limit() else ""))
            ready, _, _ = select.select([stream], [], [], min(remaining, 0.5))
            if self.watch.exceeded.is_set():
                raise StudentGone(f"killed: more than {self.limits.processes} processes at once")
            if not ready:
                continue
            chunk = os.read(stream, 1 << 20)
            if not chunk:
                raise StudentGone(self._why_gone())
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE_BYTES:
                raise StudentGone(f"sent the grader more than {MAX_LINE_BYTES >> 20} MB at once")
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            event = json.loads(line)
        except ValueError:
            raise StudentGone("sent the grader something that is not an answer") from None
        if type(event) is not dict:
            raise StudentGone("sent the grader something that is not an answer")
        return event

    def over_memory(self, when):
        """Why the kernel ended, when its memory cgroup's limit ended it; else None."""
        if self.cgroup is not None and self.cgroup.out_of_memory():
            return f"killed {when}: the notebook's processes used more than {self._memory_limit()}"
        return None

    def _memory_limit(self):
        return f"{cgroup_limit_mb(self.limits.memory_mb)} MB of memory, shared memory and files in /tmp included"

    def _why_gone(self, when="while running this cell"):
        if self.watch is not None and self.watch.exceeded.is_set():
            return f"killed: more than {self.limits.processes} processes at once"
        return self.over_memory(when) or (f"crashed: the kernel died {when} (os._exit, a segfault, or more than "
                                          f"the {self.limits.memory_mb} MB memory limit)")

    def _drain_stderr(self, stream):
        for chunk in iter(lambda: stream.read(65536), b""):
            self.stderr_tail = (self.stderr_tail + chunk)[-4000:]

    def _stderr(self):
        return self.stderr_tail.decode(errors="replace").strip()[-2000:]

    def processes(self):
        """Every process of this submission, counted from outside: the sandbox's pid namespace, or
        (without a sandbox) the runner's descendants and the orphans they left to this process."""
        if self.process is None:
            return []
        if self.sandboxed:
            namespace = pid_namespace_of_child(self.process.pid)
            return [] if namespace is None else [pid for pid, ns in all_pid_namespaces() if ns == namespace]
        return descendants({self.process.pid}, orphans_of=os.getpid(), exclude=GRADER_PIDS)

    def kill(self):
        if self.watch is not None:
            self.watch.stop.set()
        if self.process is None:
            return
        killed = set()
        for _ in range(3):  # a process forked while the others were killed is caught on the next round
            for pid in [self.process.pid, *self.processes()]:
                killed.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if not self.sandboxed:
            reap(killed - {self.process.pid})
            shutil.rmtree(self.cwd, ignore_errors=True)
        if self.cgroup is not None:
            self.cgroup.remove()
        self.process = None


class ProcessWatch(threading.Thread):
    """Counts the submission's processes twice a second, from outside, and kills the student's side
    above the limit (a ``setsid`` or a double fork does not leave the count)."""

    def __init__(self, student, limit):
        super().__init__(daemon=True)
        self.student, self.limit = student, limit
        self.exceeded, self.stop = threading.Event(), threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            process = self.student.process
            if process is None:
                return
            pids = self.student.processes()
            if len(pids) > self.limit:
                self.exceeded.set()
                for pid in [process.pid, *pids]:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass


def _proc_stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pid_namespace_of_child(pid):
    """The pid namespace bubblewrap made: that of its first child."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = handle.read().split()
        return os.readlink(f"/proc/{children[0]}/ns/pid") if children else None
    except (OSError, IndexError):
        return None


def all_pid_namespaces():
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                yield int(entry), os.readlink(f"/proc/{entry}/ns/pid")
            except OSError:
                continue


def descendants(roots, orphans_of=None, exclude=()):
    """Processes below ``roots`` (and orphans reparented to ``orphans_of``, a subreaper), by /proc.
    An orphan is a child of ``orphans_of`` outside its session: the submission's runner starts in a
    session of its own, while what the grading process starts itself (its feedback renderer, the
    workers of a pool it runs in) shares the grading process's session, and is not the submission's."""
    parents, sessions = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _proc_stat(entry)
            if fields:
                parents[int(entry)], sessions[int(entry)] = int(fields[1]), int(fields[3])
    found, frontier = set(), set(roots)
    if orphans_of is not None:
        own_session = os.getsid(orphans_of)
        frontier |= {pid for pid, parent in parents.items()
                     if parent == orphans_of and sessions[pid] != own_session and pid not in exclude}
    while frontier:
        found |= frontier
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found and pid not in exclude}
    return sorted(found)


def set_child_subreaper():
    """Without a sandbox, orphans of the submission (a double fork) become this process's children,
    where ``descendants`` finds them, instead of init's."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def reap(pids):
    """Collect the exit status of killed orphans the subreaper adopted, so they do not linger as zombies."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not ours
            pass
