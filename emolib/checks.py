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
import contextlib
import inspect
import itertools
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures"

# Bound at import: see the module docstring.
_asarray = np.asarray
_abs = np.abs
_amax = np.max
_isfinite = np.isfinite
_all = np.all
_any = np.any
_argmax = np.argmax
_argwhere = np.argwhere
_count_nonzero = np.count_nonzero
_maximum = np.maximum
_median = np.median
_transpose = np.transpose
_flip = np.flip
_unravel_index = np.unravel_index
_ndarray = np.ndarray
_generic = np.generic
_number_kinds = "biuf"

# `nbgrader validate` (and JupyterLab's Validate button) indents every line of a failure by 4 and cuts
# it at 87 characters; a message wrapped at this width reaches the student whole, its first line
# counted after "AssertionError: ".
MESSAGE_WIDTH = 80
_ERROR_PREFIX = "AssertionError: "

# Sizes of a case whose factor suggests a sum where a mean belongs.
_BATCH_NAMES = ("N", "n", "batch", "batch_size")
# How much of a permutation a message shows.
_SHOWN_ORDER = 8
# Permutations and reorderings are searched only for arrays this small (visible tests are small).
_MAX_SEARCH = 4096


def fail(message):
    """Raise AssertionError(message), wrapped so `nbgrader validate` shows every word of it."""
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    paragraphs = message.split("\n")
    lines = textwrap.wrap(_ERROR_PREFIX + paragraphs[0], MESSAGE_WIDTH, break_on_hyphens=False)
    lines[0] = lines[0][len(_ERROR_PREFIX):]
    for paragraph in paragraphs[1:]:
        lines += textwrap.wrap(paragraph, MESSAGE_WIDTH, break_on_hyphens=False) or [""]
    raise AssertionError("\n".join(lines)) from None


def _as_numbers(got, what):
    """The student's value as a float64 array, or an AssertionError saying what it was instead."""
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    if isinstance(got, (list, tuple)) or not isinstance(got, (_ndarray, _generic, int, float)):
        fail(f"{what} should be a NumPy array or a number, but it is a {type(got).__name__}.")
    array = _asarray(got)
    if array.dtype.kind not in _number_kinds:
        fail(f"{what} should hold numbers, but its dtype is {array.dtype}.")
    return array.astype(np.float64)


def assert_shape(got, expected_shape, what, case=None, dtype=None):
    """Fail unless ``got`` is an array (or number, for shape ()) of ``expected_shape`` (and ``dtype``, if given)."""
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    array = _as_numbers(got, what)
    if dtype is not None and _asarray(got).dtype != np.dtype(dtype):
        fail(f"{what} is {_asarray(got).dtype}, expected {np.dtype(dtype)}{_case_text(case)}: "
             f"{'float32 keeps about 7 digits, too few to check gradients; ' if np.dtype(dtype) == np.float64 else ''}"
             "check the dtype of the arrays you create (np.zeros, astype).")
    expected_shape = tuple(expected_shape)
    if array.shape != expected_shape:
        fail(f"{what} has shape {array.shape}, expected {expected_shape}{_case_text(case)}. "
             "Check which axis you reduce over (and keepdims) and that you return every value asked for.")
    return array


def _case_text(case):
    """', in the test case with N=2, stride=2' for case={"N": 2, "stride": 2} (or a string)."""
    if not case:
        return ""
    if isinstance(case, dict):
        case = ", ".join(f"{name}={value}" for name, value in case.items())
    return f" (test case: {case})"


def _index_text(index, axes, offset=None):
    """'[n=0, t=2]' with named axes, else '(0, 2)'; ``offset`` turns a block's index into the array's."""
    index = tuple(int(i) + int(o) for i, o in zip(index, offset or [0] * len(index)))
    if axes:
        return "[" + ", ".join(f"{name}={i}" for name, i in zip(axes, index)) + "]"
    return str(index)


def _number(value):
    return f"{float(value):.6g}"


