"""Lesson 08 beyond the generic tests: its locked NumPy GRU is lesson 04's solution, word for word; the
parameter counts the lesson teaches are Keras' own; and the notebook shows what its text says (the
NumPy forward agrees with model.predict, the mask makes the padding invisible)."""
import re

import nbformat
import pytest

from autograder import course
from autograder.fixtures import exercise_namespace
from realdata import needs_real_imdb
from test_lessons_04_05 import cell_source

LESSON_04_CODE_IN_LESSON_08 = ["provided_sigmoid", "gru_step_forward", "gru_forward"]


@pytest.mark.parametrize("grade_id", LESSON_04_CODE_IN_LESSON_08)
def test_lesson_08_gives_lesson_04s_gru_forward_unchanged(grade_id):
    assert cell_source("04_gru", grade_id) in cell_source("08_keras_rnn", "provided_lesson_04")


def test_lesson_08_provides_no_more_than_lesson_04s_forward():
    provided = cell_source("08_keras_rnn", "provided_lesson_04")
    assert re.findall(r"^def (\w+)", provided, flags=re.M) == ["sigmoid", "gru_step_forward", "gru_forward"]


@pytest.fixture(scope="module")
def lesson_08():
    return exercise_namespace(nbformat.read(course.solution_notebook("08_keras_rnn"), as_version=4))


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_parameter_counts_are_keras_counts(lesson_08, kind, bidirectional):
    import keras

    for input_dim, units in ((1, 1), (5, 3), (32, 64)):
        layer = getattr(keras.layers, kind)(units)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer)
        layer.build((1, 2, input_dim))
        assert lesson_08.recurrent_parameters(kind, input_dim, units, bidirectional) == layer.count_params()


@pytest.mark.notebooks
@needs_real_imdb
def test_lesson_08_shows_what_its_text_says(reference_printed):
    text = reference_printed("08_keras_rnn")
    difference = float(re.search(r"largest difference between NumPy and Keras ([0-9.e+-]+)", text).group(1))
    assert difference < 1e-5
    assert "same decision for 100% of them" in text
    rows = re.findall(r"^ *\d+ +\d+ \| +([0-9.]+) +([0-9.]+) +([0-9.]+) \|", text, flags=re.M)
    assert len(rows) == 3
    for pre, post, none in rows:  # with the mask, the padding changes nothing
        assert pre == post == none
    for model in ("GRU(16)", "LSTM(16)", "BiLSTM(16)"):
        assert f"{model}: " in text and "(fast mode)" in text
