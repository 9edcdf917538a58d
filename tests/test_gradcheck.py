"""emolib.gradcheck: numerical gradients and the relative error."""
import numpy as np

from emolib.gradcheck import numerical_gradient, numerical_gradient_array, rel_error


def test_numerical_gradient_of_a_known_function_and_x_is_restored():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    assert np.array_equal(x, before)
    assert rel_error(grad, np.cos(x) * x + np.sin(x)) < 1e-9


def test_numerical_gradient_array_is_the_gradient_of_the_weighted_sum():
    rng = np.random.default_rng(0)
    A, x, dout = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
    grad = numerical_gradient_array(lambda v: np.tanh(A @ v), x, dout)
    assert rel_error(grad, A.T @ ((1 - np.tanh(A @ x) ** 2) * dout)) < 1e-8


def test_rel_error_is_elementwise_and_symmetric():
    a, b = np.array([1.0, 100.0]), np.array([1.0, 101.0])
    assert rel_error(a, b) == rel_error(b, a) == 1.0 / 201.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error([0.0], [1e-9]) == 1e-9 / 1e-8
