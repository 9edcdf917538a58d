"""Instructor commands: ``python -m autograder COMMAND`` (also installed as ``emotion-autograder``).

  build [LESSON ...] [--check]  sources -> solution notebooks -> student versions and reference outputs
  grade DIR [--workdir W] [--workers N] [--force] [limits]
                                autograde a folder of submissions, in parallel and sandboxed; score table,
                                grades.csv, a JSON report and feedback per submission. Exit status: 0 when
                                every submission was graded normally, 1 when some need an instructor's
                                look (they are listed, each with its score and reasons), 2 on bad input
                                or missing data, 128 + the signal when stopped by SIGTERM or SIGINT
  demo [LESSON ...]             build the student versions, grade a sample class: reference, untouched, two bugs;
                                exit 1 when a reference solution does not get full marks
  mutants [LESSON ...] [--nbgrader] [--table FILE]
                                judge every mutant and correct alternative of the catalogues (one kernel
                                per lesson) and report the share caught and kept; --nbgrader grades every
                                mutant end to end instead; --table writes docs/bug-classes.md
  execute [LESSON ...] [--full] run solution notebooks (--full: on the whole datasets) and print their output
  site [LESSON ...] [--workers N]
                                the course as a static website in work/site/html/: the executed solutions
                                (full-data copies of `execute --full` when current, else fast mode), an
                                index, a table of contents, search; exit 1 when a page cannot be built
"""
import argparse
import shutil
import signal
import sys
from pathlib import Path

from . import lean_imports  # noqa: F401  (before anything imports nbformat: see its doc)
from . import course


def command_build(args):
    from .build import build

    differing = build(check=args.check, assignment_ids=args.lessons or None)
    for path in differing:
        print(f"{'differs' if args.check else 'updated'}: {path.relative_to(course.COURSE_ROOT)}")
    if args.check and differing:
        print("The committed notebooks or fixtures differ from what the sources make: run `make lessons` and commit.")
        return 1
    if differing:
        print(f"build: {len(differing)} file(s) updated; their previous versions are kept in "
              f"{(course.DEFAULT_WORKDIR / 'replaced').relative_to(course.COURSE_ROOT)}/")
    else:
        print("build: everything in sync")
    return 0


def report(scores, attention, workdir):
    """Print the score table, the submissions that need a look and why, and where the results are."""
    from .grade import score_table

    print(score_table(scores))
    if attention:
        print(f"\n{len(attention)} submission(s) need an instructor's look (each still has its score):")
    for (student, assignment), reasons in attention.items():
        print(f"  {student} / {assignment}:" if assignment != "?" else f"  {student}:")
        print("".join(f"    - {reason}\n" for reason in reasons), end="")
    print(f"\nwrote {workdir / 'grades.csv'}, {workdir / 'scores.csv'}, reports in {workdir / 'reports'} "
          f"and feedback in {workdir / 'feedback'}")
    return 1 if attention else 0


def command_grade(args):
    from .grade import course_limits, grade
    from .sandbox import Limits

    defaults = course_limits()
    limits = Limits(wall_seconds=args.wall_time or defaults.wall_seconds, cell_seconds=args.cell_time or defaults.cell_seconds,
                    memory_mb=args.memory or defaults.memory_mb, processes=args.processes or defaults.processes)
    executor = dask_executor(args.scheduler) if args.scheduler else None
    scores, attention = grade(args.submissions, workdir=args.workdir, workers=args.workers, limits=limits,
                              use_sandbox=not args.no_sandbox, force=args.force, executor=executor)
    return report(scores, attention, args.workdir)


def dask_executor(address):
    """Workers of a Dask distributed cluster (``pip install -e ".[dask]"``) as a concurrent.futures Executor."""
    try:
        from distributed import Client
    except ImportError:
        raise SystemExit('--scheduler needs Dask distributed: pip install -e ".[dask]"') from None
    return Client(address).get_executor()


def command_demo(args):
    from .grade import grade, release_into_workdir
    from .mutants import catalogue, sample_class, write_class

    # The student versions are built into the working folder, not lessons/, where a student's work may be.
    assignment_ids = args.lessons or course.assignment_ids()
    course.check_datasets(assignment_ids)  # before anything is built: without the data, the demo proves nothing
    release_into_workdir(args.workdir, assignment_ids)
    inbox = args.workdir / "demo-inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    for assignment_id in assignment_ids:
        demo_bugs = [mutant for mutant in catalogue(assignment_id) if mutant.demo]
        release = args.workdir / "release" / assignment_id / f"{assignment_id}.ipynb"
        write_class(inbox, assignment_id, sample_class(assignment_id, demo_bugs, release_notebook=release))
    print(f"student versions built in {args.workdir / 'release'}; sample class written to {inbox}")
    scores, attention = grade(inbox, workdir=args.workdir)
    status = report(scores, attention, args.workdir)
    short = reference_shortfalls(scores, assignment_ids)
    for line in short:
        print(f"error: {line}", file=sys.stderr)
    return 1 if short else status


