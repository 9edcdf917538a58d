"""The notebook pipeline: what is committed is what the build makes, the student versions hide the
solutions and hidden tests, and every lesson has the anatomy DESIGN.md asks for."""
import json
import re
import shutil
import subprocess
import symtable
import sys

import nbformat
import pytest

from autograder import course
from autograder.build import build, notebook_from_source
from emolib.checks import FIXTURE_DIR
from realdata import lessons_under_test

LESSONS = lessons_under_test()
# The build executes every lesson's setup and exercise cells to make the fixtures: a test that runs it
# executes notebook code, and make test-quick leaves it out.
runs_the_build = pytest.mark.notebooks


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_there_is_at_least_one_lesson():
    assert "01_softmax" in course.assignment_ids()


@runs_the_build
def test_committed_notebooks_and_fixtures_are_what_the_build_makes():
    assert build(check=True) == []


@pytest.fixture
def course_copy(tmp_path):
    """A copy of the course (sources, notebooks, fixtures, code) whose build can be checked apart."""
    for name in ("autograder", "emolib", "solutions", "lessons"):
        shutil.copytree(course.COURSE_ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def run_build(folder, *flags):
    """``autograder build`` of lesson 01 alone in ``folder``, as an instructor runs it (every lesson's
    build is checked by the test above)."""
    return subprocess.run([sys.executable, "-m", "autograder", "build", "01_softmax", *flags], cwd=folder,
                          capture_output=True, text=True, timeout=300)


@runs_the_build
def test_check_names_every_file_that_differs(course_copy):
    release = course_copy / "lessons" / "01_softmax" / "01_softmax.ipynb"
    release.write_text(release.read_text().replace("Lesson 01", "Lesson 1", 1))
    fixture = course_copy / "emolib" / "fixtures" / "01_softmax.json"
    document = json.loads(fixture.read_text())
    document["softmax"]["outputs"]["probs"]["data"][0] += 1e-3
    fixture.write_text(json.dumps(document))
    (course_copy / "lessons" / "01_softmax" / "stale.txt").write_text("left over")

    result = run_build(course_copy, "--check")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "differs: lessons/01_softmax/01_softmax.ipynb" in result.stdout
    assert "differs: emolib/fixtures/01_softmax.json" in result.stdout
    assert "differs: lessons/01_softmax/stale.txt" in result.stdout
    assert "solutions/01_softmax/01_softmax.ipynb" not in result.stdout


@runs_the_build
def test_check_notices_a_changed_source(course_copy):
    source = course_copy / "solutions" / "01_softmax" / "01_softmax.py"
    source.write_text(source.read_text().replace("dz = (sigmoid(z) - y) / n", "dz = (sigmoid(z) - y) / (2 * n)"))
    result = run_build(course_copy, "--check")
    assert result.returncode == 1
    for path in ("solutions/01_softmax/01_softmax.ipynb", "emolib/fixtures/01_softmax.json"):
        assert f"differs: {path}" in result.stdout


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_student_version_has_no_solutions_and_no_hidden_tests(assignment_id):
    release_folder = course.LESSONS / assignment_id
    assert sorted(path.name for path in release_folder.iterdir()) == [f"{assignment_id}.ipynb"], (
        "only the notebook may be released: the jupytext source, fixtures.py and mutants.py hold answers")
    release = nbformat.read(course.release_notebook(assignment_id), as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    # What the lesson gives students anyway (text, provided code, visible tests) is no leak when an
    # answer happens to contain the same line.
    given = "\n".join(re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
                      for cell in solution.cells if not nbgrader_meta(cell).get("solution"))
    for cell in solution.cells:
        if nbgrader_meta(cell).get("solution"):
            answer = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S).group(1)
            for line in answer.splitlines():
                if len(line.strip()) > 25 and line.strip() not in given:
                    assert line.strip() not in text, f"solution line released: {line.strip()}"


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_lesson_anatomy(assignment_id):
    notebook = notebook_from_source(course.source_script(assignment_id))
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# Lesson")
    for marker in ("**Prerequisites:**", "**Time:**", "**Runs on:**"):
        assert marker in cells[0].source
    assert any("setup" in cell.metadata.get("tags", []) for cell in cells), "no cell tagged setup"
    code = [cell for cell in cells if cell.cell_type == "code"]
    exercises = [i for i, cell in enumerate(code) if nbgrader_meta(cell).get("solution")]
    assert exercises
    for index in exercises:
        exercise, test = code[index], code[index + 1]
        assert '"""' in exercise.source and "Returns:" in exercise.source, f"{exercise.id}: docstring with shapes"
        assert nbgrader_meta(test).get("grade") and nbgrader_meta(test).get("locked"), f"no test cell after {exercise.id}"
        assert nbgrader_meta(test)["points"] > 0
        assert "### BEGIN HIDDEN TESTS" in test.source, f"{test.id} has no hidden tests"


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_no_cell_but_a_test_reads_a_name_only_a_test_cell_binds(assignment_id):
    """Under grading the test cells run in the judge kernel only, so what they bind does not exist in
    the student's kernel: a later cell that reads it works in the lesson and fails when graded."""
    solution = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    only_in_tests, misses = set(), []
    for cell in solution.cells:
        if cell.cell_type != "code":
            continue
        binds, reads = global_names(cell.source)
        if nbgrader_meta(cell).get("grade"):
            only_in_tests |= binds
        else:
            if reads & only_in_tests:
                misses.append(f"{cell.id} reads {sorted(reads & only_in_tests)}")
            only_in_tests -= binds
    assert misses == [], f"bound only by a test cell (move them to a locked cell before the exercise): {misses}"


def global_names(source):
    """(the names a cell binds at its top level, the names it reads there or as globals inside its
    functions without binding them itself); magics leave both empty."""
    try:
        table = symtable.symtable(source, "cell", "exec")
    except SyntaxError:
        return set(), set()
    binds = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_assigned() or symbol.is_imported()}
    reads = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced()}
    scopes = list(table.get_children())
    for scope in scopes:
        scopes += scope.get_children()
        reads |= {symbol.get_name() for symbol in scope.get_symbols() if symbol.is_global() and symbol.is_referenced()}
    return binds, reads - binds


