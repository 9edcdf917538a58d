"""Benchmark: throughput of ``python -m autograder grade`` with 1 and with 2 workers.

A class of copies of lesson 01's reference solution (``--students``, default 8) is graded twice, each
time from scratch in its own working folder: once with one worker, once with two. Every notebook runs
in its own sandboxed child process (bubblewrap when it can run here), exactly as in a real grading, so
the time includes starting a kernel, the sandbox, nbgrader's autograde and the feedback page. It prints
the seconds taken and the notebooks graded per minute.

Run it with ``make bench-grading`` while the machine is otherwise idle: the second worker can only help
when a second core is free. On the idle development machine (2 cores) it printed:

    8 copies of lesson 01's solution; isolation: bubblewrap sandbox (/usr/bin/bwrap): no network, read-only course code, private /tmp
    workers  seconds  notebooks per minute
          1     78.1                   6.1
          2     47.1                  10.2

so 9.8 s and 5.9 s per notebook: the second worker gives 1.66x. While five other jobs shared the cores
(load average 12 to 15) the same run took 269.1 s and 224.1 s.
"""
import argparse
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import course
from autograder.grade import grade
from autograder.sandbox import sandbox_mode

LESSON = "01_softmax"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8, help="submissions in the class (default 8)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to time (default: 1 2)")
    args = parser.parse_args()
    solution = nbformat.read(course.solution_notebook(LESSON), as_version=4)
    root = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        inbox = root / "inbox"
        inbox.mkdir()
        for number in range(args.students):
            nbformat.write(solution, inbox / f"student{number:03d}_{LESSON}.ipynb")
        print(f"{args.students} copies of lesson 01's solution; isolation: {sandbox_mode()[1]}")
        print(f"{'workers':>7}  {'seconds':>7}  {'notebooks per minute':>20}")
        for workers in args.workers:
            started = time.monotonic()
            scores, attention = grade(inbox, workdir=root / f"work-{workers}", workers=workers, log=lambda line: None)
            seconds = time.monotonic() - started
            if attention or sum(row.score for row in scores) != sum(row.max_score for row in scores):
                raise SystemExit(f"the reference solution was not graded normally: {attention}")
            print(f"{workers:>7}  {seconds:>7.1f}  {60 * args.students / seconds:>20.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
