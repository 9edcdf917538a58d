"""What crosses between the judge kernel and the student's kernel (autograder/bridge.py), without kernels:
one side encodes, the text goes through JSON as it does on the wire, the other side decodes."""
import json
from collections import namedtuple

import numpy as np
import pytest

from autograder.bridge import GradingError, Remote, Side, write_back


def judge_side():
    return Side("judge")


def student_side(**namespace):
    return Side("student", namespace=namespace, hands_out_objects=True)


def across(value, sender=None, receiver=None):
    """``value`` as the other side gets it."""
    sender = sender or judge_side()
    receiver = receiver if receiver is not None else student_side()
    return receiver.decode(json.loads(json.dumps(sender.encode(value))))


class Subclassed(list):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, "héllo", b"\x00\xff", (1, "a"), [1, [2, 3]], {"a": 1, 2: (3,)},
    {1, 2, "x"}, frozenset({"的", "了"}), np.str_("word"),
], ids=repr)
def test_plain_values_cross_as_themselves_with_their_type(value):
    received = across(value)
    assert received == value and type(received) is type(value)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "int64", "uint8", "float16", "float32", "float64"])
def test_arrays_and_scalars_cross_with_dtype_shape_and_bytes(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    received = across(array)
    assert received.dtype == array.dtype and received.shape == (2, 3, 4) and np.array_equal(received, array)
    assert type(across(array[1, 2, 3])) is type(array[1, 2, 3])
    view = across(np.asfortranarray(array)[:, ::2])  # not C order: crosses as the values it holds
    assert np.array_equal(view, array[:, ::2])


def test_arrays_of_texts_cross_as_texts():
    vocabulary = np.array([["", "[UNK]", "的"], ["good", "not good", "bad"]])
    received = across(vocabulary, sender=student_side(), receiver=judge_side())
    assert received.dtype.kind == "U" and received.shape == (2, 3) and np.array_equal(received, vocabulary)


def test_what_the_student_sends_is_rebuilt_as_plain_types_never_its_own():
    Point = namedtuple("Point", "x y")
    received = across([Subclassed([1]), Point(1, 2)], sender=student_side(), receiver=judge_side())
    assert type(received[0]) is list and not received[0] == [2]  # the always-equal subclass does not survive
    assert type(received[1]) is tuple and received[1] == (1, 2)


def test_a_random_generator_crosses_with_its_state():
    generator = np.random.default_rng(7)
    generator.random(5)
    received = across(generator)
    assert np.array_equal(received.random(10), generator.random(10))


def test_an_instance_of_a_lesson_class_is_rebuilt_with_the_students_class_of_that_name():
    class Batches:  # as a locked cell of the lesson defines it, in the judge's notebook
        def __init__(self, rows):
            self.rows, self.rng = rows, np.random.default_rng(0)

    class StudentBatches:
        def __len__(self):
            return len(self.rows)

    Batches.__module__ = StudentBatches.__module__ = "__main__"
    received = across(Batches(np.arange(5)), receiver=student_side(Batches=StudentBatches))
    assert type(received) is StudentBatches and len(received) == 5 and np.array_equal(received.rows, np.arange(5))
    with pytest.raises(GradingError, match="your notebook does not define that class"):
        across(Batches(np.arange(5)), receiver=student_side())


def test_the_students_objects_stay_in_its_kernel_and_the_judge_rebuilds_none_of_them():
    class Model:
        pass

    Model.__module__ = "__main__"
    received = across(Model(), sender=student_side(), receiver=judge_side())
    assert isinstance(received, Remote)
    forged = {"t": "instance", "class": "Remote", "state": {"t": "dict", "items": []}}
    with pytest.raises(GradingError, match="not a value"):
        judge_side().decode(forged)


@pytest.mark.parametrize("message, expected", [
    ({"t": "array", "dtype": "float64", "shape": [2], "data": "AAAA"}, "with 3 bytes"),
    ({"t": "array", "dtype": "object", "shape": [1], "data": ""}, "cannot be graded"),
    ({"t": "array", "dtype": "int8", "shape": [-1], "data": ""}, "invalid shape"),
    ({"t": "scalar", "dtype": "int8", "shape": [1], "data": "AA=="}, "a scalar with a shape"),
    ({"t": "strings", "shape": [3], "items": ["a", "b"]}, "with 2 texts"),
    ({"t": "strings", "shape": [1], "items": [1]}, "not a text"),
    ({"t": "set", "items": [{"t": "list", "items": []}]}, "unhashable"),
    ({"t": "rng", "state": {"t": "dict", "items": [["bit_generator", "os.system"]]}}, "not one of NumPy's"),
    ({"t": "pickle", "data": ""}, "not a value"),
])
def test_a_malformed_value_is_refused_with_what_is_wrong(message, expected):
    with pytest.raises(GradingError, match=expected):
        judge_side().decode(message)


def test_in_place_changes_to_arguments_are_copied_back():
    x, history, settings = np.zeros(3), [1], {"a": 1}
    write_back([x, history, settings], [np.array([1.0, 2.0, 3.0]), [1, 2], {"b": 2}])
    assert np.array_equal(x, [1, 2, 3]) and history == [1, 2] and settings == {"b": 2}


@pytest.fixture(scope="module")
def keras():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    return keras


def test_a_keras_model_crosses_with_its_weights_and_compile_settings_and_comes_back_trained(keras):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    received = across(model)
    assert np.allclose(received.predict(x, verbose=0), model.predict(x, verbose=0))
    assert received.optimizer.learning_rate.numpy() == pytest.approx(0.05) and received.loss == "mse"
    received.fit(x, x.sum(axis=1), epochs=2, verbose=0)  # the student's training loop
    write_back([model], [across(received, sender=student_side(), receiver=judge_side())])
    assert np.allclose(model.predict(x, verbose=0), received.predict(x, verbose=0))


def test_a_keras_model_with_code_of_the_students_is_refused(keras):
    def squared_error(y, p):
        return (y - p) ** 2

    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2)])
    with pytest.raises(GradingError, match="only Keras' own layers"):
        across(model, sender=student_side(), receiver=judge_side())
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss=squared_error)
    with pytest.raises(GradingError, match="only Keras' own layers"):
        across(model, sender=student_side(), receiver=judge_side())