class _Comparison:
    """A student's array against the reference: which entries are wrong, and why it may be so."""

    def __init__(self, got, want, wrong, close, case, axes, regions):
        self.got, self.want, self.wrong, self.close = got, want, wrong, close
        self.case = case if isinstance(case, dict) else {}
        self.axes = tuple(axes) if axes else tuple(f"axis {k}" for k in range(want.ndim))
        self.regions = regions or {}

    def pattern(self):
        """A sentence naming the error's shape, or None when it has none worth naming."""
        for detector in (self._zeros, self._sign, self._factor, self._offset, self._layout,
                         self._reordered, self._region, self._edges):
            found = detector()
            if found:
                return found
        return None

    # Each detector returns a phrase, or None. They look only at values, so they serve every lesson.
    def _zeros(self):
        got, want, wrong = self.got, self.want, self.wrong
        if not _any(got[wrong] == 0.0):
            return None
        if _all(got == 0.0):
            return "it is all zeros (nothing was written into it, or it was never accumulated)"
        if _all(got[wrong] == 0.0):
            return (f"it is 0 at {_count_nonzero(wrong)} of {got.size} entries where the reference is not "
                    "(a term or a position left out)")
        return None

    def _sign(self):
        got, want, wrong = self.got, self.want, self.wrong
        if not _all(self.close(got[wrong], -want[wrong])):
            return None
        if _count_nonzero(wrong) == _count_nonzero(want != 0.0):
            return "it is the reference with the sign flipped (a minus sign too many or missing)"
        return f"its sign is flipped at {_count_nonzero(wrong)} of {got.size} entries, the others are right"

    def _factor(self):
        got, want = self.got, self.want
        nonzero = want != 0.0
        if not _any(nonzero) or not _all(self.close(got[~nonzero], 0.0)):
            return None
        ratio = float(_median(got[nonzero] / want[nonzero]))
        if ratio == 0.0 or not _all(self.close(got, ratio * want)):
            return None
        # Any two numbers have a ratio: only a size of the test case names one for fewer than 3 values.
        named = self._name_factor(ratio, sizes_only=_count_nonzero(nonzero) < 3)
        if named is None and _count_nonzero(nonzero) < 3:
            return None
        return f"it is the reference times {named or _number(ratio)}"

    def _name_factor(self, ratio, sizes_only=False):
        """'4 (= N) (a sum where a mean belongs?)', '0.333333 (= 1/3)', '-1.5 (= -3/2)', or None."""
        for inverse in (False, True):
            value = 1.0 / ratio if inverse else ratio
            for name, size in self.case.items():
                if isinstance(size, (int, np.integer)) and size > 1 and abs(value - size) < 1e-6 * size:
                    if name not in _BATCH_NAMES:
                        return f"{_number(ratio)} (= 1/{name})" if inverse else f"{_number(ratio)} (= {name})"
                    if inverse:
                        return f"{_number(ratio)} (= 1/{name}) (divided by {name} once too often?)"
                    return f"{_number(ratio)} (= {name}) (a sum where a mean belongs?)"
        if sizes_only:
            return None
        for denominator in range(1, 9):
            numerator = round(ratio * denominator)
            if numerator and abs(ratio * denominator - numerator) < 1e-6 * abs(numerator):
                if abs(numerator) > 64:
                    return None
                shown = f"{numerator}/{denominator}" if denominator > 1 else f"{numerator}"
                return f"{_number(ratio)} (= {shown})" if denominator > 1 else shown
        return None

    def _offset(self):
        if self.want.size < 3:
            return None
        shift = float(_median(self.got - self.want))
        if shift == 0.0 or not _all(self.close(self.got, self.want + shift)):
            return None
        return f"it is off by the same {_number(shift)} everywhere (a constant added or left out)"

    def _layout(self):
        """The reference's values in another order: axes permuted, or permuted and reshaped."""
        got, want = self.got, self.want
        if want.ndim < 2 or want.size > _MAX_SEARCH:
            return None
        for order in itertools.permutations(range(want.ndim)):
            if order == tuple(range(want.ndim)):
                continue
            moved = _transpose(want, order)
            if moved.shape == want.shape and _all(self.close(got, moved)):
                return (f"it is the reference with its axes permuted to {order} (transposed: "
                        "check which axis is which)")
            if _all(self.close(got, moved.reshape(want.shape))):
                return (f"it holds the reference's values in another layout: the reference with axes "
                        f"{order} reshaped to {want.shape} (a reshape where a transpose is needed?)")
        return None

    def _reordered(self):
        """The reference's slices along one axis, in another order (reversed, or shuffled)."""
        got, want = self.got, self.want
        if want.size > _MAX_SEARCH:
            return None
        for axis in range(want.ndim):
            size = want.shape[axis]
            if size < 2:
                continue
            if _all(self.close(got, _flip(want, axis))):
                return f"it is the reference reversed along {self.axes[axis]}"
            got_slices = [got.take(i, axis) for i in range(size)]
            want_slices = [want.take(i, axis) for i in range(size)]
            order = []
            for piece in got_slices:
                matches = [j for j, candidate in enumerate(want_slices) if _all(self.close(piece, candidate))]
                if not matches:
                    break
                order.append(matches[0])
            else:
                if order != list(range(size)):
                    shown = ", ".join(str(i) for i in order[:_SHOWN_ORDER]) + (", ..." if size > _SHOWN_ORDER else "")
                    return (f"its slices along {self.axes[axis]} are the reference's in the order "
                            f"[{shown}] (rows mixed up)")
        return None

    def _region(self):
        for description, region in self.regions.items():
            region = np.broadcast_to(_asarray(region, dtype=bool), self.want.shape)
            if _any(region) and not _all(region) and _all(region[self.wrong]):
                return f"it is wrong only {description}"
        return None

    def _edges(self):
        """Wrong only at one end of an axis (t = 0, the last step) or only near its borders."""
        positions = _argwhere(self.wrong)
        for axis, size in enumerate(self.want.shape):
            if size < 2:
                continue
            along = positions[:, axis]
            name = self.axes[axis]
            if _all(along == 0):
                return f"it is wrong only at {name} = 0"
            if _all(along == size - 1):
                return f"it is wrong only at {name} = {size - 1} (the last)"
        for axes in _axis_sets(self.want.shape):
            depth = 0
            # a border at most a quarter of the axis deep each side: the inside is at least half of it
            while depth + 1 <= min(self.want.shape[a] for a in axes) / 4:
                depth += 1
                near = np.zeros(self.want.shape, dtype=bool)
                for axis in axes:
                    index = [slice(None)] * self.want.ndim
                    index[axis] = np.r_[0:depth, self.want.shape[axis] - depth:self.want.shape[axis]]
                    near[tuple(index)] = True
                if _all(near[self.wrong]):
                    names = " and ".join(self.axes[a] for a in axes)
                    return (f"it is wrong only within {depth} of the borders along {names} "
                            "(padding or the window's edge?)")
        return None


