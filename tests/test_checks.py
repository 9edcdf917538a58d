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


def test_a_wrong_value_names_the_first_wrong_index_and_the_largest_error():
    with pytest.raises(AssertionError) as failure:
        checks.assert_close(np.array([1.0, 2.5, 3.0, 9.0]), np.array([1.0, 2.0, 3.0, 4.0]), "out")
    message = " ".join(str(failure.value).split())
    assert "2 of 4 values are wrong; the first at (1,): you give 2.5, the reference is 2" in message
    assert "the largest error, 5, at (3,): you give 9, the reference is 4" in message


def message_of(got, want, **options):
    with pytest.raises(AssertionError) as failure:
        checks.assert_close(got, want, "out", **options)
    return " ".join(str(failure.value).split())


REFERENCE = np.random.default_rng(0).normal(size=(3, 4, 5))
SQUARE = np.random.default_rng(1).normal(size=(4, 4))


def planted(edit):
    changed = REFERENCE.copy()
    edit(changed)
    return changed


# Each generic pattern, planted in a reference, and the words that must name it.
PATTERNS = {
    "sign": (-REFERENCE, "the reference with the sign flipped"),
    "factor of the batch size": (REFERENCE * 3, "the reference times 3 (= N) (a sum where a mean belongs?)"),
    "factor 1/N": (REFERENCE / 3, "(= 1/N) (divided by N once too often?)"),
    "factor of another size": (REFERENCE * 2, "the reference times 2 (= stride)."),
    "factor 4": (REFERENCE * 4, "the reference times 4."),
    "clean ratio": (REFERENCE * 1.5, "the reference times 1.5 (= 3/2)"),
    "offset": (REFERENCE + 0.25, "off by the same 0.25 everywhere"),
    "all zeros": (np.zeros_like(REFERENCE), "it is all zeros"),
    "zeros at some places": (planted(lambda a: a.__setitem__((slice(None), 1), 0.0)),
                             "it is 0 at 15 of 60 entries where the reference is not"),
    "reversed axis": (REFERENCE[:, ::-1], "the reference reversed along t"),
    "rows permuted": (REFERENCE[:, [1, 0, 3, 2]], "its slices along t are the reference's in the order [1, 0, 3, 2]"),
    "layout": (REFERENCE.transpose(0, 2, 1).reshape(REFERENCE.shape),
               "the reference with axes (0, 2, 1) reshaped to (3, 4, 5) (a reshape where a transpose is needed?)"),
    "first step": (planted(lambda a: a.__setitem__((slice(None), 0), a[:, 0] * 1.1 + 0.1)), "wrong only at t = 0"),
    "last step": (planted(lambda a: a.__setitem__((slice(None), 3), a[:, 3] * 1.1 + 0.1)),
                  "wrong only at t = 3 (the last)"),
    "borders": (planted(lambda a: a.__setitem__((slice(None), slice(None), [0, 4]), 7.0)),
                "wrong only within 1 of the borders along h"),
}


@pytest.mark.parametrize("name", PATTERNS)
def test_a_pattern_in_the_error_is_named_first(name):
    got, words = PATTERNS[name]
    message = message_of(got, REFERENCE, case={"N": 3, "stride": 2}, axes=("n", "t", "h"))
    assert words in message
    assert message.index(words) < 90 - len("AssertionError: ")  # kept by nbgrader validate's cut
    assert message.startswith("out is wrong: ")
    assert "Test case: N=3, stride=2." in message


def test_a_transposed_result_is_named():
    message = message_of(SQUARE.T, SQUARE)
    assert "the reference with its axes permuted to (1, 0) (transposed" in message


def test_an_error_only_in_a_named_region_is_named():
    mask = np.array([[True, True, False, False], [True, True, True, False], [True, True, True, True]])
    got = REFERENCE.copy()
    got[~mask] += np.random.default_rng(3).normal(size=(np.count_nonzero(~mask), 5))
    message = message_of(got, REFERENCE, regions={"at the masked steps": ~mask[:, :, None]})
    assert "out is wrong: it is wrong only at the masked steps." in message


@pytest.mark.parametrize("seed", range(20))
def test_no_pattern_is_claimed_for_a_random_error(seed):
    rng = np.random.default_rng(100 + seed)  # not the seeds that made REFERENCE and SQUARE
    got = REFERENCE + rng.normal(size=REFERENCE.shape) * rng.uniform(0.01, 2)
    message = message_of(got, REFERENCE, case={"N": 3}, axes=("n", "t", "h"))
    assert message.startswith("out is wrong. Test case: N=3. 60 of 60 values are wrong; the first at [n=0, t=0, h=0]")
    square = SQUARE + rng.normal(size=SQUARE.shape)
    assert message_of(square, SQUARE).startswith("out is wrong. 16 of 16 values are wrong")


def test_a_wrong_scalar_names_no_ratio_but_both_values():
    assert message_of(3.60805, 2.48181) == "out is wrong. You give 3.60805, the reference is 2.48181."


def test_a_named_common_bug_comes_before_any_pattern():
    message = message_of(REFERENCE * 3, REFERENCE, common_bugs={"the gradient is not divided by N": REFERENCE * 3})
    assert message == "out is wrong: it matches what this common bug gives: the gradient is not divided by N."


