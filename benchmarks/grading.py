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
