"""Lesson 06: its plots, the TextVectorization conventions its text states (so a Keras upgrade that
changes them fails here, not silently in a student's notebook), and the numbers its text quotes."""
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from emolib import plots  # noqa: E402
from realdata import needs_real_chnsenticorp, needs_real_imdb  # noqa: E402

LESSON = "06_text_as_numbers"


def test_length_histogram_marks_the_chosen_length_and_the_share_cut():
    lengths = np.array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    ax = plots.length_histogram(lengths, 90, title="t", bins=5)
    assert sum(patch.get_height() for patch in ax.patches) == 10
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [90, 90]
    assert "10.0% of the texts are cut" in line.get_label()
    plt.close(ax.figure)


def test_rank_frequency_draws_sorted_counts_on_log_axes():
    ax = plots.rank_frequency({"words": [1, 5, 2, 9], "characters": [3, 3]})
    words, characters = ax.get_lines()
    assert list(words.get_xdata()) == [1, 2, 3, 4] and list(words.get_ydata()) == [9, 5, 2, 1]
    assert words.get_label() == "words (4 distinct)" and characters.get_label() == "characters (2 distinct)"
    assert ax.get_xscale() == ax.get_yscale() == "log"
    plt.close(ax.figure)


@pytest.fixture(scope="module")
def keras():
    import emolib  # noqa: F401  (routes TensorFlow's start-up notices to stdout)
    import keras

    return keras


def vocabulary_of(keras, texts, **options):
    layer = keras.layers.TextVectorization(**options)
    layer.adapt(texts)
    return [str(token) for token in layer.get_vocabulary()]


def test_textvectorization_standardizes_and_splits_as_the_lesson_says(keras):
    # ASCII-only lowercasing, punctuation (apostrophe included) deleted, split on ASCII whitespace only.
    assert vocabulary_of(keras, ["Don't STOP!<br />ÉCLAIR Über-cool a\u00a0b x\x85y"])[2:] == sorted(
        ["dont", "stopbr", "Éclair", "Übercool", "a\u00a0b", "x\x85y"], reverse=True)


def test_textvectorization_orders_ties_in_reverse_code_point_order(keras):
    assert vocabulary_of(keras, ["b a c a b c d é z"]) == ["", "[UNK]", "c", "b", "a", "é", "z", "d"]
    assert vocabulary_of(keras, ["b a c a b c d é z"], max_tokens=5) == ["", "[UNK]", "c", "b", "a"]


def test_textvectorization_pads_and_truncates_at_the_end(keras):
    layer = keras.layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=4)
    assert np.asarray(layer(["a b zzz a b", "b"])).tolist() == [[2, 3, 1, 2], [3, 0, 0, 0]]
    assert keras.utils.pad_sequences([[5, 6, 7, 8, 9], [5]], maxlen=3).tolist() == [[7, 8, 9], [0, 0, 5]]


@pytest.mark.notebooks
@needs_real_imdb
@needs_real_chnsenticorp
def test_lesson_06_prints_what_its_text_says(reference_printed):
    text = reference_printed(LESSON)
    # Fast mode (1,000 training reviews): the text quotes a median of 176 tokens and L = 454.
    match = re.search(r"median length (\d+) tokens.*L = (\d+) cuts ([0-9.]+)% of the reviews", text)
    assert match and match.group(1) == "176" and match.group(2) == "454", text
    assert float(match.group(3)) <= 10.0
    assert text.count("as TextVectorization: True") == 2
    distances = re.search(r"'post padding': \[([^\]]*)\]", text).group(1)
    assert float(distances.split(",")[-1]) > 1.0  # post padding without a mask washes the review out
