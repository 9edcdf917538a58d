"""One Jupyter kernel, driven cell by cell: its outputs collected with a size cap, its ``input()``
calls answered by a function (the bridge between the judge and the student, see judge.py), and its
death noticed at once rather than at the end of a time-out. Used on both sides of the judge."""
import subprocess
import time
from collections import deque

import nbformat
import zmq
from jupyter_client import KernelManager

# Printed output kept per cell and per notebook: the head and the tail, with a note of what was cut
# in between. A notebook that prints 300 MB must not grow the grader's memory, the autograded
# notebook or the feedback page.
CELL_OUTPUT_CHARS = 100_000
NOTEBOOK_OUTPUT_CHARS = 2_000_000


class KernelDied(Exception):
    pass


class KernelTimeout(Exception):
    pass


class OutputBudget:
    """What is left of the notebook's allowance of output characters."""

    def __init__(self, chars=NOTEBOOK_OUTPUT_CHARS):
        self.left = chars


class CappedText:
    """Text kept as its first and last ``limit / 2`` characters and a count of what was cut."""

    def __init__(self, limit, budget):
        self.half, self.budget = limit // 2, budget
        self.head, self.tail, self.tail_length, self.cut = "", deque(), 0, 0

    def add(self, text):
        allowed = max(0, min(len(text), self.budget.left))
        self.cut += len(text) - allowed
        text = text[:allowed]
        self.budget.left -= len(text)
        room = self.half - len(self.head)
        self.head += text[:room]
        text = text[room:] if room > 0 else text
        if text:
            self.tail.append(text)
            self.tail_length += len(text)
            while self.tail_length - len(self.tail[0]) >= self.half:
                self.tail_length -= len(self.tail.popleft())

    def text(self):
        tail = "".join(self.tail)
        cut = self.cut + max(0, len(tail) - self.half)
        tail = tail[len(tail) - self.half:] if len(tail) > self.half else tail
        if not cut:
            return self.head + tail
        return f"{self.head}\n[... {cut} characters of output cut: printed output is capped at {2 * self.half} " \
               f"characters per cell and {NOTEBOOK_OUTPUT_CHARS} per notebook ...]\n{tail}"


class CellOutputs:
    """A cell's outputs in nbformat, built from the kernel's messages (or from a received list) under a cap."""

    def __init__(self, budget):
        self.budget, self.outputs, self.streams = budget, [], {}

    def add(self, output):
        kind = output.get("output_type")
        if kind == "stream":
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            if name not in self.streams:
                self.streams[name] = CappedText(CELL_OUTPUT_CHARS, self.budget)
                self.outputs.append(nbformat.v4.new_output("stream", name=name, text=""))
            self.streams[name].add(str(output.get("text", "")))
            return
        if kind not in ("display_data", "execute_result", "error"):
            return
        size = len(str(output))
        if size > CELL_OUTPUT_CHARS or size > self.budget.left:
            self.add({"output_type": "stream", "name": "stdout",
                      "text": f"[an output of {size} characters was dropped: over the output cap]\n"})
            if kind != "error":
                return
            output = nbformat.v4.new_output("error", ename=str(output.get("ename", "Error"))[:200],
                                            evalue=str(output.get("evalue", ""))[:CELL_OUTPUT_CHARS // 2], traceback=[])
        self.budget.left -= min(size, self.budget.left)
        self.outputs.append(nbformat.from_dict(output))

    def add_message(self, message):
        kind = message["header"]["msg_type"]
        if kind == "clear_output":
            self.outputs, self.streams = [], {}
        elif kind in ("stream", "display_data", "execute_result", "error"):
            self.add(nbformat.v4.output_from_msg(message))

    def result(self):
        for output in self.outputs:
            if output.output_type == "stream":
                output.text = self.streams[output.name].text()
        return self.outputs


class Kernel:
    def __init__(self, extra_arguments=(), env=None, cwd=None, quiet=False, startup_seconds=120, on_process=None):
        """``quiet``: the kernel's own stdout and stderr (TensorFlow's start-up notices) go nowhere.
        ``on_process(pid)`` is called as soon as the kernel's process exists, before it is ready."""
        self.manager = KernelManager(kernel_name="python3")
        streams = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} if quiet else {}
        self.manager.start_kernel(extra_arguments=list(extra_arguments), env=env, cwd=cwd, **streams)
        self.pid = self.manager.provisioner.pid
        if on_process is not None:
            on_process(self.pid)
        self.client = self.manager.blocking_client()
        self.client.start_channels()
        try:
            self.client.wait_for_ready(timeout=startup_seconds)
        except BaseException:  # not ready in time, or died: not left running
            self.shutdown()
            raise

    def run(self, code, budget, on_input=None, timeout=None, silent=False):
        """Execute ``code``; returns (outputs, status), status "exit" when the code asked the kernel to
        end (``exit()``, ``quit()``). ``on_input(prompt) -> reply`` answers ``input()``.
        Raises KernelDied, KernelTimeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        outputs = CellOutputs(budget)
        message_id = self.client.execute(code, silent=silent, store_history=not silent,
                                         allow_stdin=on_input is not None, stop_on_error=False)
        poller = zmq.Poller()
        iopub, stdin = self.client.iopub_channel.socket, self.client.stdin_channel.socket
        poller.register(iopub, zmq.POLLIN)
        poller.register(stdin, zmq.POLLIN)
        idle = False
        while not idle:
            wait = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if wait <= 0:
                raise KernelTimeout()
            events = dict(poller.poll(int(wait * 1000)))
            if not events:
                if not self.manager.is_alive():
                    raise KernelDied()
                continue
            if stdin in events:
                request = self.client.stdin_channel.get_msg(timeout=0)
                reply = on_input(request["content"]["prompt"]) if on_input else ""
                self.client.input(reply)
            if iopub in events:
                message = self.client.iopub_channel.get_msg(timeout=0)
                if message["parent_header"].get("msg_id") != message_id:
                    continue
                if message["header"]["msg_type"] == "status":
                    idle = message["content"]["execution_state"] == "idle"
                else:
                    outputs.add_message(message)
        reply = self._reply(message_id, deadline)
        status = reply["content"]["status"] if reply else "error"
        if reply and any(payload.get("source") == "ask_exit" for payload in reply["content"].get("payload", [])):
            status = "exit"
        return outputs.result(), status

    def _reply(self, message_id, deadline):
        while True:
            wait = 5.0 if deadline is None else max(0.1, min(5.0, deadline - time.monotonic()))
            try:
                reply = self.client.get_shell_msg(timeout=wait)
            except Exception:  # queue.Empty: the kernel went idle but never replied
                if not self.manager.is_alive():
                    raise KernelDied()
                return None
            if reply["parent_header"].get("msg_id") == message_id:
                return reply

    def alive(self):
        """Whether the kernel still answers: ``exit()`` ends it just after its cell has replied."""
        try:
            self.run("", OutputBudget(0), timeout=30, silent=True)
            return True
        except (KernelDied, KernelTimeout):
            return False

    def shutdown(self):
        try:
            self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)
        except Exception:  # already gone
            pass
