"""Benchmark: throughput of ``python -m autograder grade`` with 1 and with 2 workers.

A class of copies of lesson 01's reference solution (``--students``, default 8) is graded twice, each
time from scratch in its own working folder: once with one worker, once with two. Every notebook runs
in its own sandboxed child process (bubblewrap when it can run here), exactly as in a real grading, so
the time includes starting a kernel, the sandbox, nbgrader's autograde and the feedback page. It prints
the seconds taken and the notebooks graded per minute.

Run it with ``make bench-grading`` while the machine is otherwise idle: the second worker can only help
when a second core is free. ``--phases`` also prints where the time went: the main process's seconds
per phase (checks, releasing the lessons, reading the submissions, saving, waiting for the workers),
then one notebook's, the mean over the class, from the ``phases`` of its report (the kernels starting,
the student's cells, the judge's set-up and tests, nbgrader's own steps, the feedback page; see
``autograder/timing.py``).

Before the kernels were started ahead, on the idle development machine (2 cores), it printed:

    8 copies of lesson 01's solution; isolation: bubblewrap sandbox (/usr/bin/bwrap): no network, read-only course code, private /tmp
    workers  seconds  notebooks per minute
          1     78.1                   6.1
          2     47.1                  10.2

so 9.8 s and 5.9 s per notebook: the second worker gave 1.66x. Timing the same functions then (one
worker, load average 2 to 4) put a notebook's 9.4 s in: starting the sandbox, runner and student's
kernel 2.0 s, then the judge kernel 0.7 s, one after the other; the judge's set-up 1.4 s (it ran its
first piece twice); the student's cells 3 s; the tests 2 s; the feedback page 0.5 s (3.3 s for the
first, which imported nbgrader); and, once per run, releasing the lessons 2.7 s. The runner in the
sandbox spent 1.1 s of CPU importing nbformat, whose jsonschema built an RFC 3987 grammar.

Now a notebook's student side and judge kernel start together, the next notebook's start while one
is graded, the judge's set-up modules are imported ahead, the runner and the feedback renderer skip
that grammar, and the pool's workers warm up while the lessons are released. Measured back to back
with the previous version, while other jobs kept the 2 cores busy (load average 2 to 8, changing
within a run, so single figures swing by 50%):

    load average   before: 1 worker  2 workers   after: 1 worker  2 workers
    2 to 3                    63.8       47.1              46.5       30.4
    4 to 6                    82.7       81.2              82.4       65.1
    5 to 6                   127.3       81.2              57.2       59.1
    8 to 4 (falling)          93.0       58.1             111.9       84.6 (the load then rising 4 to 8)

In the quietest pair, the least disturbed by the other jobs, a notebook took 5.8 s with one worker
against 8.0 s, and the class 30.4 s with two against 47.1 s: 1.53x from the second worker, where the
previous version got 1.35x. The second worker gains less than 1.8x because one worker now uses the
second core too (it starts the next notebook's kernels on it while the current one runs).

Every process of a whole run (both worker counts, 16 notebooks and 2 releases), sampled from /proc
every 50 ms, used 125.2 s of CPU before and 102.5 s after in the quietest pair (131.5 s and 113.0 s in
the last): the sandbox's runners 23.3 s and 8.9 s, the feedback renderers 12.2 s and 8.5 s, the pool's
workers 10.7 s and 6.6 s, the kernels 67.7 s and 67.6 s. The kernels' own work is now two thirds of
the CPU. With ``--phases``, in the quietest run with one worker, a notebook's 5.35 s were: the
student's cells 2.44 s, the judge's tests 1.76 s, the feedback page 0.36 s, the judge's set-up
0.26 s, stopping the kernels 0.22 s, nbgrader's own steps 0.18 s, waiting for kernels to start
0.11 s; the main process released the lessons in 3.4 s, before any notebook.

On the idle development machine (load average 0.4), after the change, it printed:

    workers  seconds  notebooks per minute
          1     41.2                  11.6
          2     27.6                  17.4

so 5.2 s a notebook with one worker (9.8 s before) and 1.49x from the second worker (1.55x in the
``--phases`` run just before: 43.2 s and 27.9 s), short of the 1.8x aimed at.
"""
from autograder import lean_imports  # noqa: F401, I001  (first, as in ``python -m autograder``: see its doc)
import argparse
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from autograder import course
from autograder.grade import grade, load_reports
from autograder.sandbox import sandbox_mode
from autograder.timing import Phases

LESSON = "01_softmax"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8, help="submissions in the class (default 8)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts to time (default: 1 2)")
    parser.add_argument("--phases", action="store_true", help="also print where the time went, phase by phase")
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
        breakdowns = []
        for workers in args.workers:
            main_phases = Phases()
            started = time.monotonic()
            scores, attention = grade(inbox, workdir=root / f"work-{workers}", workers=workers, log=lambda line: None,
                                      phases=main_phases)
            seconds = time.monotonic() - started
            if attention or sum(row.score for row in scores) != sum(row.max_score for row in scores):
                raise SystemExit(f"the reference solution was not graded normally: {attention}")
            print(f"{workers:>7}  {seconds:>7.1f}  {60 * args.students / seconds:>20.1f}")
            notebook_phases = Phases()
            for report in load_reports(root / f"work-{workers}").values():
                notebook_phases.add(report["phases"])
            breakdowns.append((workers, main_phases.seconds, notebook_phases.seconds))
        if args.phases:
            for workers, main_seconds, notebook_seconds in breakdowns:
                print_breakdown(workers, main_seconds, notebook_seconds, args.students)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def print_breakdown(workers, main_seconds, notebook_seconds, students):
    """The main process's seconds per phase, then a notebook's (the mean over the class) in its worker."""
    rows = [(f"{workers} worker{'s' if workers > 1 else ''}: the main process", None)]
    rows += sorted(main_seconds.items(), key=lambda row: -row[1])
    rows += [("total", sum(main_seconds.values())), ("one notebook in its worker (mean)", None)]
    per_notebook = {name: value / students for name, value in notebook_seconds.items()}
    rows += sorted(per_notebook.items(), key=lambda row: -row[1])
    rows += [("total", sum(per_notebook.values()))]
    print()
    for name, value in rows:
        print(name if value is None else f"  {name:<52} {value:>6.2f} s")


if __name__ == "__main__":
    main()
