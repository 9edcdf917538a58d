"""nbgrader configuration of the course (the repository's top-level nbgrader_config.py loads this file).

nbgrader's directory model maps onto the repository: the sources are solutions/<assignment>/, the
student versions lessons/<assignment>/, and everything the instructor's grading makes (submissions,
gradebook, autograded notebooks, feedback) stays in the git-ignored working folder work/.
"""
from pathlib import Path

from autograder.preprocessors import HideHiddenTests, SandboxedExecute, StderrIsNotFailure
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades, IgnorePattern,
                                    LimitOutput, SaveAutoGrades)
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbconvert.preprocessors import ClearMetadataPreprocessor

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

COURSE_ROOT = Path(__file__).resolve().parent.parent

c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.course_id = "emotion-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.submitted_directory = "work/submitted"
c.CourseDirectory.autograded_directory = "work/autograded"
c.CourseDirectory.feedback_directory = "work/feedback"
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'work' / 'gradebook.db'}"
# The exchange, through which `nbgrader release_assignment` and `collect` (and the formgrader's Release and
# Collect buttons) pass notebooks: on one machine, a folder in work/. A course on a shared JupyterHub sets
# a folder every user can reach ("Grading a large course" in the README).
EXCHANGE = COURSE_ROOT / "work" / "exchange"
c.Exchange.root = str(EXCHANGE)
# Made here, because nbgrader makes neither: without work/ (a fresh clone) SQLite cannot create the gradebook
# and every formgrader call fails with an error 500; without the exchange the formgrader turns off Release
# and Collect. 0o777 is what nbgrader's release would set.
if not EXCHANGE.exists():
    EXCHANGE.mkdir(parents=True)
    EXCHANGE.chmod(0o777)
# The jupytext source (which holds the solutions) and the instructor-only files beside it must never
# be copied into a student's release or an autograded folder.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "[0-9][0-9]_*.py", "fixtures.py", "mutants.py"]

# `nbgrader validate` (and JupyterLab's Validate button) cuts each line of an error at Validator.width - 3
# characters. emolib.checks wraps its messages to fit nbgrader's default; the wider limit also keeps
# whole most errors NumPy raises in a student's own code (broadcasting, shapes). It cannot be unlimited:
# the same width draws the separator lines of the report.
c.Validator.width = 110

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A notebook runs in fast mode under nbgrader (about a minute); a cell that takes longer is stuck.
# (`nbgrader validate`, what students run, still uses nbgrader's Execute and this timeout.)
c.Execute.timeout = 300

# Course defaults of what one submission may use when it is graded; `grade --wall-time --cell-time
# --memory --processes` override them. SandboxedExecute replaces nbgrader's Execute: it runs the notebook
# in a child process, in a bubblewrap sandbox when that can run (see autograder/sandbox.py).
c.SandboxedExecute.wall_seconds = 600
c.SandboxedExecute.cell_seconds = 300
c.SandboxedExecute.memory_mb = 4096
c.SandboxedExecute.processes = 64

# Stock nbgrader scores a test cell that wrote anything to stderr as zero, even when every assertion
# passed; TensorFlow, Keras and jieba print notices there. StderrIsNotFailure runs right after the
# notebook executes and relabels such output; a failing test still raises, which is what scores zero.
c.Autograde.autograde_preprocessors = [
    SandboxedExecute,
    StderrIsNotFailure,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# nbgrader's default kernel arguments, plus a quieter kernel log: the kernel's own start-up notices
# (about its loopback transport) would otherwise be printed once per graded notebook.
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"]
c.SandboxedExecute.extra_arguments = c.Execute.extra_arguments

# The feedback shows each test's name, points and failure message, never the hidden tests' code.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
