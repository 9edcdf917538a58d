"""Lesson 09: its solution's metrics against brute-force definitions, its plot helpers, and (with the
real data) that the notebook learns in fast mode what its text says."""
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import course  # noqa: E402
from autograder.build import notebook_from_source  # noqa: E402
from autograder.fixtures import exercise_namespace  # noqa: E402
from emolib import plots  # noqa: E402
from realdata import needs_real_chnsenticorp, needs_real_imdb  # noqa: E402

LESSON = "09_evaluation"


@pytest.fixture(scope="module")
def solution():
    return exercise_namespace(notebook_from_source(course.source_script(LESSON)))


def pairwise_auc(labels, scores):
    """The AUC as the share of (positive, negative) pairs ranked right, ties counting one half."""
    differences = scores[labels == 1][:, None] - scores[labels == 0][None, :]
    return float(np.mean((differences > 0) + 0.5 * (differences == 0)))


@pytest.mark.parametrize("seed", range(5))
def test_roc_and_auc_agree_with_brute_force(solution, seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 80))
    labels = rng.integers(0, 2, size=size)
    labels[:2] = [0, 1]
    scores = np.round(rng.random(size), int(rng.integers(1, 4)))  # ties, more or fewer
    fpr, tpr, thresholds = solution.roc_curve(labels, scores)
    assert thresholds[0] == np.inf and np.all(np.diff(thresholds) < 0)
    for k, threshold in enumerate(thresholds):
        called = scores >= threshold
        assert fpr[k] == pytest.approx(np.mean(called[labels == 0]))
        assert tpr[k] == pytest.approx(np.mean(called[labels == 1]))
    assert solution.auc(fpr, tpr) == pytest.approx(pairwise_auc(labels, scores))


def test_metrics_agree_with_their_definitions(solution):
    rng = np.random.default_rng(7)
    labels, scores = rng.integers(0, 2, size=200), np.round(rng.random(200), 2)
    for threshold in (0.0, 0.3, 0.5, 0.99, 1.0):
        predicted = scores > threshold
        tp = np.sum(predicted & (labels == 1))
        fp = np.sum(predicted & (labels == 0))
        fn = np.sum(~predicted & (labels == 1))
        got = solution.binary_metrics(labels, scores, threshold)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn)
        assert got["accuracy"] == pytest.approx(np.mean(predicted == labels))
        assert got["precision"] == pytest.approx(precision)
        assert got["recall"] == pytest.approx(recall)
        assert got["f1"] == pytest.approx(2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def test_confusion_heatmap_shows_the_counts():
    ax = plots.confusion_heatmap(np.array([[50, 3], [7, 40]]), title="test")
    assert [text.get_text() for text in ax.texts] == ["50", "3", "7", "40"]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    plt.close(ax.figure)


def test_roc_plot_marks_the_operating_point():
    ax = plots.roc_plot(np.array([0, 0.2, 1]), np.array([0, 0.7, 1]), 0.75, point=(0.2, 0.7))
    lines = ax.get_lines()
    assert len(lines) == 3
    assert "AUC 0.7500" in lines[0].get_label()
    assert tuple(lines[2].get_xydata()[0]) == (0.2, 0.7)
    plt.close(ax.figure)


@pytest.mark.parametrize("words", [["a", "wonderful", "but", "long", "film"] * 8, ["这个", "宾馆", "比较", "陈旧", "了"]])
def test_word_saliency_draws_every_word_in_order(words, capsys):
    values = np.linspace(-1, 2, len(words))
    figure = plots.word_saliency(words, values, title="test", width=40, print_words=True)
    ax = figure.axes[0]
    texts = [text for text in ax.texts]
    assert [text.get_text() for text in texts] == list(words)
    # Reading order: left to right on a line, then the next line down.
    positions = [(-text.get_position()[1], text.get_position()[0]) for text in texts]
    assert positions == sorted(positions)
    # Colours centred on 0: the most positive word is red, the most negative blue.
    red = texts[int(np.argmax(values))].get_bbox_patch().get_facecolor()
    blue = texts[int(np.argmin(values))].get_bbox_patch().get_facecolor()
    assert red[0] > red[2] and blue[2] > blue[0]
    assert words[0] in capsys.readouterr().out
    plt.close(figure)


@pytest.mark.notebooks
@needs_real_imdb
@needs_real_chnsenticorp
def test_lesson_09_learns_what_its_text_says(reference_printed):
    text = reference_printed(LESSON)
    imdb = float(re.search(r"IMDB averaged embeddings.*test accuracy ([0-9.]+) \(fast mode\)", text).group(1))
    chinese = float(re.search(r"ChnSentiCorp averaged embeddings.*test accuracy ([0-9.]+) \(fast mode\)", text).group(1))
    # The lesson's text quotes the fast-mode accuracies: 0.766 (IMDB) and 0.820 (ChnSentiCorp).
    assert 0.72 <= imdb <= 0.81
    assert 0.76 <= chinese <= 0.85