@pytest.mark.parametrize("assignment_id", LESSONS)
def test_every_reference_case_a_test_reads_is_in_the_fixture(assignment_id):
    source = course.source_script(assignment_id).read_text()
    used = set(re.findall(r'REFERENCE\["(\w+)"\]', source))
    if not used:
        pytest.skip("this lesson's tests use no stored reference cases")
    stored = json.loads((FIXTURE_DIR / f"{assignment_id}.json").read_text())
    assert used == set(stored)


@runs_the_build
def test_build_restores_the_release_and_keeps_what_it_replaced(course_copy):
    release = course_copy / "lessons" / "01_softmax" / "01_softmax.ipynb"
    committed = release.read_text()
    student_work = committed.replace("raise NotImplementedError()", "return 0.5", 1)
    release.write_text(student_work)
    (course_copy / "lessons" / "01_softmax" / ".ipynb_checkpoints").mkdir()
    (course_copy / "lessons" / "01_softmax" / ".ipynb_checkpoints" / "01_softmax-checkpoint.ipynb").write_text("{}")

    result = run_build(course_copy)
    assert result.returncode == 0, result.stderr
    assert "updated: lessons/01_softmax/01_softmax.ipynb" in result.stdout
    assert release.read_text() == committed
    kept = list((course_copy / "work" / "replaced").glob("*/lessons/01_softmax/01_softmax.ipynb"))
    assert len(kept) == 1 and kept[0].read_text() == student_work
    assert (course_copy / "lessons" / "01_softmax" / ".ipynb_checkpoints" / "01_softmax-checkpoint.ipynb").exists()
