"""emolib.plots.values_along_text, the plot of lessons 04 and 05: one column per word, lines above, a heatmap below."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emolib import plots  # noqa: E402


def test_values_along_text_draws_one_column_per_word():
    words = ["a", "wonderful", "film"]
    gates = np.array([[0.1, 0.9, 0.5], [0.2, 0.8, 0.4]])
    figure = plots.values_along_text(words, {"mean z": gates.mean(axis=0), "P(positive)": [0.5, 0.7, 0.9]},
                                     gates, "unit", title="test")
    line_axes, map_axes = figure.axes[:2]
    assert [label.get_text() for label in map_axes.get_xticklabels()] == words
    assert [line.get_label() for line in line_axes.get_lines()] == ["mean z", "P(positive)"]
    image = map_axes.get_images()[0]
    assert image.get_array().shape == (2, 3)
    assert image.get_clim() == (0.0, 1.0)
    plt.close(figure)
