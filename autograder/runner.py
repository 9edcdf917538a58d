"""``python -m autograder.runner``: execute one notebook cell by cell and survive whatever it does.

Started by ``sandbox.execute_notebook`` (see there): reads ``{"notebook", "limits", "extra_arguments"}``
as JSON on stdin, writes ``{"notebook", "cells", "tampering"}`` as JSON on stdout.

A cell that kills its kernel (``os._exit``, a segfault, the memory limit) or runs past its time (even
while ignoring SIGINT: the kernel is killed, not interrupted) gets an error output naming the reason,
so nbgrader scores it zero; a fresh kernel then replays the cells before it that ran normally (test
cells excepted) and execution goes on with the next cell, so the rest of the notebook is still graded.
Cells never reached before the submission's wall time get an error output as well: a test cell with
no error would otherwise get full marks. Before each test cell the guard (``guard.py``) undoes any
tampering with what the tests use. With the limit ``stop_at_first_failed_test`` (mutation testing,
where the only question is whether a submission loses points) the first failing test cell ends the
run, and the cells after it get a "not run" error.
"""
import ast
import json
import os
import resource
import signal
import sys
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

GUARD = "__import__('autograder.guard').guard"


def main():
    request = json.loads(sys.stdin.buffer.read())
    result_channel = os.fdopen(os.dup(1), "w")  # not inherited by the kernel, unlike fd 1
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    limits = request["limits"]
    _apply_resource_limits(limits)
    notebook = nbformat.from_dict(request["notebook"])
    runner = Runner(notebook, limits, request.get("extra_arguments", []))
    runner.run()
    json.dump({"notebook": notebook, "cells": runner.reasons, "tampering": runner.tampering}, result_channel)
    result_channel.close()


def _apply_resource_limits(limits):
    # RLIMIT_DATA (Linux 4.7+) counts the memory a process writes to: heap, anonymous mappings, which
    # is what a memory bomb grows. RLIMIT_AS would also count the address space TensorFlow and the
    # thread arenas reserve without using (2.6 GB for importing Keras alone), failing honest notebooks.
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Processes are bounded by ProcessWatch, not RLIMIT_NPROC: that one counts every process of the
    # user on the machine (other workers included) and does not bind root.


class ProcessLimitExceeded(Exception):
    pass


class ProcessWatch(threading.Thread):
    """Counts the processes of the runner's and the kernel's sessions twice a second and kills the
    kernel's session above the limit (a cgroup-free bound: a process that starts its own session
    escapes it, and the sandbox's process namespace is what then ends it with the notebook)."""

    def __init__(self, limit, on_exceeded):
        super().__init__(daemon=True)
        self.limit, self.on_exceeded = limit, on_exceeded
        self.sessions = {os.getsid(0)}  # the kernel's session is added when it starts
        self.exceeded = threading.Event()

    def count(self):
        total = 0
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += int(fields[3]) in self.sessions
        return total

    def run(self):
        while True:
            if self.count() > self.limit:
                self.exceeded.set()
                self.on_exceeded()
            time.sleep(0.5)


def is_grade(cell):
    return cell.metadata.get("nbgrader", {}).get("grade", False)


def error_output(reason):
    """An error output that makes nbgrader score the cell zero and shows the student why."""
    return nbformat.v4.new_output("error", ename="GradingError", evalue=reason, traceback=[f"GradingError: {reason}"])


def failed(cell):
    return any(output.output_type == "error" for output in cell.outputs)


def is_locked(cell):
    nbgrader = cell.metadata.get("nbgrader", {})
    return nbgrader.get("locked", False) and not nbgrader.get("solution", False)


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