def _axis_sets(shape):
    """Single axes and pairs of axes of length 3 or more: where borders can be told from the inside."""
    long_axes = [axis for axis, size in enumerate(shape) if size >= 3]
    return [(axis,) for axis in long_axes] + list(itertools.combinations(long_axes, 2))


def _describe(got, want, wrong, close, error, *, case, axes, regions, dtype, offset):
    """Pattern (or None), and the sentence giving the first wrong value and the largest error."""
    comparison = _Comparison(got, want, wrong, close, case, axes, regions)
    pattern = comparison.pattern()
    if pattern is None and dtype is not None and dtype.itemsize < 8 and dtype.kind == "f":
        pattern = f"it is {dtype}, which keeps about 7 digits: compute in float64"
    if not want.ndim:
        return pattern, f"You give {_number(got)}, the reference is {_number(want)}."
    first = tuple(_argwhere(wrong)[0])
    worst = _unravel_index(_argmax(error), error.shape) if error.ndim else ()
    where = (f"{_count_nonzero(wrong)} of {want.size} values are wrong; the first at "
             f"{_index_text(first, axes, offset)}: you give {_number(got[first])}, the reference is "
             f"{_number(want[first])}")
    if worst != first:
        where += (f"; the largest error, {float(error[worst]):.3g}, at {_index_text(worst, axes, offset)}: "
                  f"you give {_number(got[worst])}, the reference is {_number(want[worst])}")
    return pattern, where + "."


def _blocks_of(shape, blocks):
    """[(name, index)] splitting the last axis into len(blocks) equal column blocks."""
    if not blocks or not shape or shape[-1] % len(blocks):
        return []
    width = shape[-1] // len(blocks)
    return [(name, (Ellipsis, slice(k * width, (k + 1) * width))) for k, name in enumerate(blocks)]