def reference_shortfalls(scores, assignment_ids):
    """Why the reference solutions did not all get full marks (empty when they did): the demo's class
    is then no evidence of anything, and the course or its set-up needs fixing."""
    shortfalls = []
    for assignment_id in assignment_ids:
        rows = [row for row in scores if row.student == "reference" and row.assignment == assignment_id]
        lost = [f"{row.test} {row.score:g}/{row.max_score:g}" for row in rows if row.score < row.max_score]
        if not rows:
            shortfalls.append(f"the reference solution of {assignment_id} was not graded (see the list above)")
        elif lost:
            shortfalls.append(f"the reference solution of {assignment_id} did not get full marks: {', '.join(lost)}")
    return shortfalls


def command_mutants(args):
    assignment_ids = args.lessons or course.assignment_ids()
    if args.nbgrader:
        return grade_every_mutant(assignment_ids, args.workdir)
    from .mutation import judge_lessons

    judgements = judge_lessons(assignment_ids, workers=args.workers, classify=bool(args.table))
    if args.table:
        args.table.write_text(bug_class_table(judgements))
        print(f"the table of bug classes written to {args.table}")
    missed = kept_out = 0
    for assignment_id, judgement in judgements.items():
        print(f"== {assignment_id} ({judgement.seconds:.0f} s)")
        for test, message in judgement.reference_failures:
            print(f"ERROR   the solution itself fails {test}, so its edits cannot be judged: {message}")
            missed += 1
        for verdict in judgement.mutants:
            print(f"{'caught ' if verdict.caught else 'MISSED '} {verdict.name} ({verdict.seconds:.1f} s)"
                  f"{'  (timed out in ' + verdict.timed_out + ')' if verdict.timed_out else ''}"
                  f"{'  -- ' + verdict.failed_tests[0] + ': ' + verdict.message if verdict.caught else ''}")
        for verdict in judgement.alternatives:
            print(f"{'FAILED ' if verdict.caught else 'kept   '} alternative: {verdict.name} ({verdict.seconds:.1f} s)"
                  f"{'  -- ' + verdict.failed_tests[0] + ': ' + verdict.message if verdict.caught else ''}")
        missed += sum(not verdict.caught for verdict in judgement.mutants)
        kept_out += sum(verdict.caught for verdict in judgement.alternatives)
    print()
    for assignment_id, judgement in judgements.items():
        caught = sum(verdict.caught for verdict in judgement.mutants)
        kept = sum(not verdict.caught for verdict in judgement.alternatives)
        print(f"{assignment_id}: mutants caught {share(caught, len(judgement.mutants))}, "
              f"correct alternatives kept {share(kept, len(judgement.alternatives))}")
    mutants = sum(len(judgement.mutants) for judgement in judgements.values())
    alternatives = sum(len(judgement.alternatives) for judgement in judgements.values())
    print(f"\nmutants caught: {share(mutants - missed, mutants)}; correct alternatives kept: "
          f"{share(alternatives - kept_out, alternatives)}")
    return 0 if missed == kept_out == 0 else 1


BUG_TABLE_INTRODUCTION = """\
# Bug classes: the test that catches each, and the message the student reads

For instructors. One row per mutant of `solutions/<lesson>/mutants.py`, a plausible student mistake:
the exercise it is planted in, the test cell that fails first, and whether the student sees the
failure before handing in (**visible**: the test as released fails too) or only grading does
(**hidden**), and that test's message. Written by `python -m autograder mutants --table
docs/bug-classes.md`, which judges the mutants in fast mode as grading runs the lessons: regenerate
it after changing a test or a catalogue, never edit it by hand.
"""


def bug_class_table(judgements):
    """docs/bug-classes.md: the mutants' verdicts as one Markdown table per lesson."""
    from .mutants import catalogue

    def cell(text):
        return " ".join(text.split()).replace("|", "\\|")

    parts = [BUG_TABLE_INTRODUCTION]
    for assignment_id, judgement in judgements.items():
        caught = sum(verdict.caught for verdict in judgement.mutants)
        parts.append(f"\n## {assignment_id}: {share(caught, len(judgement.mutants))} caught\n\n"
                     "| bug | exercise | caught by | message |\n| --- | --- | --- | --- |\n")
        cells = {mutant.name: mutant.cell for mutant in catalogue(assignment_id)}
        for verdict in judgement.mutants:
            where = (f"`{verdict.failed_tests[0]}` ({'visible' if verdict.visible else 'hidden'})"
                     if verdict.caught else "**not caught**")
            parts.append(f"| {cell(verdict.name)} | `{cells[verdict.name]}` | {where} | {cell(verdict.message)} |\n")
    return "".join(parts)


