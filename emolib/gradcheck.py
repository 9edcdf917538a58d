"""Numerical gradients by centered differences, and the relative error used to compare gradients.

Lesson 01 asks students to write ``numerical_gradient`` themselves; from lesson 02 on they use this
module. Always check in float64: with float32, rounding error swamps the O(h^2) truncation error.
"""
import numpy as np

DEFAULT_STEP = 1e-5
UNCERTAINTY_SAMPLES = 16


class NumericalGradient(np.ndarray):
    """A float64 array of centred differences that also carries ``uncertainty``: its own error bound.

    The bound is three times the largest |g(h) - g(2h)| over up to ``UNCERTAINTY_SAMPLES`` entries
    spread over the array: the truncation error of g(h) is a third of that difference (it grows as
    h^2), and the rounding error of f, divided by h, shows up in it as noise of about the same size at
    every entry (so a sample measures it, at a fraction of the cost of a second full pass). ``emolib.checks.assert_gradient`` allows for it, so an analytic gradient that is
    right but computed in another order is not failed for the numerical gradient's own error. Arithmetic
    on it gives plain arrays without the bound.
    """

    def __array_finalize__(self, obj):
        self.uncertainty = None

    def __array_wrap__(self, array, context=None, return_scalar=False):
        result = np.asarray(array)
        return result[()] if return_scalar else result


def _centred_differences(f, x, h, indices):
    grad = np.zeros_like(x, dtype=np.float64)
    for index in indices:
        original = x[index]
        x[index] = original + h
        f_plus = float(f(x))
        x[index] = original - h
        f_minus = float(f(x))
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient(f, x, h=DEFAULT_STEP):
    """Gradient of a scalar function by centered differences, with an estimate of its own error.

    Args:
        f: callable taking the array ``x`` (read in place) and returning a scalar.
        x: float64 array of any shape; each entry is nudged by +-h (and +-2h) and restored.
        h: step size.
    Returns:
        NumericalGradient of x's shape: (f(x + h e_i) - f(x - h e_i)) / (2h) for every entry i, whose
        ``uncertainty`` bounds its error (see NumericalGradient).
    """
    grad = _centred_differences(f, x, h, list(np.ndindex(x.shape)))
    sample = [np.unravel_index(i, x.shape) for i in
              np.unique(np.linspace(0, x.size - 1, min(x.size, UNCERTAINTY_SAMPLES)).astype(int))]
    coarse = _centred_differences(f, x, 2 * h, sample)
    result = grad.view(NumericalGradient)
    result.uncertainty = 3.0 * max((abs(grad[i] - coarse[i]) for i in sample), default=0.0)
    return result


def numerical_gradient_array(f, x, dout, h=DEFAULT_STEP):
    """Gradient of sum(f(x) * dout) with respect to x: what a layer's backward must return as dx.

    Args:
        f: callable taking ``x`` and returning an array of dout's shape.
        x: float64 array of any shape; each entry is nudged by +-h and restored.
        dout: upstream gradient, same shape as f(x).
        h: step size.
    Returns:
        NumericalGradient of x's shape (with its error bound).
    """
    return numerical_gradient(lambda x: np.sum(np.asarray(f(x), dtype=np.float64) * dout), x, h)


def rel_error(a, b):
    """Largest elementwise relative error, max |a - b| / max(1e-8, |a| + |b|).

    Below 1e-7 for a single layer checked in float64 means the analytic gradient is right.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
