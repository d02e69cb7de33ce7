"""Tests of miakit.viz: functions draw on the given axes and reject bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from miakit import viz


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_show_image_draws_on_given_axes_with_window(ax):
    out = viz.show_image(np.zeros((4, 5)), ax=ax, window="lung", colorbar_label="HU")
    assert out is ax
    # lung window: level -600, width 1500 -> [-1350, 150]
    assert ax.images[0].get_clim() == (-1350.0, 150.0)
    assert ax.figure.axes[-1].get_ylabel() == "HU"


def test_show_image_default_limits_are_percentiles(ax):
    image = np.linspace(0, 100, 101).reshape(1, 101)
    viz.show_image(image, ax=ax)
    assert ax.images[0].get_clim() == pytest.approx((1.0, 99.0))


def test_window_limits_tuple_and_errors():
    assert viz.window_limits((0, 2)) == (-1.0, 1.0)
    with pytest.raises(ValueError, match="window must be one of"):
        viz.window_limits("liver")
    with pytest.raises(ValueError, match="width must be > 0"):
        viz.window_limits((0, 0))
    with pytest.raises(TypeError, match="preset name or a \\(level, width\\) pair"):
        viz.window_limits((1, 2, 3))


def test_show_image_rejects_bad_shape(ax):
    with pytest.raises(ValueError, match="image must be 2D or 3D"):
        viz.show_image(np.zeros(5), ax=ax)
    with pytest.raises(ValueError, match=r"\(Y, X, 3\|4\)"):
        viz.show_image(np.zeros((4, 4, 7)), ax=ax)


def test_montage_layout_and_titles(ax):
    tiles = np.stack([np.full((3, 2), i, float) for i in range(5)])
    viz.show_montage(tiles, ax=ax, ncols=2, vmin=0, vmax=4, titles=list("abcde"))
    canvas = ax.images[0].get_array()
    assert canvas.shape == (9, 4)
    assert canvas[3, 2] == 3  # tile 3 is row 1, column 1
    assert np.ma.is_masked(canvas[6, 2]) or np.isnan(canvas[6, 2])  # empty sixth slot
    assert [t.get_text() for t in ax.texts] == list("abcde")


def test_montage_errors(ax):
    with pytest.raises(ValueError, match="titles must have one entry per image"):
        viz.show_montage(np.zeros((2, 3, 3)), ax=ax, titles=["x"])
    with pytest.raises(ValueError, match="ncols must be >= 1"):
        viz.show_montage(np.zeros((2, 3, 3)), ax=ax, ncols=0)


def test_overlay_fills_mask_only(ax):
    mask = np.zeros((6, 6), bool)
    mask[1:3, 1:3] = True
    viz.show_overlay(np.zeros((6, 6)), mask, ax=ax, vmin=0, vmax=1, alpha=0.5)
    rgba = ax.images[1].get_array()
    assert rgba[..., 3].sum() == pytest.approx(4 * 0.5)


def test_overlay_errors(ax):
    with pytest.raises(ValueError, match="mask shape \\(5, 5\\) does not match image shape"):
        viz.show_overlay(np.zeros((6, 6)), np.zeros((5, 5), bool), ax=ax)
    with pytest.raises(ValueError, match="mask must be binary"):
        viz.show_overlay(np.zeros((6, 6)), np.full((6, 6), 2), ax=ax)
    with pytest.raises(ValueError, match="alpha must lie in \\[0, 1\\]"):
        viz.show_overlay(np.zeros((6, 6)), np.zeros((6, 6), bool), ax=ax, alpha=2)


def test_set_style_uses_the_colour_blind_safe_cycle_and_sharp_figures():
    import matplotlib as mpl

    from miakit.viz import OKABE_ITO

    viz.set_style()
    assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == list(OKABE_ITO)
    assert mpl.rcParams["savefig.dpi"] >= 150


def test_describe_figure_falls_back_to_axis_labels():
    fig, ax = plt.subplots()
    ax.set_xlabel("dose")
    ax.set_ylabel("noise SD (HU)")
    assert viz.describe_figure(fig) == "Figure. Panel: noise SD (HU) against dose"
    plt.close(fig)
