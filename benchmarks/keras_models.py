"""Benchmark: every model of lessons 07 to 12 trained on the full data, in one table.

It runs the solution notebooks of those lessons top to bottom in full mode (as
``python -m autograder execute --full`` does), with ``EMOLIB_RESULTS`` pointing at a fresh folder, so
that each model a lesson trains, baselines included, records its row there through
``emolib.results.record``. The table is then printed: model, parameters, training seconds, epochs,
validation and test accuracy (and macro-F1 for the emotion models of lessons 10 to 12). The numbers are the notebooks' own: the code timed is the
lessons' code, not a copy.

Run it with ``make bench-keras`` while the machine is otherwise idle; the table as measured is in the
README.
"""
import sys
import tempfile

from autograder import course
from autograder.execute import environment, execute
from emolib import results

LESSONS = ("07_keras_cnn", "08_keras_rnn", "09_evaluation", "10_emotions", "11_attention", "12_explanations")


def main(lessons=LESSONS):
    missing = [lesson for lesson in lessons if lesson not in course.assignment_ids()]
    if missing:
        raise SystemExit(f"no such lesson: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="emolib-results-") as folder, environment(EMOLIB_RESULTS=folder):
        for lesson in lessons:
            seconds, _ = execute(lesson, full=True, output_dir=course.DEFAULT_WORKDIR / "executed")
            print(f"{lesson}: notebook ran in {seconds:.0f} s", flush=True)
        rows = results.read(folder)
    print()
    print(results.table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or LESSONS))
