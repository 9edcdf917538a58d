"""``python -m autograder.feedback``: renders feedback pages (nbgrader's generate_feedback) for the grading
worker that started it (``grade.FeedbackRenderer``). Each line on stdin asks for one page, as JSON
``[folder, assignment, student]`` (a grading folder of ``grade.py``); each answer is one JSON line,
``{"error": null}`` or the error's text.

It is a child process so that the worker can stop it: the page renders the student's Markdown and code
outside the sandbox, and a pathological cell must not hold the batch up. It serves every page of its
worker, so that nbgrader is imported once per worker rather than once per page (about 2.5 s of CPU),
and the worker starts it as it starts itself, so that the import is done before the first page.
"""
import json
import os
import sys
import warnings

from . import lean_imports  # noqa: F401  (before anything imports nbformat: see its doc)
import nbgrader.apps  # noqa: F401  (imported as the process starts, not at the first page)
from sqlalchemy.exc import SAWarning

from . import course


def render(folder, assignment, student):
    """The page of one autograded submission; returns None, or what went wrong."""
    api = course.nbgrader_api(course.nbgrader_config(workdir=folder))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # see grade.py: nbgrader 0.9.6 with SQLAlchemy 2
        result = api.generate_feedback(assignment, student, force=True)
    return None if result["success"] else (result.get("error") or "") + result.get("log", "")[-3000:]


def main():
    answers = os.fdopen(os.dup(1), "w")  # what nbgrader prints must not mix with the answers
    os.dup2(2, 1)
    for line in sys.stdin:
        folder, assignment, student = json.loads(line)
        try:
            error = render(folder, assignment, student)
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"
        answers.write(json.dumps({"error": error}) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