def _block_label(what, shape, name, index):
    """'dkernel[:, z-block 0:4] (N=2)' from 'dkernel (N=2)': the block right after the value's name."""
    columns = index[1]
    prefix = ":, " * (len(shape) - 1)
    name_part, space, rest = what.partition(" ")
    return f"{name_part}[{prefix}{name}-block {columns.start}:{columns.stop}]{space}{rest}"


def _swapped_blocks(got, want, parts, wrong_blocks, close):
    """'its r block holds the reference's h block, and its h block the r block's' or None."""
    found = []
    for name, index in wrong_blocks:
        for other, other_index in parts:
            if other != name and _all(close(got[index], want[other_index])):
                found.append(f"its {name} block holds the reference's {other} block")
                break
        else:
            return None
    return " and ".join(found) + " (the gates' column blocks are in the wrong order)"


def _report(got, want, wrong, close, error, what, verdict, *, case, axes, regions, blocks, dtype, advice=""):
    """Fail with the message: where (block), what kind of error, which case, first and largest error."""
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    label, offset = what, None
    if blocks:
        parts = _blocks_of(want.shape, blocks)
        wrong_blocks = [(name, index) for name, index in parts if _any(wrong[index])]
        swapped = _swapped_blocks(got, want, parts, wrong_blocks, close) if parts else None
        if swapped:
            fail(f"{what} {verdict}: {swapped}.{_case_text(case)}")
        if parts and len(wrong_blocks) < len(parts):
            name, index = wrong_blocks[0]
            label = _block_label(what, want.shape, name, index)
            right = [n for n, i in parts if not _any(wrong[i])]
            advice = (f"Wrong blocks: {', '.join(n for n, _ in wrong_blocks)}; right: {', '.join(right)}. "
                      + advice)
            offset = [0] * (want.ndim - 1) + [index[1].start]
            regions = {description: np.broadcast_to(_asarray(region, dtype=bool), want.shape)[index]
                       for description, region in (regions or {}).items()}
            got, want, wrong, error = got[index], want[index], wrong[index], error[index]
    pattern, where = _describe(got, want, wrong, close, error, case=case, axes=axes, regions=regions, dtype=dtype,
                               offset=offset)
    headline = f"{label} {verdict}: {pattern}." if pattern else f"{label} {verdict}."
    case_sentence = f"Test case: {_case_text(case)[len(' (test case: '):-1]}." if case else ""
    fail(" ".join(part for part in (headline, case_sentence, where, advice) if part))


def assert_close(got, want, what, rtol=1e-6, atol=1e-9, common_bugs=None, *, case=None, axes=None,
                 regions=None, blocks=None, dtype=None):
    """Fail unless ``got`` matches ``want`` in shape and, elementwise, within atol + rtol * |want|.

    The message names, in this order: a bug of ``common_bugs`` that ``got`` matches; else the wrong
    block; a pattern in the error (zeros, a flipped sign, a factor, a constant offset, a transposed or
    reordered result, an error only in a region, at one end of an axis or near the borders); the test
    case; the first wrong value and the largest error.

    Args:
        got: the student's result.
        want: the reference value (array or number).
        what: how to name the value in a message, e.g. "softmax(x)".
        common_bugs: optional {description: value a known bug would give}; when ``got`` matches one of
            those values, the message names that bug.
        case: the test case, a string or {name: value} such as {"N": 2, "stride": 2}; integer values
            also name factors ("the reference times 2 (= N)").
        axes: names of ``want``'s axes, e.g. ("n", "t", "h"), to say "wrong only at t = 0".
        regions: {description: boolean array broadcastable to ``want``}, e.g.
            {"at the masked steps": ~mask[:, :, None]}; named when every wrong value lies inside one.
        blocks: names of equal column blocks of the last axis, e.g. ("z", "r", "h") for a GRU kernel;
            the message names the wrong blocks before anything else.
        dtype: the dtype ``got`` must have, e.g. np.float64 where float32 would pass the values but
            spoil a later gradient check.
    """
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    want = _asarray(want, dtype=np.float64)
    array = assert_shape(got, want.shape, what, case, dtype)
    dtype = getattr(got, "dtype", None)
    if not _all(_isfinite(array)):
        fail(f"{what} contains NaN or inf{_case_text(case)}. Large inputs overflow np.exp: shift by the "
             "maximum first, and never take log(0).")
    error = _abs(array - want)
    wrong = error > atol + rtol * _abs(want)
    if not _any(wrong):
        return
    for description, bug_value in (common_bugs or {}).items():
        bug_value = _asarray(bug_value, dtype=np.float64)
        if bug_value.shape == array.shape and _all(_abs(array - bug_value) <= atol + rtol * _abs(bug_value)):
            fail(f"{what} is wrong: it matches what this common bug gives: {description}.{_case_text(case)}")

    def close(a, b):
        return _abs(a - b) <= atol + rtol * _abs(b)

    _report(array, want, wrong, close, error, what, "is wrong", case=case, axes=axes, regions=regions,
            blocks=blocks, dtype=dtype)


