"""Tests for miakit.segmentation: small hand-checkable cases and every documented error."""

import numpy as np
import pytest

from miakit.segmentation import (
    clean_mask,
    homomorphic_bias_correction,
    largest_component,
    multi_otsu_tissues,
    region_grow,
)

# --- multi_otsu_tissues -----------------------------------------------------------------


def test_multi_otsu_orders_labels_by_intensity():
    image = np.array([[2.0, 2.0, 0.0], [0.0, 1.0, 1.0]])
    # darkest -> 1, middle -> 2, brightest -> 3
    expected = np.array([[3, 3, 1], [1, 2, 2]], dtype=np.uint8)
    np.testing.assert_array_equal(multi_otsu_tissues(image, classes=3), expected)


def test_multi_otsu_mask_sets_outside_to_zero_and_ignores_it():
    image = np.array([[0.0, 1.0, 100.0], [0.0, 1.0, 100.0]])
    mask = np.array([[1, 1, 0], [1, 1, 0]], dtype=bool)
    labels = multi_otsu_tissues(image, mask=mask, classes=2)
    # the bright outside column must not pull a threshold: inside splits 0 | 1
    np.testing.assert_array_equal(labels, [[1, 2, 0], [1, 2, 0]])


def test_multi_otsu_3d():
    image = np.zeros((2, 2, 2))
    image[1] = 1.0
    labels = multi_otsu_tissues(image, classes=2)
    assert labels.shape == (2, 2, 2)
    assert (labels[0] == 1).all() and (labels[1] == 2).all()


def test_multi_otsu_errors():
    image = np.arange(9.0).reshape(3, 3)
    with pytest.raises(ValueError, match="classes must be >= 2"):
        multi_otsu_tissues(image, classes=1)
    with pytest.raises(TypeError, match="classes must be an integer"):
        multi_otsu_tissues(image, classes=2.5)
    with pytest.raises(ValueError, match="mask shape"):
        multi_otsu_tissues(image, mask=np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="mask must be binary"):
        multi_otsu_tissues(image, mask=np.full((3, 3), 2))
    with pytest.raises(ValueError, match="at least classes=3 distinct"):
        multi_otsu_tissues(np.ones((3, 3)), classes=3)
    with pytest.raises(ValueError, match="image must be 2D or 3D"):
        multi_otsu_tissues(np.arange(4.0))
    with pytest.raises(ValueError, match="finite"):
        multi_otsu_tissues(np.array([[0.0, np.nan], [1.0, 2.0]]))


# --- region_grow ------------------------------------------------------------------------


def test_region_grow_stays_within_tolerance_and_connected():
    image = np.array(
        [
            [1.0, 1.1, 9.0, 1.0],
            [1.2, 9.0, 9.0, 1.0],
            [9.0, 9.0, 9.0, 1.0],
        ]
    )
    region = region_grow(image, seed_index=(0, 0), tolerance=0.5)
    # three connected pixels near 1.0; the right column is similar but not connected
    expected = np.zeros((3, 4), bool)
    expected[0, 0] = expected[0, 1] = expected[1, 0] = True
    np.testing.assert_array_equal(region, expected)


def test_region_grow_connectivity_2_crosses_diagonals():
    image = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert region_grow(image, seed_index=(0, 0), tolerance=0.1).sum() == 1
    assert region_grow(image, seed_index=(0, 0), tolerance=0.1, connectivity=2).sum() == 2


def test_region_grow_tolerance_zero_and_large():
    image = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert region_grow(image, seed_index=(0, 0), tolerance=0).sum() == 1
    assert region_grow(image, seed_index=(0, 0), tolerance=10).all()


def test_region_grow_errors():
    image = np.zeros((4, 4))
    with pytest.raises(TypeError, match="positional argument"):
        region_grow(image, (0, 0), tolerance=1)  # keyword-only: the index cannot be mistaken
    with pytest.raises(ValueError, match="seed_index must have 2 indices"):
        region_grow(image, seed_index=(1,), tolerance=1)
    with pytest.raises(ValueError, match="seed_index must lie inside image"):
        region_grow(image, seed_index=(4, 0), tolerance=1)
    with pytest.raises(ValueError, match="tolerance must be finite and >= 0"):
        region_grow(image, seed_index=(0, 0), tolerance=-1)
    with pytest.raises(ValueError, match="connectivity must be in 1..2"):
        region_grow(image, seed_index=(0, 0), tolerance=1, connectivity=3)