class Runner:
    def __init__(self, notebook, limits, extra_arguments):
        self.notebook, self.limits, self.extra_arguments = notebook, limits, extra_arguments
        self.deadline = time.monotonic() + float(limits["wall_seconds"])
        self.reasons = {}     # cell index -> why it did not end normally
        self.tampering = {}   # test cell index -> changes the guard undid before it
        self.ran_normally = []
        self.client = None
        self.kernel_pid = None
        self.watch = ProcessWatch(int(limits["processes"]), self._kill_kernel)

    def run(self):
        self.watch.start()
        code_cells = [index for index, cell in enumerate(self.notebook.cells) if cell.cell_type == "code"]
        position = 0
        while position < len(code_cells):
            try:
                self._start_kernel()
                for index in self.ran_normally:
                    self._execute(self.notebook.cells[index].copy(), index, keep_outputs=False)
                while position < len(code_cells):
                    cell = self.notebook.cells[code_cells[position]]
                    self._execute(cell, code_cells[position])
                    position += 1
                    if self.limits.get("stop_at_first_failed_test") and is_grade(cell) and failed(cell):
                        for index in code_cells[position:]:  # asked for, so not a problem to report
                            self.notebook.cells[index].outputs.append(error_output("not run: grading stopped at the first failed test"))
                        return
            except WallTimeExceeded:
                break
            except (CellTimeoutError, DeadKernelError, ProcessLimitExceeded, RuntimeError) as error:
                index = code_cells[position]
                self._fail(index, self._explain(error))
                position += 1
            finally:
                self._kill_kernel()
        for index in code_cells[position:]:
            self._fail(index, f"not run: the notebook reached its wall time of {self.limits['wall_seconds']:g} s")

    def _explain(self, error):
        if self.watch.exceeded.is_set():
            self.watch.exceeded.clear()
            return f"killed: more than {self.limits['processes']} processes at once"
        if isinstance(error, CellTimeoutError):
            if time.monotonic() >= self.deadline:
                return f"stopped: the notebook reached its wall time of {self.limits['wall_seconds']:g} s"
            return f"timed out: the cell ran longer than {self.limits['cell_seconds']:g} s"
        if isinstance(error, DeadKernelError):
            return ("crashed: the kernel died while running this cell (os._exit, a segfault, or more than "
                    f"the {self.limits['memory_mb']} MB memory limit)")
        return f"the kernel failed: {error}"

    def _fail(self, index, reason):
        cell = self.notebook.cells[index]
        self.reasons[str(index)] = reason
        cell.outputs.append(error_output(reason))

    def _start_kernel(self):
        if time.monotonic() >= self.deadline:
            raise WallTimeExceeded()
        self.client = NotebookClient(
            self.notebook, timeout=1, kernel_name="python3", allow_errors=True, interrupt_on_timeout=False,
            resources={"metadata": {"path": os.getcwd()}}, extra_arguments=self.extra_arguments,
            startup_timeout=120)
        self.client.km = self.client.create_kernel_manager()
        self.client.start_new_kernel(cwd=os.getcwd())
        self.client.start_new_kernel_client()
        self.kernel_pid = self.client.km.provisioner.pid
        self.watch.sessions.add(self.kernel_pid)  # jupyter_client starts the kernel in a new session
        self._guard("install()")

    def _kill_kernel(self):
        """SIGKILL the kernel's whole session: a cell that ignores SIGINT, and whatever it started."""
        if self.kernel_pid is not None:
            try:
                os.killpg(self.kernel_pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def _remaining(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WallTimeExceeded()
        return remaining

    def _execute(self, cell, index, keep_outputs=True):
        if is_grade(cell) and keep_outputs:
            changes = self._guard("restore()")
            if changes:
                self.tampering[str(index)] = changes
        self.client.timeout = max(1, int(min(float(self.limits["cell_seconds"]), self._remaining()) + 0.999))
        self.client.execute_cell(cell, index)
        if self.watch.exceeded.is_set():
            raise ProcessLimitExceeded()
        if keep_outputs and str(index) not in self.reasons and not is_grade(cell):
            self.ran_normally.append(index)
        if not is_grade(cell):
            self._guard(f"after_cell({top_level_names(cell.source) if is_locked(cell) else []!r})")

    def _guard(self, call):
        """Evaluate a guard function in the kernel as a user expression (no input transformers apply)."""
        message_id = self.client.kc.execute("", silent=True, store_history=False,
                                            user_expressions={"guard": f"{GUARD}.{call}"})
        self.client.timeout = max(1, int(min(60, self._remaining())))
        reply = self.client.wait_for_reply(message_id)
        if reply is None:
            raise CellTimeoutError("the grader's guard got no reply")
        outcome = reply["content"].get("user_expressions", {}).get("guard", {})
        if outcome.get("status") != "ok":
            return [f"the grader's guard could not run: {outcome.get('ename')}: {outcome.get('evalue')}"]
        return ast.literal_eval(outcome["data"]["text/plain"])


class WallTimeExceeded(Exception):
    pass


if __name__ == "__main__":
    main()
