"""Lesson 12: its solution's explanations against independent computations (the Keras gradient tape, the
closed form of two classes, least squares, brute force), the order of its Riemann sum's error, its given
helpers, and (with the real data) that the notebook prints in fast mode what its text says."""
import re

import keras
import numpy as np
import pytest

from autograder import course
from autograder.build import notebook_from_source
from autograder.fixtures import exercise_namespace
from realdata import lesson_text, needs_real_goemotions, needs_real_smp2020_ewect

LESSON = "12_explanations"


@pytest.fixture(scope="module")
def solution():
    return exercise_namespace(notebook_from_source(course.source_script(LESSON)))


def random_model(rng, vocab_size, dimensions, classes):
    weights = rng.normal(size=(vocab_size, dimensions)), rng.normal(scale=1.5, size=(dimensions, classes)), rng.normal(size=classes)
    return weights


def completeness_gap(solution, attributions, tokens, weights, target):
    full = solution.averaged_forward(tokens[None], *weights)[0, target]
    return abs(np.sum(attributions) - (full - solution.softmax(weights[2])[target]))


@pytest.mark.parametrize("seed", range(3))
def test_integrated_gradients_agree_with_the_tape_and_are_complete(solution, seed):
    rng = np.random.default_rng(seed)
    classes = int(rng.integers(3, 7))
    weights = random_model(rng, 11, int(rng.integers(2, 6)), classes)
    tokens = np.concatenate([rng.integers(1, 11, size=int(rng.integers(1, 9))), [0, 0]])
    target = int(rng.integers(0, classes))
    model = solution.averaged_embedding_model(11, weights[0].shape[1], classes)
    model.layers[0].set_weights([weights[0].astype("float32")])
    model.layers[-1].set_weights([weights[1].astype("float32"), weights[2].astype("float32")])
    closed_form = solution.integrated_gradients(tokens, *weights, target, steps=64)
    taped = solution.integrated_gradients_keras(model, tokens, target, steps=64)
    np.testing.assert_allclose(taped, closed_form, atol=2e-6)
    assert np.all(closed_form[tokens == 0] == 0)
    assert completeness_gap(solution, closed_form, tokens, weights, target) < 1e-3


def test_the_midpoint_rule_error_falls_as_one_over_steps_squared(solution):
    rng = np.random.default_rng(5)
    weights = random_model(rng, 9, 3, 5)
    tokens = np.array([3, 1, 8, 8, 2, 0])
    gaps = [completeness_gap(solution, solution.integrated_gradients(tokens, *weights, 2, steps=m), tokens, weights, 2)
            for m in (8, 16, 32, 64)]
    ratios = np.array(gaps[:-1]) / np.array(gaps[1:])
    np.testing.assert_allclose(ratios, 4.0, rtol=0.05)


def test_integrated_gradients_of_two_classes_have_the_secant_closed_form(solution):
    rng = np.random.default_rng(6)
    weights = random_model(rng, 7, 4, 2)
    tokens = np.array([2, 5, 0, 6, 1])
    real = tokens != 0
    margin = weights[0][tokens[real]] @ (weights[1][:, 1] - weights[1][:, 0])  # each word's vote for class 1 over 0
    u, base = margin.mean(), weights[2][1] - weights[2][0]
    sigmoid = lambda value: 1 / (1 + np.exp(-value))  # noqa: E731
    exact = margin / real.sum() * (sigmoid(base + u) - sigmoid(base)) / u
    np.testing.assert_allclose(solution.integrated_gradients(tokens, *weights, 1, steps=4000)[real], exact, atol=1e-9)