def share(count, total):
    return f"{count}/{total} ({count / total:.0%})" if total else "0/0 (none in the catalogue)"


def grade_every_mutant(assignment_ids, workdir):
    """``mutants --nbgrader``: every mutant graded end to end, each a submission to nbgrader."""
    from .mutants import run_catalogues

    results = run_catalogues(assignment_ids, workdir=workdir)
    caught = sum(result.caught for result in results)
    for result in results:
        print(f"{'caught ' if result.caught else 'MISSED '} {result.assignment}  {result.name}  "
              f"({result.score:g}/{result.max_score:g}{'; lost in ' + ', '.join(result.failed_tests) if result.failed_tests else ''})")
    print(f"\nmutants caught: {share(caught, len(results))}")
    return 0 if caught == len(results) else 1


def command_execute(args):
    from .execute import execute, mode_name, printed_text

    for assignment_id in args.lessons or course.assignment_ids():
        seconds, notebook = execute(assignment_id, full=args.full, output_dir=args.workdir / "executed")
        print(f"== {assignment_id} ({mode_name(args.full)} mode): {seconds:.1f} s")
        print(printed_text(notebook))
    return 0


def command_site(args):
    from .site import command_site as build_and_report

    return build_and_report(args)


def positive(kind):
    """An argparse type: a number above zero, with a message that says so."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} must be above zero")
        return value
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    build_parser = commands.add_parser("build", help="build notebooks, student versions and fixtures")
    build_parser.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    build_parser.add_argument("--check", action="store_true", help="compare with what is committed; exit 1 if anything differs")
    build_parser.set_defaults(run=command_build)

    grade_parser = commands.add_parser("grade", help="autograde a folder of submissions")
    grade_parser.add_argument("submissions", type=Path, help="folder of submissions (nbgrader or flat LMS layout)")
    grade_parser.add_argument("--workers", type=positive(int), help="submissions graded at once (default: the cores)")
    grade_parser.add_argument("--force", action="store_true", help="grade again submissions already graded unchanged")
    grade_parser.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap even when it can run")
    grade_parser.add_argument("--wall-time", type=positive(float), metavar="SECONDS", help="per notebook (course default: nbgrader_config.py)")
    grade_parser.add_argument("--cell-time", type=positive(float), metavar="SECONDS", help="per cell")
    grade_parser.add_argument("--memory", type=positive(int), metavar="MB", help="memory of a notebook's kernel")
    grade_parser.add_argument("--processes", type=positive(int), metavar="N", help="processes a notebook may run at once")
    grade_parser.add_argument("--scheduler", metavar="ADDRESS", help="grade on the workers of this Dask scheduler (tcp://host:8786)")
    grade_parser.set_defaults(run=command_grade)

    demo_parser = commands.add_parser("demo", help="grade a sample class")
    demo_parser.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    demo_parser.set_defaults(run=command_demo)

    mutants_parser = commands.add_parser("mutants", help="report the share of mutants the tests catch")
    mutants_parser.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    mutants_parser.add_argument("--nbgrader", action="store_true",
                                help="grade every mutant end to end through nbgrader (slow) instead of judging "
                                     "them in one kernel per lesson")
    mutants_parser.add_argument("--workers", type=positive(int), help="lessons judged at once (default: the cores)")
    mutants_parser.add_argument("--table", type=Path, metavar="FILE",
                                help="also write the table of bug classes, the test catching each and its message "
                                     "(docs/bug-classes.md)")
    mutants_parser.set_defaults(run=command_mutants)

    execute_parser = commands.add_parser("execute", help="run solution notebooks and print their output")
    execute_parser.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    execute_parser.add_argument("--full", action="store_true", help="use the whole datasets, not fast mode")
    execute_parser.set_defaults(run=command_execute)

    site_parser = commands.add_parser("site", help="the course as a static website in work/site/html")
    site_parser.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    site_parser.add_argument("--workers", type=positive(int), help="lessons executed at once (default: the cores)")
    site_parser.set_defaults(run=command_site)

    for sub in (grade_parser, demo_parser, mutants_parser, execute_parser):
        sub.add_argument("--workdir", type=Path, default=course.DEFAULT_WORKDIR,
                         help="working folder for submissions, gradebook and feedback (default: work/)")
    args = parser.parse_args(argv)
    unknown = sorted(set(getattr(args, "lessons", None) or ()) - set(course.assignment_ids()))
    if unknown:
        parser.error(f"no such lesson: {', '.join(unknown)} (the lessons are {', '.join(course.assignment_ids())})")
    from .grade import GradingInterrupted

    try:
        return args.run(args)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except GradingInterrupted as interruption:
        return 128 + signal.Signals[str(interruption)].value


if __name__ == "__main__":
    sys.exit(main())
