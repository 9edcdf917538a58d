"""emolib.checks: messages that point at the bug, and verdicts a student's code cannot talk round."""
import numpy as np
import pytest

from emolib import checks


def test_shape_is_checked_first():
    with pytest.raises(AssertionError, match=r"has shape \(4,\), expected \(4, 5\)"):
        checks.assert_close(np.zeros(4), np.zeros((4, 5)), "softmax(x)")


def test_a_value_that_matches_a_known_bug_is_named():
    want = np.array([0.1, -0.2, 0.3])
    with pytest.raises(AssertionError, match="not divided by N"):
        checks.assert_close(want * 3, want, "dz", common_bugs={"the gradient is not divided by N": want * 3})


def test_a_wrong_value_names_the_index_and_both_values():
    with pytest.raises(AssertionError, match=r"at index \(1,\) you give 2.5, the reference is 2.0"):
        checks.assert_close(np.array([1.0, 2.5]), np.array([1.0, 2.0]), "out")


def test_nan_gets_its_own_message():
    with pytest.raises(AssertionError, match="NaN or inf"):
        checks.assert_close(np.array([np.nan]), np.array([0.5]), "sigmoid(z)")


def test_close_values_pass():
    checks.assert_close(np.array([1.0, 2.0]) * (1 + 1e-9), np.array([1.0, 2.0]), "out")
    checks.assert_close(0.25, np.float64(0.25), "loss")


@pytest.mark.parametrize("impostor", [
    [0.5, 0.5],                                     # a list is not an array
    "0.5",
    type("AlwaysEqual", (), {"__eq__": lambda self, other: True})(),
    np.array(["a", "b"]),
])
def test_non_numeric_answers_are_rejected(impostor):
    with pytest.raises(AssertionError):
        checks.assert_close(impostor, np.array([0.5, 0.5]), "probs")


def test_reassigned_numpy_functions_do_not_change_the_verdict(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)
    monkeypatch.setattr(np, "abs", lambda value: value * 0)
    monkeypatch.setattr(np, "any", lambda value: False)
    with pytest.raises(AssertionError):
        checks.assert_close(np.array([9.0]), np.array([1.0]), "out")


def test_gradient_check_uses_the_relative_error():
    checks.assert_gradient(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), "dx")
    with pytest.raises(AssertionError, match="relative error"):
        checks.assert_gradient(np.array([1.0, 2.0]), np.array([1.0, 2.1]), "dx")


def test_assert_true_wants_a_real_true():
    checks.assert_true(np.float64(2.0) > 1, "fine")
    with pytest.raises(AssertionError, match="nope"):
        checks.assert_true(np.array([True, True]), "nope")


def test_fixtures_round_trip_exactly(tmp_path):
    cases = {"case": checks.Case(inputs={"x": np.arange(6.0).reshape(2, 3) / 7, "n": np.int64(3)},
                                 outputs={"y": np.float64(1 / 3)})}
    loaded = checks.fixture_from_json(checks.fixture_to_json(cases))
    assert np.array_equal(loaded["case"].inputs["x"], cases["case"].inputs["x"])
    assert loaded["case"].inputs["n"].dtype == np.int64
    assert loaded["case"].outputs["y"] == 1 / 3


def test_missing_fixture_says_how_to_make_it():
    with pytest.raises(FileNotFoundError, match="python -m autograder build"):
        checks.load_fixture("99_missing")


def small_keras_model():
    import keras

    return keras.Sequential([keras.Input((10,)), keras.layers.Embedding(100, 8),
                             keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])


def test_assert_model_passes_the_model_asked_for():
    checks.assert_model(small_keras_model(), {"Embedding": 1, "Dense": 1}, (None, 1), parameters=100 * 8 + 9)


@pytest.mark.parametrize("wrong, message", [
    ({"layer_counts": {"Conv1D": 1}, "output_shape": (None, 1)}, "should have 1 Conv1D layer"),
    ({"layer_counts": {}, "output_shape": (None, 2)}, r"outputs of shape \(None, 1\), expected \(None, 2\)"),
    ({"layer_counts": {}, "output_shape": (None, 1), "parameters": 5}, "has 809 parameters, expected 5"),
])
def test_assert_model_names_what_differs(wrong, message):
    with pytest.raises(AssertionError, match=message):
        checks.assert_model(small_keras_model(), **wrong)


def test_assert_model_refuses_what_is_not_a_model():
    with pytest.raises(AssertionError, match="should be a Keras model"):
        checks.assert_model("Sequential", {}, (None, 1))


def test_assert_at_least():
    checks.assert_at_least(0.91, 0.9, "accuracy")
    with pytest.raises(AssertionError, match="accuracy is 0.5, it should be at least 0.8. Train longer."):
        checks.assert_at_least(0.5, 0.8, "accuracy", "Train longer.")