def gradient_errors(analytic, numeric):
    """Elementwise relative error of an analytic gradient, beyond the numerical gradient's own error.

    ``|a - n| / max(1e-8, |a| + |n|)`` as in ``emolib.gradcheck.rel_error``, after taking off the
    ``uncertainty`` that ``emolib.gradcheck.numerical_gradient`` measures (the rounding and truncation
    error of centred differences, estimated from two step sizes): so a correct gradient computed in
    another, equally exact order passes, and a wrong one still fails by orders of magnitude.
    """
    uncertainty = getattr(numeric, "uncertainty", None)
    numeric = _asarray(numeric, dtype=np.float64)
    difference = _abs(analytic - numeric)
    if uncertainty is not None:
        difference = _maximum(0.0, difference - uncertainty)
    return difference / _maximum(1e-8, _abs(analytic) + _abs(numeric))


def assert_gradient(analytic, numeric, what, tol=1e-7, *, averaged=False, case=None, axes=None, blocks=None):
    """Fail unless an analytic gradient agrees with a numerical one: relative error below ``tol``.

    Args:
        analytic, numeric: the gradients; ``numeric`` from ``emolib.gradcheck.numerical_gradient`` or
            ``numerical_gradient_array`` carries its own error estimate, which is allowed for.
        averaged: True when the checked loss averages over a batch; only then does the message suggest
            dividing by the batch size.
        case, axes, blocks: as for ``assert_close``.
    """
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    dtype = getattr(analytic, "dtype", None)
    errors_against = numeric
    numeric = _asarray(numeric, dtype=np.float64)
    array = assert_shape(analytic, numeric.shape, what, case)
    if not _all(_isfinite(array)):
        fail(f"{what} contains NaN or inf{_case_text(case)}.")
    errors = gradient_errors(array, errors_against)
    wrong = errors >= tol
    if not _any(wrong):
        return

    def close(a, b):
        return _abs(a - b) <= tol * _maximum(1e-8, _abs(a) + _abs(b))

    advice = "Re-derive it with the chain rule, one factor at a time."
    if averaged:
        advice += " The loss averages over the batch: divide its gradient by N too."
    _report(array, numeric, wrong, close, _abs(array - numeric), what,
            f"disagrees with the numerical gradient (relative error {float(_amax(errors)):.2e}, must be below "
            f"{tol:.0e})", case=case, axes=axes, regions=None, blocks=blocks, dtype=dtype, advice=advice)


# Set by the course's grader in the kernel that runs the tests when the student's functions run in a
# kernel of their own (autograder/bridge.py): an object whose replace(values) binds the names there too,
# and whose restore() puts back what they were. None in a notebook, where both are the same kernel.
student_notebook = None


@contextlib.contextmanager
def replaced(namespace, **values):
    """Within the ``with`` block, bind the notebook's names to ``values``; put the originals back after.

    A test watches what a student's function calls (the loss a training loop computes per batch) by
    replacing the function it calls with a wrapper that records each call. ``namespace`` is the
    notebook's ``globals()``; every name must be bound there already."""
    originals = {name: namespace[name] for name in values}
    namespace.update(values)
    if student_notebook is not None:
        student_notebook.replace(values)
    try:
        yield
    finally:
        namespace.update(originals)
        if student_notebook is not None:
            student_notebook.restore()


