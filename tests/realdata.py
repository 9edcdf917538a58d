"""Skip markers for tests that need the real datasets, found through EMOLIB_DATA (CI sets it), and the
choice of lessons to test."""
import os
from pathlib import Path

import pytest

REAL_DATA = Path(os.environ["EMOLIB_DATA"]) if os.environ.get("EMOLIB_DATA") else None

needs_real_imdb = pytest.mark.skipif(
    REAL_DATA is None or not ((REAL_DATA / "aclImdb").is_dir() or (REAL_DATA / "aclImdb_v1.tar.gz").is_file()),
    reason="real IMDB data not available: set EMOLIB_DATA to a folder holding aclImdb/ or aclImdb_v1.tar.gz",
)
needs_real_chnsenticorp = pytest.mark.skipif(
    REAL_DATA is None or not all((REAL_DATA / "chnsenticorp" / f"{s}.csv").is_file() for s in ("train", "dev", "test")),
    reason="real ChnSentiCorp not available: set EMOLIB_DATA to a folder holding chnsenticorp/{train,dev,test}.csv",
)

needs_real_goemotions = pytest.mark.skipif(
    REAL_DATA is None or not all((REAL_DATA / "goemotions" / name).is_file()
                                 for name in ("train.tsv", "dev.tsv", "test.tsv", "emotions.txt", "ekman_mapping.json")),
    reason="real GoEmotions not available: set EMOLIB_DATA to a folder holding goemotions/{train,dev,test}.tsv, "
           "emotions.txt and ekman_mapping.json",
)
needs_real_smp2020_ewect = pytest.mark.skipif(
    REAL_DATA is None or not all((REAL_DATA / "smp2020_ewect" / f"virus_{name}.txt").is_file()
                                 for name in ("train", "eval_labeled", "test_labeled")),
    reason="real SMP2020-EWECT not available: set EMOLIB_DATA to a folder holding "
           "smp2020_ewect/virus_{train,eval_labeled,test_labeled}.txt",
)


def lessons_under_test():
    """The lessons the notebook, build and grading tests cover: all of them, or, while working on some,
    those named in COURSE_LESSONS (comma-separated ids, e.g. ``COURSE_LESSONS=07_keras_cnn``)."""
    from autograder import course

    every = course.assignment_ids()
    chosen = [lesson.strip() for lesson in os.environ.get("COURSE_LESSONS", "").split(",") if lesson.strip()]
    unknown = sorted(set(chosen) - set(every))
    if unknown:
        raise ValueError(f"COURSE_LESSONS names lessons that do not exist: {', '.join(unknown)}")
    return chosen or every


def executes_notebooks(test):
    """Mark a test that executes lesson notebooks (itself or through a fixture): it needs the real IMDB
    data, and ``make test-quick`` (``-m "not notebooks"``) leaves it out."""
    return pytest.mark.notebooks(needs_real_imdb(test))


def lesson_text(assignment_id):
    """The Markdown cells of a lesson's solution notebook, one after the other: what its text says."""
    import nbformat

    from autograder import course

    notebook = nbformat.read(course.solution_notebook(assignment_id), as_version=4)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
