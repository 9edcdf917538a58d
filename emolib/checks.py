"""What the notebooks' test cells call: compare a student's result with a reference, shape first,
then values, and fail with a message that names the likely bug.

Every check raises ``AssertionError`` with a message written for the student; the grade cell that
called it then scores zero. The NumPy functions used here are bound when this module is imported,
so an answer cell that reassigns ``np.allclose`` or ``np.abs`` cannot change a verdict, and the
student's value is converted to a plain float64 array before it is compared, so an object whose
``==`` always answers True compares as what it is.

Reference outputs live in ``emolib/fixtures/<lesson>.json``, written by ``python -m autograder build``
from the solutions (never by hand), and are read with ``load_fixture``.
"""
import ast
import inspect
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .gradcheck import rel_error

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures"

# Bound at import: see the module docstring.
_asarray = np.asarray
_abs = np.abs
_amax = np.max
_isfinite = np.isfinite
_all = np.all
_any = np.any
_argmax = np.argmax
_unravel_index = np.unravel_index
_ndarray = np.ndarray
_generic = np.generic
_number_kinds = "biuf"


def _as_numbers(got, what):
    """The student's value as a float64 array, or an AssertionError saying what it was instead."""
    if isinstance(got, (list, tuple)) or not isinstance(got, (_ndarray, _generic, int, float)):
        raise AssertionError(f"{what} should be a NumPy array or a number, but it is a {type(got).__name__}.")
    array = _asarray(got)
    if array.dtype.kind not in _number_kinds:
        raise AssertionError(f"{what} should hold numbers, but its dtype is {array.dtype}.")
    return array.astype(np.float64)


def assert_shape(got, expected_shape, what):
    """Fail unless ``got`` is an array (or number, for shape ()) of ``expected_shape``."""
    array = _as_numbers(got, what)
    expected_shape = tuple(expected_shape)
    if array.shape != expected_shape:
        raise AssertionError(
            f"{what} has shape {array.shape}, expected {expected_shape}. "
            "Check which axis you reduce over (and keepdims) and that you return every value asked for."
        )
    return array


def assert_close(got, want, what, rtol=1e-6, atol=1e-9, common_bugs=None):
    """Fail unless ``got`` matches ``want`` in shape and, elementwise, within atol + rtol * |want|.

    Args:
        got: the student's result.
        want: the reference value (array or number).
        what: how to name the value in a message, e.g. "softmax(x)".
        common_bugs: optional {description: value a known bug would give}; when ``got`` matches one of
            those values, the message names that bug.
    """
    want = _asarray(want, dtype=np.float64)
    array = assert_shape(got, want.shape, what)
    if not _all(_isfinite(array)):
        raise AssertionError(
            f"{what} contains NaN or inf. Large inputs overflow np.exp: shift by the maximum first, "
            "and never take log(0)."
        )
    error = _abs(array - want)
    tolerance = atol + rtol * _abs(want)
    if not _any(error > tolerance):
        return
    for description, bug_value in (common_bugs or {}).items():
        bug_value = _asarray(bug_value, dtype=np.float64)
        if bug_value.shape == array.shape and _all(_abs(array - bug_value) <= atol + rtol * _abs(bug_value)):
            raise AssertionError(f"{what} is wrong: it matches what this common bug gives: {description}.")
    worst = _unravel_index(_argmax(error - tolerance), error.shape) if error.ndim else ()
    raise AssertionError(
        f"{what} is wrong: at index {tuple(int(i) for i in worst)} you give {float(array[worst])!r}, "
        f"the reference is {float(want[worst])!r} (largest error {float(_amax(error)):.3g})."
    )


def assert_gradient(analytic, numeric, what, tol=1e-7):
    """Fail unless an analytic gradient agrees with a numerical one: rel_error below ``tol``."""
    numeric = _asarray(numeric, dtype=np.float64)
    array = assert_shape(analytic, numeric.shape, what)
    error = rel_error(array, numeric)
    if not error < tol:
        raise AssertionError(
            f"{what} disagrees with the numerical gradient: relative error {error:.2e} (must be below "
            f"{tol:.0e}). Re-derive it with the chain rule, and check you average over the batch."
        )


def assert_true(condition, message):
    """Fail with ``message`` unless ``condition`` is exactly the boolean True (not a truthy object)."""
    if condition is not True and condition is not np.True_:
        raise AssertionError(message)


