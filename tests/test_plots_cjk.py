"""Chinese text in the course's plots: a font with the glyphs is found and used, no glyph is missing."""
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from emolib import plots  # noqa: E402

CHINESE = "这个宾馆比较陈旧了，总体来说一般"
INSTALL_HINT = ("no font with Chinese characters is installed: `make setup` installs Debian's fonts-wqy-microhei "
                "when it runs as root or with passwordless sudo (apt-get install fonts-wqy-microhei)")


def drawn_without_missing_glyphs(figure):
    """Render the figure; return the 'Glyph ... missing from font' warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.canvas.draw()
    return [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]


def test_a_cjk_font_is_found_and_comes_after_the_default_font():
    font = plots.cjk_font()
    assert font is not None, INSTALL_HINT
    assert plt.rcParams["font.family"] == ["sans-serif", font]


def test_every_chinese_character_has_a_glyph_in_the_fonts_matplotlib_picks():
    fonts = font_manager.fontManager._find_fonts_by_props(font_manager.FontProperties(family=plt.rcParams["font.family"]))
    faces = [font_manager.get_font(path) for path in fonts]
    lacking = [ch for ch in CHINESE + "joy 喜悦" if not any(face.get_char_index(ord(ch)) for face in faces)]
    assert not lacking, f"no font among {fonts} has a glyph for {''.join(lacking)!r}; {INSTALL_HINT}"


def test_plots_draw_chinese_without_boxes():
    figure = plots.word_saliency(["这个", "宾馆", "比较", "陈旧", "了", "hotel"], np.linspace(-1, 1, 6), title="宾馆")
    assert drawn_without_missing_glyphs(figure) == []
    plt.close(figure)
    ax = plots.confusion_heatmap(np.array([[5, 1], [2, 7]]), class_names=("快乐", "愤怒"), title="微博 test")
    assert drawn_without_missing_glyphs(ax.figure) == []
    plt.close(ax.figure)