def test_the_wrong_block_is_named_before_the_rest():
    kernel = np.random.default_rng(4).normal(size=(3, 12))
    got = kernel.copy()
    got[:, 4:8] *= -1
    with pytest.raises(AssertionError) as failure:
        checks.assert_close(got, kernel, "dkernel", blocks=("z", "r", "h"))
    message = " ".join(str(failure.value).split())
    assert message.startswith("dkernel[:, r-block 4:8] is wrong: it is the reference with the sign flipped")
    assert "the first at (0, 4)" in message
    assert "Wrong blocks: r; right: z, h." in message


def test_blocks_in_the_wrong_order_are_named():
    bias = np.random.default_rng(7).normal(size=(2, 9))
    got = np.concatenate([bias[:, :3], bias[:, 6:], bias[:, 3:6]], axis=1)
    with pytest.raises(AssertionError) as failure:
        checks.assert_close(got, bias, "dbias", blocks=("z", "r", "h"))
    assert " ".join(str(failure.value).split()) == (
        "dbias is wrong: its r block holds the reference's h block and its h block holds the reference's r block "
        "(the gates' column blocks are in the wrong order).")


def test_float32_is_named_when_it_explains_the_error():
    got = (REFERENCE * (1 + 1e-6 * np.random.default_rng(5).normal(size=REFERENCE.shape))).astype(np.float32)
    assert "it is float32, which keeps about 7 digits: compute in float64" in message_of(got, REFERENCE)


def test_a_dtype_asked_for_is_checked():
    checks.assert_close(REFERENCE, REFERENCE, "out", dtype=np.float64)
    checks.assert_close(REFERENCE.astype(np.float32), REFERENCE, "out", rtol=1e-6)  # close enough without dtype=
    with pytest.raises(AssertionError, match="out is float32, expected float64: float32 keeps about 7 digits"):
        checks.assert_close(REFERENCE.astype(np.float32), REFERENCE, "out", dtype=np.float64)


def test_every_line_of_a_message_survives_nbgrader_validates_cut():
    got = REFERENCE.copy()
    got[1, 2, 3] = 100.0
    with pytest.raises(AssertionError) as failure:
        checks.assert_close(got, REFERENCE, "a value with a rather long name in a long test", case="N=3, T=4, H=5")
    lines = ("AssertionError: " + str(failure.value)).split("\n")
    assert len(lines) > 1
    assert all(len(line) <= checks.MESSAGE_WIDTH for line in lines)


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


def test_the_batch_average_is_mentioned_only_for_an_averaged_loss():
    with pytest.raises(AssertionError) as failure:
        checks.assert_gradient(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0]), "dx")
    assert "batch" not in str(failure.value)
    with pytest.raises(AssertionError) as failure:
        checks.assert_gradient(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.5, 3.0]), "dx", averaged=True)
    assert "The loss averages over the batch: divide its gradient by N too." in " ".join(str(failure.value).split())


def test_a_gradient_check_names_the_wrong_block_and_the_pattern():
    rng = np.random.default_rng(6)
    numeric = rng.normal(size=(2, 9))
    analytic = numeric.copy()
    analytic[:, 3:6] *= 2
    with pytest.raises(AssertionError) as failure:
        checks.assert_gradient(analytic, numeric, "dkernel", blocks=("z", "r", "h"))
    message = " ".join(str(failure.value).split())
    assert message.startswith("dkernel[:, r-block 3:6] disagrees with the numerical gradient (relative error")
    assert "it is the reference times 2." in message


def log_sum_exp_loss(logits, shifted_first):
    """The mean cross-entropy of label 0, written in two exact orders; shifted first is the reference's."""
    top = np.max(logits, axis=1, keepdims=True)
    if shifted_first:
        return float(np.mean(np.log(np.sum(np.exp(logits - top), axis=1)) - (logits - top)[:, 0]))
    return float(np.mean(top[:, 0] + np.log(np.sum(np.exp(logits - top), axis=1)) - logits[:, 0]))


def test_a_correct_gradient_is_not_failed_for_the_numerical_gradients_own_rounding():
    from emolib.gradcheck import numerical_gradient, rel_error

    logits = np.random.default_rng(1).normal(size=(4, 6)) * 3 + 40  # large logits: f rounds coarsely
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    analytic = (probs - np.eye(6)[0]) / 4
    for shifted_first in (True, False):
        numeric = numerical_gradient(lambda z: log_sum_exp_loss(z, shifted_first), logits.copy())
        checks.assert_gradient(analytic, numeric, "dlogits", averaged=True)
        # the plain relative error, blind to the numerical gradient's error, would fail it
        assert rel_error(analytic, numeric) > 1e-7 or shifted_first
        wrong = analytic.copy()
        wrong[0, 1] *= 1.001
        with pytest.raises(AssertionError, match="dlogits disagrees with the numerical gradient"):
            checks.assert_gradient(wrong, numeric, "dlogits")


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


def test_replaced_binds_names_for_the_block_and_puts_them_back_even_after_an_error():
    def loss():
        return "the student's"

    namespace = {"loss": loss}

    def training_loop():
        return namespace["loss"]()

    with checks.replaced(namespace, loss=lambda: "the watcher's"):
        assert training_loop() == "the watcher's"
    assert namespace["loss"] is loss
    with pytest.raises(ZeroDivisionError):
        with checks.replaced(namespace, loss=lambda: 1 / 0):
            training_loop()
    assert namespace["loss"] is loss
