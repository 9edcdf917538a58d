"""The course's plots, matplotlib only. Each function draws on an Axes (a new figure when none is given)
and returns it, so a notebook can combine them with ``plt.subplots``."""
import functools
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager


def _axes(ax, figsize=(6, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def line_plot(x, series, xlabel, ylabel, title=None, logy=False, ax=None):
    """One line per entry of ``series`` ({label: y values of x's length}) against ``x``."""
    ax = _axes(ax)
    for label, values in series.items():
        ax.plot(x, values, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def learning_curves(history, title=None):
    """Learning curves from a history of per-epoch values, e.g. {"train_loss": [...], "val_accuracy": [...]}.

    Keys containing "loss" go in the left panel, the others (accuracies) in the right one.
    Returns the figure.
    """
    losses = {key: values for key, values in history.items() if "loss" in key}
    scores = {key: values for key, values in history.items() if "loss" not in key}
    panels = [group for group in (losses, scores) if group]
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, group in zip(axes[0], panels):
        for key, values in group.items():
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", label=key.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if group is losses else "accuracy")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def word_weights(words, weights, count=15, title=None, ax=None):
    """Horizontal bars of the ``count`` most negative and most positive weights, labelled by word.

    Args:
        words: array of N strings; weights: array of N floats, one per word.
    """
    order = np.argsort(weights)
    chosen = np.concatenate([order[:count], order[-count:]])
    ax = _axes(ax, figsize=(7, 0.28 * len(chosen) + 1))
    colors = ["tab:red" if weights[i] < 0 else "tab:blue" for i in chosen]
    ax.barh(np.arange(len(chosen)), weights[chosen], color=colors)
    ax.set_yticks(np.arange(len(chosen)))
    ax.set_yticklabels(np.asarray(words)[chosen])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("weight")
    if title:
        ax.set_title(title)
    return ax


def _diverging_limits(values):
    """Colour limits centred on 0 for values of both signs, so that white means zero."""
    limit = float(np.max(np.abs(values))) or 1.0
    return -limit, limit


def image_grid(images, titles=None, columns=4, title=None, size=2.6):
    """Images side by side, e.g. an input image and the feature maps a convolution makes of it.

    An (H, W, 3) image is drawn as RGB (values in [0, 1]); an (H, W) image with negative values (an edge
    map, a gradient) with a diverging colour map centred on 0, red positive and blue negative; any other
    (H, W) image in grey levels. Each (H, W) image gets its own colour bar.

    Args:
        images: sequence of arrays, each (H, W) or (H, W, 3).
        titles: optional sequence of strings, one per image.
        columns: images per row.
        title: optional title of the figure.
    Returns the figure.
    """
    count = len(images)
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= count:
            ax.axis("off")
            continue
        image = np.asarray(images[index], dtype=float)
        if image.ndim == 3:
            ax.imshow(np.clip(image, 0.0, 1.0))
        else:
            if np.min(image) < 0:
                low, high = _diverging_limits(image)
                shown = ax.imshow(image, cmap="RdBu_r", vmin=low, vmax=high)
            else:
                shown = ax.imshow(image, cmap="gray")
            figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        if titles is not None:
            ax.set_title(titles[index], fontsize=9)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def token_activations(tokens, activations, row_labels, title=None, ax=None):
    """A heat map of one value per token and row (e.g. per filter), with the words along the bottom.

    Non-negative values (after a ReLU) are drawn in shades of red from 0; values of both signs with a
    diverging colour map centred on 0.

    Args:
        tokens: sequence of T strings.
        activations: array of shape (R, T); row r is labelled row_labels[r].
        row_labels: sequence of R strings.
    Returns the Axes.
    """
    activations = np.asarray(activations, dtype=float)
    ax = _axes(ax, figsize=(max(6.0, 0.38 * len(tokens)), 0.45 * len(row_labels) + 1.8))
    if np.min(activations) < 0:
        low, high = _diverging_limits(activations)
        shown = ax.imshow(activations, aspect="auto", cmap="RdBu_r", vmin=low, vmax=high)
    else:
        shown = ax.imshow(activations, aspect="auto", cmap="Reds", vmin=0.0)
    ax.set_xticks(np.arange(len(tokens)))
    ax.set_xticklabels(tokens, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(row_labels)))
    ax.set_yticklabels(row_labels, fontsize=8)
    ax.figure.colorbar(shown, ax=ax, fraction=0.03, pad=0.01)
    if title:
        ax.set_title(title)
    return ax


def values_along_text(words, lines, heatmap, heatmap_label, title=None):
    """What a recurrent network computes as it reads a text, one column per word.

    Two panels share the word axis: above, one line per entry of ``lines`` ({label: T values}, e.g. the
    mean update gate and the predicted probability after each word); below, ``heatmap`` (array of shape
    (rows, T), e.g. one row per hidden unit) in a colour scale from 0 to 1.

    Args:
        words: T strings, the tokens in reading order.
        lines: dict {label: array of shape (T,)}.
        heatmap: array of shape (rows, T) with values in [0, 1].
        heatmap_label: what a row of the heatmap is, e.g. "unit".
        title: optional figure title.
    Returns the figure.
    """
    positions = np.arange(len(words))
    figure, (line_axes, map_axes) = plt.subplots(
        2, 1, figsize=(max(8, 0.28 * len(words)), 7), sharex=True, gridspec_kw={"height_ratios": [1, 2]})
    for label, values in lines.items():
        line_axes.plot(positions, values, marker=".", label=label)
    line_axes.set_ylim(-0.05, 1.05)
    line_axes.grid(alpha=0.3)
    line_axes.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=len(lines), frameon=False)
    image = map_axes.imshow(heatmap, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
    map_axes.set_ylabel(heatmap_label)
    map_axes.set_xticks(positions)
    map_axes.set_xticklabels(words, rotation=90)
    figure.colorbar(image, ax=[line_axes, map_axes], fraction=0.03, pad=0.01)
    if title:
        figure.suptitle(title)
    return figure


# ----------------------------------------------------------------- lesson 09: evaluation and saliency

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")
# Parts of those fonts' file names, to find one installed after matplotlib cached its list of fonts
# (`make setup` installs Debian's fonts-wqy-microhei, whose file is wqy-microhei.ttc).
CJK_FONT_FILES = ("wqy-microhei", "wqy-zenhei", "notosanscjk", "notosanssc", "sourcehansans", "simhei", "msyh",
                  "pingfang", "arial unicode")


@functools.lru_cache(maxsize=None)
def cjk_font():
    """The name of an installed font that has Chinese characters, or None when there is none.

    Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: without such a font Chinese words are
    drawn as empty boxes. Matplotlib lists the system's fonts once and caches the list, so a font
    installed later is looked for among the system's font files and added.
    """
    def first_installed():
        installed = {font.name for font in font_manager.fontManager.ttflist}
        return next((name for name in CJK_FONTS if name in installed), None)

    if first_installed() is None:
        for path in font_manager.findSystemFonts():
            if any(part in Path(path).name.lower() for part in CJK_FONT_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError):  # a file FreeType cannot read: try the next
                    continue
    return first_installed()


def use_cjk_font():
    """Let every plot draw Chinese: add the CJK font to matplotlib's font families, after the default.

    Matplotlib (3.6 and later) falls back glyph by glyph along the list ``font.family``, so Latin text
    keeps the default font and only the characters it lacks come from the CJK font. Run when
    ``emolib.plots`` is imported. Returns the font's name, or None when the machine has no CJK font
    (see the README's set-up).
    """
    font = cjk_font()
    families = list(plt.rcParams["font.family"])
    if font is not None and font not in families:
        plt.rcParams["font.family"] = families + [font]
    return font


use_cjk_font()


def has_cjk(texts):
    """Whether any of the strings holds a CJK character (code points from U+2E80 on)."""
    return any(ord(ch) >= 0x2E80 for text in texts for ch in str(text))


def confusion_heatmap(matrix, class_names=("negative", "positive"), title=None, ax=None):
    """A 2-D confusion matrix drawn with its counts: rows are the true class, columns the predicted one.

    Args:
        matrix: int array of shape (C, C), matrix[i, j] = how many examples of true class i were predicted j.
        class_names: C strings.
    Returns the Axes.
    """
    matrix = np.asarray(matrix)
    ax = _axes(ax, figsize=(4.2, 3.6))
    ax.imshow(matrix, cmap="Blues", vmin=0)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, f"{count:,}", ha="center", va="center",
                color="white" if count > 0.6 * matrix.max() else "black", fontsize=12)
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks)
    ax.set_xticklabels(class_names)
    ax.set_yticks(ticks)
    ax.set_yticklabels(class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return ax


def roc_plot(fpr, tpr, auc=None, point=None, point_label="chosen threshold", title=None, ax=None):
    """An ROC curve (already computed) with the chance diagonal and, optionally, an operating point.

    Args:
        fpr, tpr: arrays of shape (K,), the curve's points in order.
        auc: the area under the curve, shown in the legend when given.
        point: optional (fpr, tpr) of the operating point to mark.
    Returns the Axes.
    """
    ax = _axes(ax, figsize=(4.6, 4.4))
    ax.plot(fpr, tpr, label="ROC curve" + (f" (AUC {auc:.4f})" if auc is not None else ""))
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="chance")
    if point is not None:
        ax.plot([point[0]], [point[1]], "o", color="crimson", label=point_label)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate (recall)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def word_saliency(words, values, title=None, width=90, print_words=False):
    """A review as highlighted text: each word on a background coloured by its saliency (red pushes
    towards positive, blue towards negative, white nothing), the colour scale centred on 0.

    Args:
        words: T strings, in reading order.
        values: array of shape (T,), one value per word (e.g. occlusion saliency).
        width: the figure's width in tenths of an inch; the words wrap to new lines within it.
        print_words: also print "word value" pairs, for readers whose matplotlib has no font with the
            words' characters (see ``cjk_font``).
    Returns the figure.
    """
    values = np.asarray(values, dtype=float)
    low, high = _diverging_limits(values[None])
    colours = plt.get_cmap("RdBu_r")
    if has_cjk(words) and cjk_font() is None:
        # The boxes are expected (the words are printed instead); one warning per glyph would drown the page.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")

    figure, ax = plt.subplots(figsize=(width * 0.1, 1.0))
    renderer = figure.canvas.get_renderer()
    axes_width = ax.get_window_extent(renderer).width
    x, row = 0.0, 0
    for word, value in zip(words, values):
        share = 0.5 if high == low else (value - low) / (high - low)
        text = ax.text(x, -row, word, fontsize=10, va="center", ha="left",
                       bbox={"facecolor": colours(share), "edgecolor": "none", "pad": 1.5})
        word_width = text.get_window_extent(renderer).width / axes_width
        if x > 0 and x + word_width > 1:  # wrap: the word starts the next line
            row += 1
            x = 0.0
            text.set_position((x, -row))
        x += word_width + 0.012
    ax.set_xlim(0, 1)
    ax.set_ylim(-row - 0.6, 0.6)
    figure.set_size_inches(width * 0.1, 0.36 * (row + 1) + 0.9)
    ax.set_axis_off()
    mappable = plt.cm.ScalarMappable(norm=plt.Normalize(low, high), cmap=colours)
    figure.colorbar(mappable, ax=ax, orientation="horizontal", fraction=0.08, pad=0.02, aspect=40)
    if title:
        ax.set_title(title)
    if print_words:
        print("  ".join(f"{word} {value:+.3f}" for word, value in zip(words, values)))
    return figure


