"""Lesson 07 (a Keras CNN on IMDB): the made-up tasks of its behaviour tests need what the text says they
need, its mutant catalogue holds the bugs the issue names, and in fast mode it learns what its text says."""
import re
import types

import numpy as np
import pytest

from autograder import course
from autograder.build import notebook_from_source
from autograder.fixtures import exercise_namespace
from autograder.mutants import catalogue
from realdata import needs_real_imdb

LESSON = "07_keras_cnn"


@pytest.fixture(scope="module")
def solution():
    return exercise_namespace(notebook_from_source(course.source_script(LESSON)))


@pytest.fixture(scope="module")
def given(solution):
    """The solution's namespace with the lesson's given NBSVM code (a locked cell) run in it."""
    notebook = notebook_from_source(course.source_script(LESSON))
    cell = next(cell for cell in notebook.cells
                if cell.metadata.get("nbgrader", {}).get("grade_id") == "provided_nb_logistic_regression")
    namespace = dict(vars(solution))
    exec(cell.source, namespace)
    return types.SimpleNamespace(**namespace)


def test_word_order_task_cannot_be_solved_by_counting_words(solution):
    x, y = solution.word_order_task(500, 20, 50, seed=0)
    assert x.shape == (500, 20) and x.dtype == np.int32 and set(np.unique(y)) == {0, 1}
    # Every row holds exactly one 2 and one 3, whatever its label: the same bag of marker words.
    assert np.all(np.sum(x == 2, axis=1) == 1) and np.all(np.sum(x == 3, axis=1) == 1)
    first = np.argmax(x == 2, axis=1) < np.argmax(x == 3, axis=1)
    assert np.array_equal(first, y == 1)  # only their order tells the label
    assert np.all(np.abs(np.argmax(x == 2, axis=1) - np.argmax(x == 3, axis=1)) == 1)


def test_phrase_task_needs_bigrams(solution):
    texts, y = solution.phrase_task(4000, seed=0)
    for word in ("not", "very", "good", "bad"):
        share = [np.mean([word in text.split() for text, label in zip(texts, y) if label == c]) for c in (0, 1)]
        assert abs(share[0] - share[1]) < 0.05, (word, share)  # a single word says nothing about the label
    for phrase, label in (("not good", 0), ("very bad", 0), ("not bad", 1), ("very good", 1)):
        assert all(y[i] == label for i, text in enumerate(texts) if phrase in text)


def test_bag_of_tokens_keeps_each_token_once(given):
    class Vectorizer:  # stands in for TextVectorization: rows of indices padded with 0 after
        def __call__(self, texts):
            return np.array([[int(word) for word in text.split()] + [0] * (5 - len(text.split())) for text in texts])

    bags = given.bag_of_tokens(Vectorizer(), ["4 4 2 4", "3", "7 1 7 1 7"], batch_size=2)
    assert bags.dtype == np.int32 and bags.shape == (3, 2)
    assert [sorted(row[row != 0].tolist()) for row in bags] == [[2, 4], [3], [1, 7]]


def test_weighted_presence_is_a_logistic_regression_on_scaled_presence(given):
    scale = np.array([0.0, 0.5, -2.0, 1.5])
    model = given.build_nb_logistic_regression(scale)
    layer = model.layers[-1]
    assert model.count_params() == 4 + 1
    layer.w.assign(np.array([9.0, 0.2, 0.3, -0.4], dtype="float32"))  # w[0] must not count: scale[0] = 0
    layer.c.assign(np.array([0.1], dtype="float32"))
    rows = np.array([[1, 3, 0], [2, 0, 0]], dtype=np.int32)
    logits = np.array([0.1 + 0.5 * 0.2 + 1.5 * -0.4, 0.1 - 2.0 * 0.3])
    np.testing.assert_allclose(np.asarray(model(rows))[:, 0], 1 / (1 + np.exp(-logits)), rtol=1e-6)


def test_mutant_catalogue_holds_the_bugs_the_issue_names():
    names = " | ".join(mutant.name for mutant in catalogue(LESSON))
    for bug in ("categorical cross-entropy", "vocabulary fitted on the test", "labels shuffled apart",
                "validation set taken from the test", "single filter width", "global average pooling",
                "dropout missing", "dropout applied to the output", "without restoring the best weights",
                "bigrams missing", "a token counted as often as it occurs", "without the smoothing",
                "classes swapped", "normalized by the number of reviews"):
        assert bug in names, bug


@pytest.mark.notebooks
@needs_real_imdb
def test_lesson_07_learns_what_its_text_says(reference_printed):
    text = reference_printed(LESSON)
    accuracy = {name: float(value) for name, value in
                re.findall(r"^(CNN|TF-IDF|fastText|NBSVM)[^\n]*test accuracy ([0-9.]+) \(fast mode\)", text, re.M)}
    assert set(accuracy) == {"CNN", "TF-IDF", "fastText", "NBSVM"}
    # The lesson's text quotes 0.750, 0.776 and 0.704 in fast mode (1,800 training reviews).
    assert 0.70 <= accuracy["CNN"] <= 0.80
    assert 0.73 <= accuracy["TF-IDF"] <= 0.82
    assert 0.65 <= accuracy["fastText"] <= 0.76
    # NBSVM: 0.855, the best of the four, as the text says.
    assert 0.80 <= accuracy["NBSVM"] <= 0.90 and accuracy["NBSVM"] == max(accuracy.values())
