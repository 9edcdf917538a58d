"""Lesson 03 gives lesson 02's conv1d and lesson 01's softmax cross-entropy as read-only code, so that a
student who did not finish those lessons can still build the TextCNN. The copies must compute what the
earlier lessons' solutions compute."""
import nbformat
import numpy as np
import pytest

from autograder import course
from autograder.fixtures import exercise_namespace


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
