"""``python -m autograder.student``: the student's side of grading, run inside the sandbox (judge.py).

It starts the student's kernel and then obeys the grader, one JSON line at a time on stdin:
``{"op": "cell", "source": ...}`` runs one of the submission's non-test cells, ``{"op": "serve"}``
lets the judge call into the notebook (``bridge.serve``), and while a cell or the serving runs, each
``input()`` of the kernel goes up as ``{"event": "input", "message": ...}`` and the grader's next
line is the reply. Each run ends with ``{"event": "done", "outputs", "status", "alive"}``.

Nothing here is trusted: the student's code shares this process's user and namespace, and may
replace what it says. The grader treats every line from here as data to check, never as a verdict.
"""
import json
import os
import resource
import sys

from . import lean_imports  # noqa: F401  (before anything imports nbformat: see its doc)
from .kernel import Kernel, KernelDied, OutputBudget

# Run as code: a notebook that hooks IPython's input transformers can stop it, and so its own points.
SERVE = "__import__('autograder.bridge').bridge.serve()"


def apply_resource_limits(limits):
    # RLIMIT_DATA (Linux 4.7+) counts the memory a process writes to: heap, anonymous mappings, which
    # is what a memory bomb grows. RLIMIT_AS would also count the address space TensorFlow and the
    # thread arenas reserve without using (2.6 GB for importing Keras alone), failing honest notebooks.
    memory = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Processes are bounded by the grader's ProcessWatch (judge.py), which counts the sandbox's processes
    # from outside; RLIMIT_NPROC would count every process of the user on the machine (other workers
    # included).


def main():
    channel = os.fdopen(os.dup(1), "w")  # the kernel does not inherit it (fd 1 goes to /dev/null)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    setup = json.loads(sys.stdin.readline())
    apply_resource_limits(setup["limits"])

    def send(message):
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    def relay(prompt):
        send({"event": "input", "message": prompt})
        return sys.stdin.readline().rstrip("\n")

    kernel = Kernel(setup["extra_arguments"], env=dict(os.environ), cwd=os.getcwd())
    budget = OutputBudget()
    send({"event": "ready"})
    for line in sys.stdin:
        command = json.loads(line)
        serving = command["op"] == "serve"
        try:
            outputs, status = kernel.run(SERVE if serving else command["source"], budget, on_input=relay, silent=serving)
        except KernelDied:
            send({"event": "done", "outputs": [], "status": "error", "alive": False})
            return
        alive = status != "exit" and kernel.alive()
        send({"event": "done", "outputs": outputs, "status": status, "alive": alive})


if __name__ == "__main__":
    main()