def source_of(function):
    """The code that defined ``function``. When the course's grader runs the tests, they see a
    student's function as a handle that carries its answer cell as handed in (``submitted_source``);
    in a notebook, it is the function's own source."""
    if hasattr(type(function), "submitted_source"):
        return function.submitted_source or ""
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def assert_does_not_use(function, names, message):
    """Fail with ``message`` when the code that defined ``function`` uses one of ``names`` (as a
    name, an attribute or a module it imports): the exercise is to write it without them."""
    try:
        tree = ast.parse(source_of(function))
    except SyntaxError:
        return
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            used |= {part for alias in node.names for part in (alias.name.split(".") + [alias.asname])}
            used |= set((getattr(node, "module", None) or "").split("."))
    if used & set(names):
        raise AssertionError(f"{message} (it uses {', '.join(sorted(used & set(names)))})")


def assert_at_least(value, minimum, what, hint=""):
    """Fail unless the number ``value`` is at least ``minimum`` (an accuracy, say); ``hint`` says what to check."""
    number = float(_as_numbers(value, what))
    if not number >= minimum:
        raise AssertionError(f"{what} is {number:.4g}, it should be at least {minimum:g}. {hint}".rstrip())


def assert_model(model, layer_counts, output_shape, parameters=None, what="your model"):
    """Fail unless a Keras model has the layers, output shape and parameter count asked for.

    Args:
        model: a built Keras model (one made with ``keras.Input``, so its shapes are known).
        layer_counts: {layer class name: how many times it occurs among ``model.layers``}, e.g.
            ``{"Embedding": 1, "Conv1D": 3, "Dense": 1}``; layers not named here are not counted.
        output_shape: the model's output shape, batch axis as None, e.g. ``(None, 1)``.
        parameters: the total number of parameters, when the exercise fixes it.
    """
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        raise AssertionError(f"{what} should be a Keras model, but it is a {type(model).__name__}.")
    names = [type(layer).__name__ for layer in model.layers]
    for name, count in layer_counts.items():
        if names.count(name) != count:
            raise AssertionError(f"{what} should have {count} {name} layer(s), it has {names.count(name)}. "
                                 f"Its layers are: {', '.join(names)}.")
    try:
        got_shape = tuple(model.output_shape)
    except (AttributeError, ValueError) as error:
        raise AssertionError(f"{what} has no output shape yet ({error}). Start it with keras.Input(shape=...) "
                             "so Keras builds it.") from None
    if got_shape != tuple(output_shape):
        raise AssertionError(f"{what} gives outputs of shape {got_shape}, expected {tuple(output_shape)}. "
                             "Check the last layer's units and whether you pooled over time.")
    if parameters is not None and model.count_params() != parameters:
        raise AssertionError(f"{what} has {model.count_params():,} parameters, expected {parameters:,}. "
                             "Check the layer sizes the exercise asks for (model.summary() lists them).")


@dataclass(frozen=True)
class Case:
    """One reference case of a visible test: the inputs it feeds and the outputs the solution gave."""

    inputs: dict
    outputs: dict


def encode_array(value):
    """A JSON-ready form of a number or array that decodes to the same dtype, shape and values."""
    array = np.asarray(value)
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": array.ravel().tolist()}


def decode_array(encoded):
    return np.array(encoded["data"], dtype=np.dtype(encoded["dtype"])).reshape(encoded["shape"])


def fixture_to_json(cases):
    """Serialise {case name: Case} as indented JSON (exact: floats are written with repr)."""
    document = {
        name: {
            "inputs": {key: encode_array(value) for key, value in case.inputs.items()},
            "outputs": {key: encode_array(value) for key, value in case.outputs.items()},
        }
        for name, case in cases.items()
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def fixture_from_json(text):
    return {
        name: Case(
            inputs={key: decode_array(value) for key, value in entry["inputs"].items()},
            outputs={key: decode_array(value) for key, value in entry["outputs"].items()},
        )
        for name, entry in json.loads(text).items()
    }


def load_fixture(lesson):
    """The reference cases of a lesson's visible tests, e.g. ``load_fixture("01_softmax")["softmax"]``."""
    path = FIXTURE_DIR / f"{lesson}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"No reference outputs for lesson {lesson!r} at {path}. An instructor makes them with "
            "`python -m autograder build`; a student should reinstall the course package."
        )
    return fixture_from_json(path.read_text(encoding="utf-8"))
