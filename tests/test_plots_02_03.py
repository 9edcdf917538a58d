"""The plots lessons 02 and 03 add to emolib.plots: image grids of feature maps, and per-token heat maps."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from emolib import plots


def test_image_grid_draws_rgb_signed_and_grey_images_and_hides_spare_axes():
    rng = np.random.default_rng(0)
    rgb, signed, grey = rng.uniform(size=(8, 8, 3)), rng.normal(size=(8, 8)), rng.uniform(size=(8, 8))
    figure = plots.image_grid([rgb, signed, grey], titles=["rgb", "signed", "grey"], columns=2, title="maps")
    axes = figure.axes[:4]  # the 2 x 2 grid; colour bars come after
    assert [ax.get_title() for ax in axes[:3]] == ["rgb", "signed", "grey"]
    assert not axes[3].axison
    signed_image = axes[1].get_images()[0]
    assert signed_image.get_cmap().name == "RdBu_r"
    low, high = signed_image.get_clim()
    assert low == -high == -np.max(np.abs(signed))
    assert axes[2].get_images()[0].get_cmap().name == "gray"
    assert len(figure.axes) == 4 + 2  # a colour bar for each single-channel image
    plt.close(figure)


def test_token_activations_labels_words_and_rows():
    tokens = ["this", "is", "not", "good"]
    ax = plots.token_activations(tokens, np.array([[0.0, 0.0, 0.0, 0.5], [0.1, 0.0, 0.2, 0.0]]), ["f0", "f1"], title="t")
    assert [label.get_text() for label in ax.get_xticklabels()] == tokens
    assert [label.get_text() for label in ax.get_yticklabels()] == ["f0", "f1"]
    assert ax.get_images()[0].get_cmap().name == "Reds"
    plt.close(ax.figure)
    ax = plots.token_activations(tokens, np.array([[-1.0, 0.0, 2.0, 0.5]]), ["f0"])
    assert ax.get_images()[0].get_cmap().name == "RdBu_r"
    plt.close(ax.figure)
