"""Session fixtures that execute notebooks once for every test that reads them.

``graded``: for every lesson under test, a small class graded end to end through nbgrader (the
reference, the untouched student version, a demo mutant, and lesson 01's correct but noisy
answers). The tests of grading read its scores, and the lessons' tests read what the reference printed
there, so no solution notebook is executed twice for the same purpose.

``judged``: every mutant and correct alternative of every lesson under test, judged in one kernel per
lesson (``autograder.mutation``). Both are computed in one pool (``notebook_runs``).
"""
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from autograder.execute import printed_text
from autograder.grade import load_reports
# Defined once for the whole session: Playwright's sync API cannot start a second browser in the same
# thread while the first runs, which a test module importing these fixtures itself would do.
from browser import browser, page, shots  # noqa: F401 (fixtures)
from graded_class import grade_lesson
from realdata import lessons_under_test


@dataclass
class Graded:
    table: dict      # {student: {test: (score, max_score)}}
    scores: list     # the TestScore rows
    workdir: Path    # where grading wrote its files
    seconds: dict    # {student: seconds its grading took}

    def autograded(self, student, assignment_id):
        """The notebook as nbgrader executed and scored it for that student."""
        return nbformat.read(self.workdir / "autograded" / student / assignment_id / f"{assignment_id}.ipynb",
                             as_version=4)


POOL_FIXTURES = {"notebook_runs", "graded", "judged", "reference_printed"}
NEEDS_THE_POOL = pytest.StashKey[bool]()


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what they leave out
def pytest_collection_modifyitems(config, items):
    """The modules whose tests read the shared pool's results run last, each still in one piece, so
    that every other test (the adversarial classes, validate, the build, ...) runs while the pool works:
    both keep the two cores busy, where one after the other left one idle for minutes."""
    reads_the_pool = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        reads_the_pool[module] = reads_the_pool.get(module, False) or uses_the_pool(item)
    items.sort(key=lambda item: reads_the_pool[item.nodeid.split("::")[0]])  # stable: order kept within each part
    config.stash[NEEDS_THE_POOL] = any(reads_the_pool.values())


def uses_the_pool(item):
    """Whether a test reads one of this file's pool fixtures (a module may define its own ``graded``)."""
    definitions = getattr(item, "_fixtureinfo", None)
    if definitions is None:
        return False
    return any(definitions.name2fixturedefs[name][-1].func.__module__ == __name__
               for name in POOL_FIXTURES & set(definitions.name2fixturedefs))


@pytest.fixture(scope="session", autouse=True)
def pool_started_with_the_session(request):
    """Start the pool before the first test when a selected test will read it."""
    if request.config.stash.get(NEEDS_THE_POOL, False):
        request.getfixturevalue("notebook_runs")


@pytest.fixture(scope="session")
def notebook_runs(tmp_path_factory):
    """The work of ``graded`` and ``judged`` in one pool, one worker per core: per lesson, the grading
    of its class and the judging of its catalogue. It starts with the session (see
    ``pool_started_with_the_session``). Later lessons train models and take longest, so they start
    first, and no core waits idle at the end for one long lesson."""
    from autograder.mutation import judge_lesson

    lessons = lessons_under_test()
    roots = {assignment_id: tmp_path_factory.mktemp(assignment_id) for assignment_id in lessons}
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {}
        for assignment_id in reversed(lessons):
            futures["judged", assignment_id] = pool.submit(judge_lesson, assignment_id, classify=True)
            futures["graded", assignment_id] = pool.submit(grade_lesson, assignment_id, roots[assignment_id])
        yield futures, roots
        for future in futures.values():
            future.cancel()


@pytest.fixture(scope="session")
def graded(notebook_runs):
    """{assignment id: Graded} for every lesson under test, each graded in its own folder."""
    futures, roots = notebook_runs
    graded = {}
    for assignment_id, root in roots.items():
        scores, attention = futures["graded", assignment_id].result()
        assert attention == {}, f"submissions that were not graded normally: {attention}"
        table = {}
        for row in scores:
            table.setdefault(row.student, {})[row.test] = (row.score, row.max_score)
        seconds = {student: report["seconds"] for (student, _), report in load_reports(root / "work").items()}
        graded[assignment_id] = Graded(table, scores, root / "work", seconds)
    return graded


@pytest.fixture(scope="session")
def reference_printed(graded):
    """``reference_printed(assignment_id)``: what the reference solution printed on stdout when it was
    graded (fast mode, top to bottom: the run the text's fast-mode numbers describe)."""
    def printed(assignment_id):
        if assignment_id not in graded:
            pytest.skip(f"COURSE_LESSONS leaves out {assignment_id}")
        return printed_text(graded[assignment_id].autograded("reference", assignment_id))
    return printed


@pytest.fixture(scope="session")
def judged(notebook_runs):
    """{assignment id: LessonJudgement}: every mutant and correct alternative of the lessons under test,
    judged in one kernel per lesson, each caught mutant classed visible or hidden."""
    futures, roots = notebook_runs
    return {assignment_id: futures["judged", assignment_id].result() for assignment_id in roots}
