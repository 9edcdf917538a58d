"""Where the course's pieces live, and nbgrader's API configured for them.

An assignment id is a lesson folder's name, e.g. ``01_softmax``: its source is
``solutions/01_softmax/01_softmax.py`` (jupytext percent format), built into
``solutions/01_softmax/01_softmax.ipynb`` and released as ``lessons/01_softmax/01_softmax.ipynb``.
"""
import hashlib
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


def fixtures_file(assignment_id):
    return COURSE_ROOT / "emolib" / "fixtures" / f"{assignment_id}.json"


def lesson_digest(assignment_id):
    """A hash of everything besides the submission that decides a lesson's scores: its source script
    and source notebook (hidden tests included), its reference outputs, and the code of emolib and
    autograder that the tests and the grader run. A saved report is reused only while it is unchanged."""
    files = [(path.name, path) for path in (source_script(assignment_id), solution_notebook(assignment_id),
                                            fixtures_file(assignment_id))]
    for package in ("emolib", "autograder"):
        files += [(str(path.relative_to(COURSE_ROOT)), path) for path in sorted((COURSE_ROOT / package).rglob("*.py"))]
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)") + b"\0")
    return digest.hexdigest()


# The datasets each lesson's notebook reads (tests/test_grading_inputs.py keeps this table equal to the
# loaders the sources call), and emolib.data's loaders of each.
LESSON_DATASETS = {
    "01_softmax": ("imdb",), "02_convolution": ("imdb",), "03_pooling": ("imdb",), "04_gru": ("imdb",),
    "05_sentiment_from_scratch": ("imdb",), "06_text_as_numbers": ("imdb", "chnsenticorp"),
    "07_keras_cnn": ("imdb",), "08_keras_rnn": ("imdb",), "09_evaluation": ("imdb", "chnsenticorp"),
    "10_emotions": ("goemotions", "smp2020_ewect"), "11_attention": ("goemotions",),
    "12_explanations": ("goemotions", "smp2020_ewect"),
}
DATASET_LOADERS = {"imdb": ("load_imdb", "load_imdb_sequences"), "chnsenticorp": ("load_chnsenticorp",),
                   "goemotions": ("load_goemotions",), "smp2020_ewect": ("load_smp2020_ewect",)}


class DataUnavailable(FileNotFoundError):
    """The data some lessons need is not on this machine; the message says which and what to do."""


def check_datasets(assignment_ids):
    """Make sure the data the lessons read is on disk before anything is graded: the notebooks run
    without network, and a missing dataset would score every student's work zero. IMDB is extracted
    (or, when this machine is online, downloaded) into the cache once, here.

    Returns a line per dataset saying where it is; raises DataUnavailable saying what to do."""
    from emolib import data

    needed = {}
    for assignment_id in assignment_ids:
        for dataset in LESSON_DATASETS[assignment_id]:
            needed.setdefault(dataset, []).append(assignment_id)
    found, problems = [], []
    for dataset, lessons in sorted(needed.items()):
        try:
            if dataset == "imdb":
                found.append(f"IMDB reviews: {data.imdb_folder()}")
            elif dataset == "goemotions":
                found.append(f"GoEmotions: {data.goemotions_folder()}")
            elif dataset == "chnsenticorp":
                for split in data.CHNSENTICORP_SPLITS:
                    data.load_chnsenticorp(split)
                found.append(f"ChnSentiCorp: {data.data_dir() / 'chnsenticorp'}")
            else:
                for split in data.SMP2020_EWECT_FILES:
                    data.load_smp2020_ewect(split)
                found.append(f"SMP2020-EWECT: {data.data_dir() / 'smp2020_ewect'}")
        except data.DatasetUnavailableError as error:
            problems.append(f"{', '.join(lessons)} read {dataset}, which is not available:\n{error}")
    if problems:
        raise DataUnavailable("\n\n".join(problems) + "\nNothing was graded: make the data available and run the command again.")
    return found


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