# ------------------------------------------------------------------ lesson 06: text as numbers


def length_histogram(lengths, chosen_length, title=None, bins=50, ax=None):
    """Histogram of text lengths (in tokens) with a chosen sequence length marked.

    The legend says which share of the texts is longer than ``chosen_length``, i.e. would be cut.

    Args:
        lengths: N integers, one length per text.
        chosen_length: int, the sequence length to mark with a vertical line.
        title: optional title.
        bins: number of histogram bins.
    Returns the Axes.
    """
    ax = _axes(ax)
    lengths = np.asarray(lengths)
    cut = float(np.mean(lengths > chosen_length)) if lengths.size else 0.0
    ax.hist(lengths, bins=bins, color="tab:blue", alpha=0.8)
    ax.axvline(chosen_length, color="tab:red", linestyle="--",
               label=f"length {chosen_length}: {cut:.1%} of the texts are cut")
    ax.set_xlabel("tokens per text")
    ax.set_ylabel("texts")
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def rank_frequency(counts, title=None, ax=None):
    """Zipf's plot: each token's count against its rank, both axes logarithmic, one line per series.

    Args:
        counts: dict {label: token counts in any order}, e.g. {"words": [...], "characters": [...]}.
        title: optional title.
    Returns the Axes.
    """
    ax = _axes(ax)
    for label, values in counts.items():
        values = np.sort(np.asarray(values, dtype=float))[::-1]
        ax.plot(np.arange(1, len(values) + 1), values, label=f"{label} ({len(values):,} distinct)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rank (1 = most frequent)")
    ax.set_ylabel("count in the training texts")
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return ax


