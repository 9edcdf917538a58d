"""Mutation testing of the lessons' tests: plausible wrong implementations that must lose points.

Each lesson keeps a catalogue beside its source, ``solutions/<id>/mutants.py``, defining
``MUTANTS = [Mutant(...), ...]``. A mutant names an exercise cell (its grade id) and one edit of the
solution's code in it: ``old`` must occur exactly once in that cell, and is replaced by ``new``. The
mutated notebook is then graded by nbgrader like any submission; a mutant that keeps full marks shows
a gap in the tests. The share of mutants caught is the strength of a lesson's tests.

The same file may define ``ALTERNATIVES = [Mutant(...), ...]``: edits that are correct in another way,
which must keep full marks (a test that fails them is too strict). ``mutation.py`` judges both cheaply,
in one kernel per lesson; ``run_catalogues`` below grades mutants end to end through nbgrader.
"""
import copy
import importlib.util
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import course


@dataclass(frozen=True)
class Mutant:
    name: str
    cell: str
    old: str
    new: str
    demo: bool = False  # used as a sample student by `make demo`

    @property
    def student(self):
        return "bug-" + re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def _catalogue_module(assignment_id):
    """The lesson's mutants.py as a module (None when the lesson has none)."""
    path = course.SOLUTIONS / assignment_id / "mutants.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogue(assignment_id):
    """The mutants of a lesson (an empty list when it has no mutants.py)."""
    module = _catalogue_module(assignment_id)
    return list(module.MUTANTS) if module else []


def alternatives(assignment_id):
    """The lesson's correct alternatives: edits of the solution that are right in another way (another
    loop order, NumPy idiom or stable formulation) and must keep full marks. Empty when it has none."""
    return list(getattr(_catalogue_module(assignment_id), "ALTERNATIVES", []))


def apply(notebook, mutant):
    """A copy of the solution notebook with the mutant's edit made; ValueError if it does not apply."""
    mutated = copy.deepcopy(notebook)
    cells = [cell for cell in mutated.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == mutant.cell]
    if len(cells) != 1:
        raise ValueError(f"mutant {mutant.name!r}: no exercise cell with grade id {mutant.cell!r}")
    cell = cells[0]
    if cell.source.count(mutant.old) != 1:
        raise ValueError(f"mutant {mutant.name!r}: {mutant.old!r} must occur exactly once in cell {mutant.cell!r}")
    cell.source = cell.source.replace(mutant.old, mutant.new)
    return mutated


def sample_class(assignment_id, mutants, release_notebook=None):
    """Submissions {student id: notebook}: the reference solution, the untouched student version
    (``release_notebook``, by default the committed one in lessons/), and one student per mutant."""
    solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    students = {
        "reference": solution,
        "untouched": nbformat.read(release_notebook or course.release_notebook(assignment_id), as_version=4),
    }
    for mutant in mutants:
        students[mutant.student] = apply(solution, mutant)
    return students


def write_class(inbox, assignment_id, students):
    """Write submissions in the flat layout of a learning-management system's download."""
    inbox.mkdir(parents=True, exist_ok=True)
    for student, notebook in students.items():
        nbformat.write(notebook, inbox / f"{student}_{assignment_id}.ipynb")


@dataclass(frozen=True)
class MutantResult:
    assignment: str
    name: str
    score: float
    max_score: float
    failed_tests: tuple

    @property
    def caught(self):
        return self.score < self.max_score


def run_catalogues(assignment_ids, workdir=course.DEFAULT_WORKDIR):
    """Grade every mutant of the given lessons with nbgrader (in ``workdir/mutants``); one result each."""
    from .grade import grade

    workdir = Path(workdir) / "mutants"
    inbox = workdir / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    mutants = {}
    for assignment_id in assignment_ids:
        solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
        lesson_mutants = catalogue(assignment_id)
        mutants[assignment_id] = lesson_mutants
        write_class(inbox, assignment_id, {mutant.student: apply(solution, mutant) for mutant in lesson_mutants})
    scores, attention = grade(inbox, workdir=workdir, log=lambda message: None)
    if attention:
        raise RuntimeError(f"some mutants could not be graded normally: {attention}")
    return [result for assignment_id, lesson_mutants in mutants.items()
            for result in summarize(scores, assignment_id, lesson_mutants)]


def summarize(scores, assignment_id, mutants):
    """One MutantResult per mutant of a lesson, from the graded class's per-test scores."""
    results = []
    for mutant in mutants:
        rows = [row for row in scores if row.assignment == assignment_id and row.student == mutant.student]
        if not rows:
            raise ValueError(f"mutant {mutant.name!r} of {assignment_id} was not graded")
        results.append(MutantResult(
            assignment_id, mutant.name,
            score=sum(row.score for row in rows), max_score=sum(row.max_score for row in rows),
            failed_tests=tuple(row.test for row in rows if row.score < row.max_score)))
    return results