def test_gradient_times_input_is_the_derivative_along_each_word(solution):
    rng = np.random.default_rng(7)
    weights = random_model(rng, 8, 3, 4)
    tokens = np.array([4, 0, 7, 7, 1])
    attributions = solution.gradient_times_input(tokens, *weights, 3)
    for t in np.flatnonzero(tokens):
        def scaled(factor, t=t):  # p_3 with word t's vector scaled by factor
            embeddings = np.vstack([weights[0], weights[0][tokens[t]] * factor])
            return solution.averaged_forward(np.where(np.arange(5) == t, 8, tokens)[None], embeddings, *weights[1:])[0, 3]
        assert attributions[t] == pytest.approx((scaled(1 + 1e-6) - scaled(1 - 1e-6)) / 2e-6, rel=1e-5, abs=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_lime_weights_are_the_weighted_ridge_solution(solution, seed):
    rng = np.random.default_rng(seed)
    words, samples = int(rng.integers(1, 8)), int(rng.integers(10, 60))
    masks = solution.drop_word_masks(words, samples, rng)
    masks[-1] = 0
    predictions = rng.random(samples)
    kernel = np.exp(-(1 - np.sqrt(masks.sum(axis=1) / words))**2 / 0.25**2)
    design = np.hstack([np.ones((samples, 1)), masks])
    # ridge on the word weights only, as rows sqrt(lambda) * e_j appended to the weighted least squares
    rows = np.vstack([np.sqrt(kernel)[:, None] * design, np.hstack([np.zeros((words, 1)), np.eye(words)])])
    beta = np.linalg.lstsq(rows, np.concatenate([np.sqrt(kernel) * predictions, np.zeros(words)]), rcond=None)[0]
    weights, intercept = solution.lime_weights(masks, predictions)
    np.testing.assert_allclose(weights, beta[1:], atol=1e-10)
    assert intercept == pytest.approx(beta[0], abs=1e-10)


def test_drop_word_masks_keep_the_text_first_and_never_empty_it(solution):
    masks = solution.drop_word_masks(5, 200, np.random.default_rng(0))
    assert masks.shape == (200, 5) and np.all(masks[0] == 1)
    assert np.all((masks[1:].sum(axis=1) >= 1) & (masks[1:].sum(axis=1) <= 4))
    assert np.all(solution.drop_word_masks(1, 3, np.random.default_rng(0)) == 1)
    copies = solution.masked_texts(np.array([5, 0, 7, 9]), np.array([[1, 0, 1], [0, 1, 1]]))
    np.testing.assert_array_equal(copies, [[5, 0, 0, 9], [0, 0, 7, 9]])


def test_deletion_curve_and_rank_correlation_by_brute_force(solution):
    rng = np.random.default_rng(8)
    weights = random_model(rng, 10, 3, 4)
    tokens = np.array([3, 0, 9, 4, 4, 2, 0])
    ranking = np.array([5, 0, 3, 4, 2])
    curve, area = solution.deletion_curve(lambda batch: solution.averaged_forward(batch, *weights), tokens, ranking, 1)
    want = [solution.averaged_forward(np.where(np.isin(np.arange(7), ranking[:k]), 0, tokens)[None], *weights)[0, 1] for k in range(5)]
    np.testing.assert_allclose(curve, want, atol=1e-15)
    assert area == pytest.approx(np.mean(want))
    assert solution.rank_correlation([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert solution.rank_correlation([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert solution.rank_correlation([1, 1, 2], [1, 2, 3]) == pytest.approx(np.sqrt(3) / 2)  # ties at the average rank
    assert solution.rank_correlation([1, 1, 1], [1, 2, 3]) == 0.0


def test_the_numpy_forward_is_the_keras_model(solution):
    rng = np.random.default_rng(9)
    weights = random_model(rng, 6, 3, 5)
    model = solution.averaged_embedding_model(6, 3, 5)
    model.layers[0].set_weights([weights[0].astype("float32")])
    model.layers[-1].set_weights([weights[1].astype("float32"), weights[2].astype("float32")])
    tokens = np.array([[1, 2, 0, 5], [3, 0, 0, 0]])
    np.testing.assert_allclose(solution.averaged_forward(tokens, *weights),
                               keras.ops.convert_to_numpy(model(tokens)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([w for w in solution.model_weights(model)[2]], weights[2], rtol=1e-6)
    with pytest.raises(ValueError, match="no words"):
        solution.averaged_forward(np.array([[0, 0]]), *weights)


@pytest.mark.notebooks
@needs_real_goemotions
@needs_real_smp2020_ewect
def test_lesson_12_prints_in_fast_mode_what_its_text_says(reference_printed):
    printed = reference_printed(LESSON)
    text = " ".join(lesson_text(LESSON).split())
    quoted = re.search(r"In fast mode \(what nbgrader runs\) the notebook prints deletion AUCs occlusion ([0-9.]+), gradient x "
                       r"input ([0-9.]+), integrated gradients ([0-9.]+), LIME ([0-9.]+), random ([0-9.]+), and a rank "
                       r"correlation of ([-+0-9.]+)", text)
    assert quoted, "the lesson should quote its fast-mode results"
    got = [float(re.search(rf"deletion AUC +{re.escape(name)}: ([0-9.]+)", printed).group(1))
           for name in ("occlusion", "gradient x input", "integrated gradients", "LIME", "random")]
    got.append(float(re.search(r"against the random model's: ([-+0-9.]+)", printed).group(1)))
    # Training on a CPU is repeatable up to the last bits of float sums: allow a little.
    np.testing.assert_allclose(got, [float(value) for value in quoted.groups()], atol=0.02)
