"""``python -m autograder build [--check]``: jupytext sources -> solution notebooks -> student versions,
plus the reference outputs of the visible tests.

Every build goes into a scratch folder first. Without ``--check`` the results are then copied into
solutions/, lessons/ and emolib/fixtures/; with ``--check`` they are compared with what is committed
and every file that differs is named (exit status 1). A file the build replaces or removes is first
copied to ``work/replaced/<time>/``: a student who worked in lessons/ loses nothing.
"""
import filecmp
import shutil
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
import numpy as np

from emolib.checks import FIXTURE_DIR, fixture_from_json, fixture_to_json

from . import course
from .fixtures import make_fixture

NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
# Float results may differ in the last bits between CPUs and BLAS builds; a changed solution does not.
FIXTURE_RTOL = 1e-9


def notebook_from_source(script: Path):
    """Read a jupytext percent script into a clean, deterministic nbformat 4.5 notebook."""
    notebook = jupytext.read(script)
    notebook.metadata = nbformat.from_dict(NOTEBOOK_METADATA)
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("lines_to_next_cell", None)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        cell.id = grade_id or f"cell-{index:03d}"
    nbformat.validate(notebook)
    return notebook


def build_into(scratch: Path, assignment_ids):
    """Build every lesson into ``scratch`` (solutions/, lessons/ and fixtures/ below it)."""
    work = scratch / "nbgrader-work"
    config = course.nbgrader_config(workdir=work, release_dir=scratch / "lessons")
    # generate_assignment reads sources from solutions/ of the course root: point it at the scratch copy.
    config.CourseDirectory.source_directory = str(scratch / "solutions")
    api = course.nbgrader_api(config)
    for assignment_id in assignment_ids:
        folder = scratch / "solutions" / assignment_id
        shutil.copytree(course.SOLUTIONS / assignment_id, folder, ignore=shutil.ignore_patterns(
            "*.ipynb", "__pycache__", ".ipynb_checkpoints"))
        notebook = notebook_from_source(course.source_script(assignment_id))
        nbformat.write(notebook, folder / f"{assignment_id}.ipynb")
        result = api.generate_assignment(assignment_id, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment failed for {assignment_id}:\n{result['log']}")
        fixture = make_fixture(assignment_id, notebook)
        if fixture is not None:
            (scratch / "fixtures").mkdir(exist_ok=True)
            (scratch / "fixtures" / f"{assignment_id}.json").write_text(fixture_to_json(fixture), encoding="utf-8")


def built_files(scratch: Path, assignment_id):
    """Pairs (built file, committed file) for one lesson."""
    pairs = [
        (scratch / "solutions" / assignment_id / f"{assignment_id}.ipynb", course.solution_notebook(assignment_id)),
    ]
    release = scratch / "lessons" / assignment_id
    pairs += [(path, course.LESSONS / assignment_id / path.relative_to(release)) for path in sorted(release.rglob("*")) if path.is_file()]
    fixture = scratch / "fixtures" / f"{assignment_id}.json"
    if fixture.exists():
        pairs.append((fixture, FIXTURE_DIR / fixture.name))
    return pairs


def fixtures_agree(built: Path, committed: Path):
    new, old = (fixture_from_json(path.read_text(encoding="utf-8")) for path in (built, committed))
    if new.keys() != old.keys():
        return False
    for name in new:
        for part in ("inputs", "outputs"):
            a, b = getattr(new[name], part), getattr(old[name], part)
            if a.keys() != b.keys():
                return False
            for key in a:
                if a[key].shape != b[key].shape or a[key].dtype != b[key].dtype:
                    return False
                if a[key].dtype.kind not in "biufc":  # strings (lesson 06's tokens) must match exactly
                    if not np.array_equal(a[key], b[key]):
                        return False
                elif not np.allclose(a[key], b[key], rtol=FIXTURE_RTOL, atol=0.0, equal_nan=True):
                    return False
    return True


def same(built: Path, committed: Path):
    if not committed.exists():
        return False
    if built.suffix == ".json" and built.parent.name == "fixtures":
        return fixtures_agree(built, committed)
    return filecmp.cmp(built, committed, shallow=False)


def stale_release_files(assignment_id, scratch: Path):
    """Files in lessons/<id>/ that the build no longer makes."""
    committed = course.LESSONS / assignment_id
    if not committed.exists():
        return []
    built = scratch / "lessons" / assignment_id
    return [path for path in sorted(committed.rglob("*"))
            if path.is_file() and ".ipynb_checkpoints" not in path.parts
            and not (built / path.relative_to(committed)).exists()]


def keep_copy(path: Path, backup_dir: Path):
    """Copy a file the build is about to replace or remove into ``backup_dir``."""
    target = backup_dir / path.relative_to(course.COURSE_ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)


def build(check=False, assignment_ids=None, backup_dir=None):
    """Build (or with ``check`` compare) every lesson; returns the list of differing files.

    Without ``check``, every file replaced or removed is first copied into ``backup_dir`` (default
    ``work/replaced/<time>``).
    """
    assignment_ids = assignment_ids or course.assignment_ids()
    backup_dir = backup_dir or course.DEFAULT_WORKDIR / "replaced" / time.strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix="emotion-build-") as tmp:
        scratch = Path(tmp)
        build_into(scratch, assignment_ids)
        differing = []
        for assignment_id in assignment_ids:
            for built, committed in built_files(scratch, assignment_id):
                if same(built, committed):
                    continue
                differing.append(committed)
                if not check:
                    if committed.exists():
                        keep_copy(committed, backup_dir)
                    committed.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(built, committed)
            for stale in stale_release_files(assignment_id, scratch):
                differing.append(stale)
                if not check:
                    keep_copy(stale, backup_dir)
                    stale.unlink()
    return differing
