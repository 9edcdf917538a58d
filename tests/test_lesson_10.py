"""Lesson 10: the softmax cross-entropy it gives is lesson 01's; its solution's loss, scores and thresholds
against independent computations on random inputs; its plot helpers; and (with the real data) that the
notebook prints in fast mode what its text says."""
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import course  # noqa: E402
from autograder.build import notebook_from_source  # noqa: E402
from autograder.fixtures import exercise_namespace  # noqa: E402
from emolib import plots  # noqa: E402
from emolib.gradcheck import numerical_gradient, rel_error  # noqa: E402
from realdata import lesson_text, needs_real_goemotions, needs_real_smp2020_ewect  # noqa: E402

LESSON = "10_emotions"


@pytest.fixture(scope="module")
def solution():
    return exercise_namespace(notebook_from_source(course.source_script(LESSON)))


def test_softmax_cross_entropy_is_lesson_01s(solution):
    lesson_01 = exercise_namespace(nbformat.read(course.solution_notebook("01_softmax"), as_version=4))
    rng = np.random.default_rng(1)
    for shape in ((6, 4), (1, 7), (3, 2)):
        logits, labels = rng.normal(scale=3.0, size=shape), rng.integers(0, shape[1], size=shape[0])
        given_loss, given_grad = solution.softmax_cross_entropy(logits.copy(), labels)
        solved_loss, solved_grad = lesson_01.softmax_cross_entropy(logits.copy(), labels)
        assert given_loss == pytest.approx(solved_loss, rel=1e-12)
        np.testing.assert_allclose(given_grad, solved_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (2, 28)])
def test_sigmoid_bce_gradient_is_numerical(solution, shape):
    rng = np.random.default_rng(shape[1])
    logits, targets = rng.normal(scale=2.0, size=shape), (rng.random(shape) < 0.3).astype(float)
    loss, dlogits = solution.sigmoid_bce(logits.copy(), targets)
    p = 1 / (1 + np.exp(-logits))
    assert loss == pytest.approx(-np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p)), rel=1e-12)
    assert rel_error(dlogits, numerical_gradient(lambda z: solution.sigmoid_bce(z, targets)[0], logits.copy())) < 1e-7


def brute_force_f1(true, called):
    """F1 of one binary problem from boolean arrays, 0/0 as 0."""
    tp, fp, fn = np.sum(true & called), np.sum(~true & called), np.sum(true & ~called)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


@pytest.mark.parametrize("seed", range(4))
def test_single_label_scores_agree_with_one_vs_rest_counts(solution, seed):
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(2, 8)), int(rng.integers(1, 120))
    labels, predicted = rng.integers(0, k, size=n), rng.integers(0, k - 1, size=n)  # class k-1 never predicted
    scores = solution.classification_scores(solution.confusion_matrix(labels, predicted, k))
    f1 = [brute_force_f1(labels == c, predicted == c) for c in range(k)]
    np.testing.assert_allclose(scores["f1"], f1, atol=1e-12)
    assert scores["macro_f1"] == pytest.approx(np.mean(f1))
    assert scores["weighted_f1"] == pytest.approx(np.sum(np.array(f1) * np.bincount(labels, minlength=k)) / n)
    assert scores["micro_f1"] == pytest.approx(np.mean(labels == predicted)) == scores["accuracy"]
    assert scores["precision"][k - 1] == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_multilabel_scores_and_thresholds_agree_with_brute_force(solution, seed):
    rng = np.random.default_rng(10 + seed)
    n, k = int(rng.integers(1, 60)), int(rng.integers(1, 6))
    targets = rng.random((n, k)) < 0.3
    raw = np.round(rng.random((n, k)), 1)
    candidates = rng.permutation(np.round(np.arange(0.1, 1.0, 0.1), 1))
    thresholds = solution.tune_thresholds(targets.astype(int), raw, candidates)
    for label in range(k):
        f1 = {t: brute_force_f1(targets[:, label], raw[:, label] >= t) for t in sorted(candidates)}
        best = max(f1.values())
        assert thresholds[label] == min(t for t, value in f1.items() if value == best)
    called = raw >= thresholds
    scores = solution.multilabel_scores(targets.astype(int), called)
    np.testing.assert_allclose(scores["f1"], [brute_force_f1(targets[:, c], called[:, c]) for c in range(k)], atol=1e-12)
    pooled = brute_force_f1(targets.ravel(), called.ravel())
    assert scores["micro_f1"] == pytest.approx(pooled)
    per_example = [1.0 if not (t.any() or c.any()) else 2 * np.sum(t & c) / (t.sum() + c.sum()) for t, c in zip(targets, called)]
    assert scores["example_f1"] == pytest.approx(np.mean(per_example))


def test_grouped_bars_and_matrix_heatmap_draw_every_class():
    names = ["joy", "anger", "fear"]
    ax = plots.grouped_bars(names, {"a": np.array([0.5, 0.2, 0.1]), "b": np.array([0.4, 0.3, 0.0])}, "F1", title="t")
    assert len(ax.patches) == 6 and [label.get_text() for label in ax.get_yticklabels()] == names
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["a", "b"]
    plt.close(ax.figure)
    ax = plots.matrix_heatmap(np.array([[0.8, 0.2, 0.0], [0.1, 0.9, 0.0], [0.5, 0.0, 0.5]]), names, names, "predicted", "true")
    assert [text.get_text() for text in ax.texts] == [".80", ".20", ".10", ".90", ".50", ".50"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    plt.close(ax.figure)


@pytest.mark.notebooks
@needs_real_goemotions
@needs_real_smp2020_ewect
def test_lesson_10_prints_in_fast_mode_what_its_text_says(reference_printed):
    printed = reference_printed(LESSON)
    text = lesson_text(LESSON)
    quoted = re.search(r"the notebook prints GoEmotions test macro-F1 ([0-9.]+),\s+Ekman ([0-9.]+),\s+Weibo ([0-9.]+)", text)
    assert quoted, "the lesson should quote its fast-mode results"
    got = [float(re.search(pattern, printed).group(1)) for pattern in (
        r"GoEmotions 28 labels, .* \(chosen on dev\).*test macro f1 ([0-9.]+) \(fast mode\)",
        r"GoEmotions Ekman 7 labels, .*test macro f1 ([0-9.]+) \(fast mode\)",
        r"SMP2020-EWECT, .*test macro f1 ([0-9.]+) \(fast mode\)")]
    # Training on a CPU is repeatable up to the last bits of float sums: allow a little.
    np.testing.assert_allclose(got, [float(value) for value in quoted.groups()], atol=0.03)
