"""Numerical gradients by centered differences, and the relative error used to compare gradients.

Lesson 01 asks students to write ``numerical_gradient`` themselves; from lesson 02 on they use this
module. Always check in float64: with float32, rounding error swamps the O(h^2) truncation error.
"""
import numpy as np

DEFAULT_STEP = 1e-5


def numerical_gradient(f, x, h=DEFAULT_STEP):
    """Gradient of a scalar function by centered differences.

    Args:
        f: callable taking the array ``x`` (read in place) and returning a scalar.
        x: float64 array of any shape; each entry is nudged by +-h and restored.
        h: step size.
    Returns:
        array of x's shape: (f(x + h e_i) - f(x - h e_i)) / (2h) for every entry i.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = float(f(x))
        x[index] = original - h
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=DEFAULT_STEP):
    """Gradient of sum(f(x) * dout) with respect to x: what a layer's backward must return as dx.

    Args:
        f: callable taking ``x`` and returning an array of dout's shape.
        x: float64 array of any shape; each entry is nudged by +-h and restored.
        dout: upstream gradient, same shape as f(x).
        h: step size.
    Returns:
        array of x's shape.
    """
    return numerical_gradient(lambda x: np.sum(np.asarray(f(x), dtype=np.float64) * dout), x, h)


def rel_error(a, b):
    """Largest elementwise relative error, max |a - b| / max(1e-8, |a| + |b|).

    Below 1e-7 for a single layer checked in float64 means the analytic gradient is right.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