# ------------------------------------------------------------------ lesson 10: emotions


def grouped_bars(names, series, xlabel, title=None, ax=None):
    """Horizontal bars, one group per name and one bar per series: label counts, or per-class F1 of
    several models side by side.

    Args:
        names: K strings (the classes), drawn top to bottom.
        series: {legend label: array of shape (K,)}.
        xlabel: what the values are.
    Returns the Axes.
    """
    ax = _axes(ax, figsize=(6.4, 0.22 * len(names) * max(1, len(series)) ** 0.5 + 1.2))
    positions = np.arange(len(names))
    height = 0.8 / len(series)
    for index, (label, values) in enumerate(series.items()):
        ax.barh(positions + (index - (len(series) - 1) / 2) * height, values, height=height, label=label)
    ax.set_yticks(positions)
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    if len(series) > 1:
        ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def matrix_heatmap(matrix, row_names, column_names, xlabel, ylabel, title=None, annotate=True, ax=None):
    """A K x K matrix of shares (a row-normalised confusion matrix, label co-occurrence) as a heatmap.

    Args:
        matrix: float array of shape (R, C), values in [0, 1].
        row_names, column_names: R and C strings.
        annotate: write each value (two decimals, blank for values below 0.005) in its cell.
    Returns the Axes.
    """
    matrix = np.asarray(matrix, dtype=float)
    size = max(4.0, 0.32 * matrix.shape[1] + 1.5)
    ax = _axes(ax, figsize=(size, size * matrix.shape[0] / matrix.shape[1]))
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=max(1e-9, float(matrix.max())))
    if annotate:
        for (i, j), value in np.ndenumerate(matrix):
            if value >= 0.005:
                ax.text(j, i, f"{value:.2f}".lstrip("0"), ha="center", va="center", fontsize=7,
                        color="white" if value > 0.6 * matrix.max() else "black")
    ax.set_xticks(np.arange(len(column_names)))
    ax.set_xticklabels(column_names, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(row_names)))
    ax.set_yticklabels(row_names, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        ax.set_title(title)
    return ax
