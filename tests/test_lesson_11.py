"""Lesson 11: its solution's attention, multi-head attention and layer normalization against independent
computations (loops, Keras) on random shapes and masks; the encoder's behaviour under padding; and (with the
real data) that the notebook prints in fast mode what its text says."""
import re

import numpy as np
import pytest

from autograder import course
from autograder.build import notebook_from_source
from autograder.fixtures import exercise_namespace
from emolib import checks
from emolib.gradcheck import numerical_gradient
from realdata import lesson_text, needs_real_goemotions

LESSON = "11_attention"


@pytest.fixture(scope="module")
def solution():
    return exercise_namespace(notebook_from_source(course.source_script(LESSON)))


def attention_one_query_at_a_time(q, k, v, mask):
    out, weights = np.zeros(q.shape[:2] + v.shape[2:]), np.zeros(q.shape[:2] + k.shape[1:2])
    for n in range(q.shape[0]):
        real = np.flatnonzero(mask[n])
        for i in range(q.shape[1]):
            if len(real):
                scores = np.array([q[n, i] @ k[n, j] for j in real]) / np.sqrt(q.shape[2])
                shares = np.exp(scores - scores.max())
                weights[n, i, real] = shares / shares.sum()
                out[n, i] = sum(weights[n, i, j] * v[n, j] for j in real)
    return out, weights


@pytest.mark.parametrize("seed", range(4))
def test_attention_agrees_with_loops_and_its_gradients_with_differences(solution, seed):
    rng = np.random.default_rng(seed)
    n, tq, tk, d, dv = (int(size) for size in rng.integers(1, 5, size=5))
    q, k, v = rng.normal(size=(n, tq, d)), rng.normal(size=(n, tk, d)), rng.normal(size=(n, tk, dv))
    mask = rng.random((n, tk)) < 0.6
    mask[0] = False  # a sequence of padding only: its queries attend to nothing
    out, cache = solution.attention_forward(q, k, v, mask)
    want_out, want_weights = attention_one_query_at_a_time(q, k, v, mask)
    np.testing.assert_allclose(cache["weights"], want_weights, atol=1e-12)
    np.testing.assert_allclose(out, want_out, atol=1e-12)
    assert not out[0].any()
    dout = rng.normal(size=out.shape)
    grads = solution.attention_backward(dout, cache)
    for index, name in enumerate(("q", "k", "v")):
        arguments = {"q": q, "k": k, "v": v}

        def loss(nudged):
            return np.sum(solution.attention_forward(**{**arguments, name: nudged}, mask=mask)[0] * dout)

        checks.assert_gradient(grads[index], numerical_gradient(loss, arguments[name].copy()), f"d{name}")


def test_mha_loads_into_keras_and_its_gradients_are_numerical(solution):
    rng = np.random.default_rng(7)
    n, tq, tk, features, heads, head_size = 3, 2, 4, 5, 2, 3
    params = solution.random_mha_params(rng, features, heads, head_size)
    query, value = rng.normal(size=(n, tq, features)), rng.normal(size=(n, tk, features))
    mask = np.array([[True] * tk, [True, False, True, False], [True] * (tk - 1) + [False]])
    out, cache = solution.mha_forward(query, value, params, mask)
    keras_out, keras_scores = solution.keras_mha(params, query, value, mask)
    np.testing.assert_allclose(out, keras_out, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(cache["weights"], keras_scores, rtol=1e-6, atol=1e-6)
    dout = rng.normal(size=out.shape)
    dquery, dvalue, dparams = solution.mha_backward(dout, cache)
    # A bias added to every key adds the same q . b to a query's every score, which the softmax ignores.
    np.testing.assert_allclose(dparams["key_bias"], 0.0, atol=1e-12)
    arguments = {"query": query, "value": value, **params}
    analytic = {"query": dquery, "value": dvalue, **dparams}
    for name in arguments:
        def loss(nudged):
            nudged_arguments = {**arguments, name: nudged}
            return np.sum(solution.mha_forward(nudged_arguments.pop("query"), nudged_arguments.pop("value"),
                                               nudged_arguments, mask)[0] * dout)

        checks.assert_gradient(analytic[name], numerical_gradient(loss, arguments[name].copy()), f"d{name}")


def test_layernorm_matches_keras_and_its_gradient_is_numerical(solution):
    import keras

    rng = np.random.default_rng(3)
    x, gamma, beta = rng.normal(loc=3.0, size=(2, 4, 6)), rng.normal(size=6), rng.normal(size=6)
    layer = keras.layers.LayerNormalization(dtype="float64")
    layer.build(x.shape)
    layer.set_weights([gamma, beta])
    out, cache = solution.layernorm_forward(x, gamma, beta)
    np.testing.assert_allclose(out, keras.ops.convert_to_numpy(layer(x)), rtol=1e-9, atol=1e-12)
    dout = rng.normal(size=x.shape)
    dx, dgamma, dbeta = solution.layernorm_backward(dout, cache)
    arguments = {"x": x, "gamma": gamma, "beta": beta}
    for name, analytic in zip(arguments, (dx, dgamma, dbeta)):
        def loss(nudged):
            return np.sum(solution.layernorm_forward(**{**arguments, name: nudged})[0] * dout)

        checks.assert_gradient(analytic, numerical_gradient(loss, arguments[name].copy()), f"d{name}")


def test_encoder_ignores_padding_and_sees_order(solution):
    import keras

    keras.utils.set_random_seed(0)
    model = solution.build_encoder_classifier(40, 7, 10, embedding_dim=8, num_heads=2, key_dim=4, ff_dim=16)
    tokens = np.array([[5, 9, 3, 0, 0, 0], [7, 0, 0, 0, 0, 0]])
    padded, trimmed = (keras.ops.convert_to_numpy(model(ids)) for ids in (tokens, tokens[:, :3]))
    np.testing.assert_allclose(padded, trimmed, rtol=1e-5, atol=1e-6)
    reordered = keras.ops.convert_to_numpy(model(np.array([[3, 9, 5]])))
    assert np.abs(reordered - trimmed[:1]).max() > 1e-6


@pytest.mark.notebooks
@needs_real_goemotions
def test_lesson_11_prints_in_fast_mode_what_its_text_says(reference_printed):
    printed = reference_printed(LESSON)
    text = lesson_text(LESSON)
    quoted = re.search(r"In fast mode .* the notebook\s+prints a test macro-F1 of ([0-9.]+)", text, flags=re.S)
    assert quoted, "the lesson should quote its fast-mode result"
    got = float(re.search(r"Transformer encoder: Ekman dev macro-F1 [0-9.]+, test macro-F1 ([0-9.]+) \(fast mode\)", printed).group(1))
    # Training on a CPU is repeatable up to the last bits of float sums: allow a little.
    assert got == pytest.approx(float(quoted.group(1)), abs=0.03)
    # The saturation plot's numbers at d = 64 (random draws with a fixed seed: exact to the digits quoted).
    unscaled, scaled = (float(value) for value in re.search(
        r"d = 64: largest weight ([0-9.]+) unscaled, ([0-9.]+) scaled", printed).groups())
    assert "largest weight averages 0.85 (0.25 scaled)" in " ".join(text.split())
    assert (round(unscaled, 2), round(scaled, 2)) == (0.85, 0.25)
