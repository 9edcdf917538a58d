"""Lessons 02 and 03 beyond the generic tests: lesson 03 gives lesson 02's conv1d and lesson 01's softmax
cross-entropy as read-only code (so that a student who did not finish those lessons can still build the
TextCNN), and the copies must compute what the earlier solutions compute; the notebooks print what their
text says."""
import re

import nbformat
import numpy as np
import pytest

from autograder import course
from autograder.fixtures import exercise_namespace
from realdata import needs_real_imdb


def solution(assignment_id):
    return exercise_namespace(nbformat.read(course.solution_notebook(assignment_id), as_version=4))


@pytest.fixture(scope="module")
def lessons():
    return {assignment_id: solution(assignment_id) for assignment_id in ("01_softmax", "02_convolution", "03_pooling")}


@pytest.mark.parametrize("steps, dim, width, filters, stride, pad", [(9, 3, 2, 4, 2, 0), (6, 2, 4, 2, 1, 2), (11, 5, 3, 3, 3, 1)])
def test_lesson_03_conv1d_is_lesson_02_conv1d(lessons, steps, dim, width, filters, stride, pad):
    rng = np.random.default_rng(steps)
    x, w, b = rng.normal(size=(2, steps, dim)), rng.normal(size=(width, dim, filters)), rng.normal(size=filters)
    given, given_cache = lessons["03_pooling"].conv1d_forward(x, w, b, stride, pad)
    solved, solved_cache = lessons["02_convolution"].conv1d_forward(x, w, b, stride, pad)
    np.testing.assert_allclose(given, solved, rtol=1e-12, atol=1e-12)
    dout = rng.normal(size=given.shape)
    for given_grad, solved_grad in zip(lessons["03_pooling"].conv1d_backward(dout, given_cache),
                                       lessons["02_convolution"].conv1d_backward(dout, solved_cache)):
        np.testing.assert_allclose(given_grad, solved_grad, rtol=1e-12, atol=1e-12)


def test_lesson_03_softmax_cross_entropy_is_lesson_01s(lessons):
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(scale=3.0, size=(6, 4)), rng.integers(0, 4, size=6)
    given_loss, given_grad = lessons["03_pooling"].softmax_cross_entropy(logits.copy(), labels)
    solved_loss, solved_grad = lessons["01_softmax"].softmax_cross_entropy(logits.copy(), labels)
    assert given_loss == pytest.approx(solved_loss, rel=1e-12)
    np.testing.assert_allclose(given_grad, solved_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.notebooks
@needs_real_imdb
def test_lessons_02_and_03_print_what_their_text_says(reference_printed):
    printed = reference_printed("02_convolution")
    # Each hand-made n-gram detector fires on its own n-gram only.
    assert re.search(r'"not good" fired \d+ times, on: \[\(\'not good\', \d+\)\]', printed), printed
    assert re.search(r'"waste of time" fired \d+ times, on: \[\(\'waste of time\', \d+\)\]', printed), printed
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", reference_printed("03_pooling")).group(1))
    # The lesson's text says fast mode (3,600 training reviews) gets about 0.69.
    assert 0.62 <= accuracy <= 0.76