def assert_true(condition, message):
    """Fail with ``message`` unless ``condition`` is exactly the boolean True (not a truthy object)."""
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    if condition is not True and condition is not np.True_:
        fail(message)


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
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
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
        fail(f"{message} (it uses {', '.join(sorted(used & set(names)))})")


def assert_at_least(value, minimum, what, hint=""):
    """Fail unless the number ``value`` is at least ``minimum`` (an accuracy, say); ``hint`` says what to check."""
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    number = float(_as_numbers(value, what))
    if not number >= minimum:
        fail(f"{what} is {number:.4g}, it should be at least {minimum:g}. {hint}".rstrip())


def assert_model(model, layer_counts, output_shape, parameters=None, what="your model"):
    """Fail unless a Keras model has the layers, output shape and parameter count asked for.

    Args:
        model: a built Keras model (one made with ``keras.Input``, so its shapes are known).
        layer_counts: {layer class name: how many times it occurs among ``model.layers``}, e.g.
            ``{"Embedding": 1, "Conv1D": 3, "Dense": 1}``; layers not named here are not counted.
        output_shape: the model's output shape, batch axis as None, e.g. ``(None, 1)``.
        parameters: the total number of parameters, when the exercise fixes it.
    """
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        fail(f"{what} should be a Keras model, but it is a {type(model).__name__}.")
    names = [type(layer).__name__ for layer in model.layers]
    for name, count in layer_counts.items():
        if names.count(name) != count:
            fail(f"{what} should have {count} {name} layer(s), it has {names.count(name)}. "
                                 f"Its layers are: {', '.join(names)}.")
    try:
        got_shape = tuple(model.output_shape)
    except (AttributeError, ValueError) as error:
        fail(f"{what} has no output shape yet ({error}). Start it with keras.Input(shape=...) "
                             "so Keras builds it.")
    if got_shape != tuple(output_shape):
        fail(f"{what} gives outputs of shape {got_shape}, expected {tuple(output_shape)}. "
                             "Check the last layer's units and whether you pooled over time.")
    if parameters is not None and model.count_params() != parameters:
        fail(f"{what} has {model.count_params():,} parameters, expected {parameters:,}. "
                             "Check the layer sizes the exercise asks for (model.summary() lists them).")


def assert_epochs(batches, examples, batch_size, epochs, train_loss, what="the training loop"):
    """Fail unless a training loop's batches, watched from outside, make the epochs asked for.

    Each epoch must feed every example exactly once, in batches of ``batch_size`` (the last one
    smaller), in a new order each epoch, and record the mean of its batch losses in ``train_loss``.

    Args:
        batches: [(indices of the examples in the batch, the batch's loss)] in the order they came.
        examples, batch_size, epochs: what the loop was asked for.
        train_loss: the loop's history["train_loss"].
    """
    __tracebackhide__ = True  # the student's traceback ends at the test line, not in here
    sizes = [len(rows) for rows, _ in batches]
    expected = [min(batch_size, examples - start) for start in range(0, examples, batch_size)]
    if sizes != expected * epochs:
        fail(f"{what}, for {epochs} epochs of {examples} examples in batches of {batch_size}, should compute "
             f"the loss of batches of {expected} each epoch; it computed batches of {sizes}.")
    per_epoch = len(expected)
    epoch_rows = [[int(i) for rows, _ in batches[e * per_epoch:(e + 1) * per_epoch] for i in rows]
                  for e in range(epochs)]
    for epoch, rows in enumerate(epoch_rows):
        if sorted(rows) != list(range(examples)):
            fail(f"{what}: epoch {epoch} does not feed every training example exactly once (it feeds "
                 f"{len(set(rows))} different ones of {examples}). Index the examples and labels with one "
                 "permutation of all of them.")
    if epochs > 1 and all(rows == epoch_rows[0] for rows in epoch_rows[1:]):
        fail(f"{what} feeds the examples in the same order every epoch: draw a new permutation at each epoch.")
    assert_close(_asarray(train_loss, dtype=np.float64),
                 [float(np.mean([loss for _, loss in batches[e * per_epoch:(e + 1) * per_epoch]])) for e in range(epochs)],
                 'history["train_loss"], each epoch\'s mean batch loss', axes=("epoch",))


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
