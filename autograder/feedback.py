"""``python -m autograder.feedback FOLDER ASSIGNMENT STUDENT``: nbgrader's generate_feedback for one
autograded submission in a grading folder (``grade.py``'s private folder).

It runs as a child process so that the grader can stop it: the page renders the student's Markdown
and code outside the sandbox, and a pathological cell must not hold the batch up.
"""
import sys
import warnings

from sqlalchemy.exc import SAWarning

from . import course


def main(argv):
    folder, assignment, student = argv
    api = course.nbgrader_api(course.nbgrader_config(workdir=folder))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # see grade.py: nbgrader 0.9.6 with SQLAlchemy 2
        result = api.generate_feedback(assignment, student, force=True)
    if not result["success"]:
        print((result.get("error") or "") + result.get("log", "")[-3000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
