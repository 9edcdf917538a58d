"""Where the course's pieces live, and nbgrader's API configured for them.

An assignment id is a lesson folder's name, e.g. ``01_softmax``: its source is
``solutions/01_softmax/01_softmax.py`` (jupytext percent format), built into
``solutions/01_softmax/01_softmax.ipynb`` and released as ``lessons/01_softmax/01_softmax.ipynb``.
"""
import os
import re
import sys
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

COURSE_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = Path(__file__).resolve().parent / "nbgrader_config.py"
SOLUTIONS = COURSE_ROOT / "solutions"
LESSONS = COURSE_ROOT / "lessons"
DEFAULT_WORKDIR = COURSE_ROOT / "work"

LESSON_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")


def assignment_ids():
    """The ids of every lesson that has a jupytext source, in course order."""
    return sorted(
        folder.name for folder in SOLUTIONS.iterdir()
        if LESSON_NAME.match(folder.name) and (folder / f"{folder.name}.py").exists()
    )


def source_script(assignment_id):
    return SOLUTIONS / assignment_id / f"{assignment_id}.py"


def solution_notebook(assignment_id):
    return SOLUTIONS / assignment_id / f"{assignment_id}.ipynb"


def release_notebook(assignment_id):
    return LESSONS / assignment_id / f"{assignment_id}.ipynb"


def nbgrader_config(workdir=None, release_dir=None):
    """The course's nbgrader Config; ``workdir`` moves submissions, gradebook and feedback elsewhere.

    Args:
        workdir: folder for submitted/, autograded/, feedback/ and gradebook.db (default: work/).
        release_dir: where generate_assignment writes student versions (default: lessons/).
    """
    loader = PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent))
    config = loader.load_config()
    if workdir is not None:
        workdir = Path(workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)  # sqlite creates the gradebook, not its folder
        config.CourseDirectory.submitted_directory = str(workdir / "submitted")
        config.CourseDirectory.autograded_directory = str(workdir / "autograded")
        config.CourseDirectory.feedback_directory = str(workdir / "feedback")
        config.CourseDirectory.db_url = f"sqlite:///{workdir / 'gradebook.db'}"
    if release_dir is not None:
        config.CourseDirectory.release_directory = str(Path(release_dir).resolve())
    return config


def nbgrader_api(config: Config):
    """nbgrader's own Python API (the one its CLI and formgrader use), on the given config."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    # nbgrader runs the `alembic` command to create a gradebook: find it beside this interpreter even
    # when the virtual environment is not activated.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