# --- largest_component ------------------------------------------------------------------


def test_largest_component_keeps_biggest():
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 0, 0, 0]])
    expected = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(largest_component(mask), expected)


def test_largest_component_connectivity_and_empty():
    diagonal = np.eye(3, dtype=bool)
    assert largest_component(diagonal).sum() == 1  # faces only: three 1-pixel pieces
    assert largest_component(diagonal, connectivity=2).sum() == 3
    empty = largest_component(np.zeros((3, 3), bool))
    assert empty.dtype == bool and not empty.any()


def test_largest_component_errors():
    with pytest.raises(ValueError, match="mask must be binary"):
        largest_component(np.array([[0, 2], [1, 1]]))
    with pytest.raises(ValueError, match="mask must be 2D or 3D"):
        largest_component(np.ones(4, bool))
    with pytest.raises(ValueError, match="connectivity must be in 1..2"):
        largest_component(np.ones((2, 2), bool), connectivity=3)


# --- clean_mask -------------------------------------------------------------------------


def test_clean_mask_fills_hole_and_drops_speck():
    mask = np.zeros((7, 7), bool)
    mask[1:6, 1:6] = True
    mask[3, 3] = False  # hole
    mask[0, 6] = True  # speck
    out = clean_mask(mask, opening_radius=0)
    assert out.sum() == 25  # the 5x5 square, hole filled, speck gone
    assert out[3, 3] and not out[0, 6]


def test_clean_mask_opening_cuts_thin_bridge():
    mask = np.zeros((9, 15), bool)
    mask[2:7, 1:6] = True
    mask[2:7, 9:14] = True
    mask[4, 6:9] = True  # one-pixel-wide bridge joins the squares
    out = clean_mask(mask, opening_radius=1, keep_largest=False)
    assert not out[4, 7]  # bridge removed by the opening
    assert out[4, 3] and out[4, 11]


def test_clean_mask_all_off_is_identity():
    mask = np.zeros((5, 5), bool)
    mask[0, 0] = mask[4, 4] = True
    out = clean_mask(mask, opening_radius=0, fill_holes=False, keep_largest=False)
    np.testing.assert_array_equal(out, mask)


def test_clean_mask_errors():
    with pytest.raises(ValueError, match="opening_radius must be >= 0"):
        clean_mask(np.ones((3, 3), bool), opening_radius=-1)
    with pytest.raises(ValueError, match="mask must be binary"):
        clean_mask(np.full((3, 3), 3))


# --- homomorphic_bias_correction -------------------------------------------------------


def test_bias_correction_flattens_a_ramp_and_keeps_scale():
    yy, xx = np.mgrid[0:40, 0:40]
    flat = np.full((40, 40), 50.0)
    gain = 1 + 0.3 * (xx - 19.5) / 19.5
    corrected, field = homomorphic_bias_correction(flat * gain, sigma_px=5)
    inner = (slice(None), slice(6, 34))
    assert corrected[inner].std() < 0.2 * (flat * gain)[inner].std()
    assert abs(corrected.mean() - 50.0) < 2.0  # field normalised to mean 1
    assert field[:, 30].mean() > field[:, 10].mean()  # field follows the ramp


def test_bias_correction_mask_outside_is_zero():
    image = np.full((10, 10), 5.0)
    mask = np.zeros((10, 10), bool)
    mask[2:8, 2:8] = True
    corrected, field = homomorphic_bias_correction(image, sigma_px=2, mask=mask)
    assert (corrected[~mask] == 0).all() and (field[~mask] == 1).all()
    np.testing.assert_allclose(corrected[mask], 5.0)  # a flat image stays flat


def test_bias_correction_errors():
    image = np.ones((5, 5))
    with pytest.raises(ValueError, match="image must be non-negative"):
        homomorphic_bias_correction(-image, sigma_px=1)
    with pytest.raises(ValueError, match="sigma_px must be finite and > 0"):
        homomorphic_bias_correction(image, sigma_px=0)
    with pytest.raises(ValueError, match="mask shape"):
        homomorphic_bias_correction(image, sigma_px=1, mask=np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="empty mask"):
        homomorphic_bias_correction(image, sigma_px=1, mask=np.zeros((5, 5), bool))
