"""Tests for miakit.inpaint: hand-checkable fills, untouched known pixels, named errors."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.restoration import inpaint_biharmonic

from miakit.inpaint import inpaint_tv


@pytest.fixture
def step_edge() -> tuple[np.ndarray, np.ndarray]:
    """A vertical step from 0 to 1 between columns 9 and 10, and a 9x9 hole across it."""
    image = np.zeros((21, 21))
    image[:, 10:] = 1.0
    mask = np.zeros(image.shape, dtype=bool)
    mask[6:15, 6:15] = True
    return image, mask


def test_constant_image_is_filled_exactly() -> None:
    image = np.full((20, 20), 0.3)
    mask = np.zeros(image.shape, dtype=bool)
    mask[5:12, 3:9] = True
    filled = inpaint_tv(np.where(mask, 0.0, image), mask, n_iter=50)
    np.testing.assert_allclose(filled, image, atol=1e-12)


def test_constant_volume_is_filled_exactly() -> None:
    volume = np.full((8, 10, 12), -2.0)
    mask = np.zeros(volume.shape, dtype=bool)
    mask[2:5, 3:7, 4:9] = True
    filled = inpaint_tv(np.where(mask, np.nan, volume), mask, n_iter=50)
    np.testing.assert_allclose(filled, volume, atol=1e-12)


def test_step_edge_is_continued_sharply(step_edge: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = step_edge
    filled = inpaint_tv(np.where(mask, 0.0, image), mask, n_iter=1000)
    # the straight edge is the shortest level line across the hole: the truth is the fill
    np.testing.assert_allclose(filled, image, atol=0.05)
    jumps = np.abs(np.diff(filled[6:15], axis=1))  # horizontal steps in the hole rows
    # (almost) all of the unit jump sits between columns 9 and 10, as in the truth
    assert jumps[:, 9].min() > 0.9
    assert jumps[:, 9].sum() / jumps.sum() > 0.9


def test_biharmonic_smears_the_same_edge(step_edge: tuple[np.ndarray, np.ndarray]) -> None:
    image, mask = step_edge
    filled = inpaint_biharmonic(np.where(mask, 0.0, image), mask)
    jumps = np.abs(np.diff(filled[6:15], axis=1))
    # the smooth fill spreads the jump over several columns: in the middle row of the
    # hole the edge column holds less than a third of it (about 0.18 of 1)
    assert jumps[4, 9] < 0.3
    assert jumps[:, 9].sum() / jumps.sum() < 0.5  # about 0.31 over the whole hole


def test_known_pixels_are_untouched_and_dtype_is_float() -> None:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 100, size=(30, 25)).astype(np.int16)
    mask = rng.random(image.shape) < 0.2
    filled = inpaint_tv(image, mask, n_iter=20)
    assert filled.dtype == np.float64
    assert filled.shape == image.shape
    np.testing.assert_array_equal(filled[~mask], image[~mask])
    # a TV fill stays within the range of the known values (maximum principle)
    assert filled.min() >= image[~mask].min() - 1e-9
    assert filled.max() <= image[~mask].max() + 1e-9


def test_input_is_not_modified_and_result_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    image = rng.random((16, 16))
    mask = np.zeros(image.shape, dtype=bool)
    mask[4:10, 5:12] = True
    copy = image.copy()
    first = inpaint_tv(image, mask, n_iter=100)
    second = inpaint_tv(image, mask, n_iter=100)
    np.testing.assert_array_equal(image, copy)
    np.testing.assert_array_equal(first, second)


def test_hole_at_the_image_border_is_filled() -> None:
    image = np.full((10, 12), 7.0)
    mask = np.zeros(image.shape, dtype=bool)
    mask[:4, :3] = True  # touches two image borders
    filled = inpaint_tv(np.where(mask, np.nan, image), mask, n_iter=50)
    np.testing.assert_allclose(filled, image, atol=1e-12)


@pytest.mark.parametrize(
    ("image", "mask", "kwargs", "error", "match"),
    [
        (np.zeros(5), np.ones(5, bool), {}, ValueError, "image must be 2D or 3D"),
        (np.zeros((2, 2, 2, 2)), np.ones((2, 2, 2, 2), bool), {}, ValueError, "image must be"),
        (np.full((4, 4), "a"), np.eye(4, dtype=bool), {}, TypeError, "image must have dtype"),
        (np.zeros((4, 4)), np.eye(5, dtype=bool), {}, ValueError, "mask shape"),
        (np.zeros((4, 4)), np.full((4, 4), 0.5), {}, ValueError, "mask must be binary"),
        (np.zeros((4, 4)), np.zeros((4, 4), bool), {}, ValueError, "empty mask"),
        (np.zeros((4, 4)), np.ones((4, 4), bool), {}, ValueError, "some known pixels"),
        (np.full((4, 4), np.nan), np.eye(4, dtype=bool), {}, ValueError, "finite outside mask"),
        (np.zeros((4, 4)), np.eye(4, dtype=bool), {"n_iter": 0}, ValueError, "n_iter must be"),
        (np.zeros((4, 4)), np.eye(4, dtype=bool), {"n_iter": 2.5}, TypeError, "n_iter must be"),
    ],
)
def test_bad_inputs_name_the_argument(
    image: np.ndarray, mask: np.ndarray, kwargs: dict, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        inpaint_tv(image, mask, **kwargs)
