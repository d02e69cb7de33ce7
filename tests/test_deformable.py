"""Tests of miakit.deformable: demons, B-spline, Jacobian determinant, label propagation."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from miakit.deformable import (
    jacobian_determinant,
    propagate_labels,
    register_bspline,
    register_demons,
)
from miakit.sitk_io import to_sitk


def _disc(radius: float, shape=(48, 48), centre=(24, 24)) -> np.ndarray:
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return (((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) < radius**2).astype(float)


# --- jacobian_determinant ------------------------------------------------------------


def test_jacobian_of_uniform_scaling_is_the_volume_ratio():
    # u = 0.1 * x along every axis of a 3D grid: J = 1.1 ** 3
    zz, yy, xx = np.mgrid[:6, :7, :8].astype(float)
    field = 0.1 * np.stack([zz, yy, xx], axis=-1)
    np.testing.assert_allclose(jacobian_determinant(field), 1.1**3, rtol=1e-12)


def test_jacobian_uses_spacing_and_agrees_with_simpleitk():
    rng = np.random.default_rng(0)
    from scipy import ndimage as ndi

    field = np.stack([ndi.gaussian_filter(rng.normal(size=(20, 24)), 4) for _ in range(2)], -1)
    spacing = (2.0, 0.5)
    ours = jacobian_determinant(field, spacing_mm=spacing)
    # the same field as a SimpleITK vector image: components in (x, y) order
    image = sitk.GetImageFromArray(field[..., ::-1], isVector=True)
    image.SetSpacing(spacing[::-1])
    theirs = jacobian_determinant(image)
    np.testing.assert_allclose(ours[1:-1, 1:-1], theirs[1:-1, 1:-1], atol=1e-10)


def test_jacobian_of_a_transform_needs_a_reference():
    grid = to_sitk(np.zeros((5, 6)))
    scale = sitk.ScaleTransform(2, (2.0, 1.5))  # area ratio 3
    # SimpleITK's filter halves the derivative on the border voxels: compare the interior
    np.testing.assert_allclose(jacobian_determinant(scale, reference=grid)[1:-1, 1:-1], 3.0)
    with pytest.raises(ValueError, match="reference is required to sample a transform"):
        jacobian_determinant(scale)
    with pytest.raises(TypeError, match="reference must be a SimpleITK.Image, got ndarray"):
        jacobian_determinant(scale, reference=np.zeros((5, 6)))


def test_jacobian_rejects_bad_fields():
    with pytest.raises(ValueError, match=r"shape \(Z, Y, X, 3\) or \(Y, X, 2\), got \(4, 4, 3\)"):
        jacobian_determinant(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="displacement must be 3D or 4D"):
        jacobian_determinant(np.zeros((4, 4)))
    bad = np.zeros((4, 4, 2))
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="finite values"):
        jacobian_determinant(bad)
    with pytest.raises(ValueError, match="reference is only used with a transform"):
        jacobian_determinant(np.zeros((4, 4, 2)), reference=to_sitk(np.zeros((4, 4))))
    with pytest.raises(ValueError, match="vector field with one component per dimension"):
        jacobian_determinant(to_sitk(np.zeros((4, 4))))
    with pytest.raises(ValueError, match="spacing_mm must be positive"):
        jacobian_determinant(np.zeros((4, 4, 2)), spacing_mm=(1.0, 0.0))


# --- register_demons -------------------------------------------------------------------


def test_demons_expands_a_small_disc_onto_a_larger_one():
    fixed, moving = to_sitk(_disc(10)), to_sitk(_disc(12))
    result = register_demons(fixed, moving, match_histograms=False, iterations=100)
    # fixed points inside the small disc map to the larger one: J > 1 inside, no folding
    assert result.jacobian.min() > 0
    assert result.jacobian[20:29, 20:29].mean() > 1.15
    warped = sitk.GetArrayFromImage(sitk.Resample(moving, fixed, result.transform))
    assert np.abs(warped - _disc(10)).mean() < 0.5 * np.abs(_disc(12) - _disc(10)).mean()
    assert result.iterations == 100 and "RMS change" in result.stop_condition


def test_demons_inverse_maps_back():
    fixed, moving = to_sitk(_disc(10)), to_sitk(_disc(12))
    shift = sitk.TranslationTransform(2, (1.0, -2.0))
    result = register_demons(fixed, moving, initial_transform=shift, match_histograms=False)
    point = (24.0, 20.0)
    there = result.transform.TransformPoint(point)
    back = result.inverse().TransformPoint(there)
    np.testing.assert_allclose(back, point, atol=0.2)


def test_demons_rejects_bad_inputs():
    fixed = to_sitk(_disc(10))
    with pytest.raises(TypeError, match="moving must be a SimpleITK.Image, got ndarray"):
        register_demons(fixed, _disc(10))
    with pytest.raises(ValueError, match="both be 2D or 3D, got 2D and 3D"):
        register_demons(fixed, to_sitk(np.zeros((4, 4, 4))))
    with pytest.raises(ValueError, match="field_sigma_voxels must be finite and > 0, got 0"):
        register_demons(fixed, fixed, field_sigma_voxels=0)
    with pytest.raises(ValueError, match="iterations must be >= 1, got 0"):
        register_demons(fixed, fixed, iterations=0)
    with pytest.raises(TypeError, match="initial_transform must be a SimpleITK.Transform"):
        register_demons(fixed, fixed, initial_transform=np.eye(3))
    with pytest.raises(ValueError, match="initial_transform must be 2D like the images, got 3D"):
        register_demons(fixed, fixed, initial_transform=sitk.TranslationTransform(3))
    with pytest.raises(TypeError, match="match_histograms must be True or False"):
        register_demons(fixed, fixed, match_histograms="yes")


# --- register_bspline -----------------------------------------------------------------


def test_bspline_with_mutual_information_works_on_inverted_contrast():
    yy, xx = np.mgrid[:48, :48]
    fixed_np = np.exp(-((yy - 24) ** 2 + (xx - 22) ** 2) / 80.0)
    moving_np = 1.0 - np.exp(-((yy - 24) ** 2 + (xx - 25) ** 2) / 80.0)  # inverted, moved 3 px
    result = register_bspline(to_sitk(fixed_np), to_sitk(moving_np), sampling_fraction=1.0)
    shift = result.transform.TransformPoint((22.0, 24.0))[0] - 22.0
    assert 1.5 < shift < 4.0, shift
    assert result.jacobian.min() > 0
    assert isinstance(result.stop_condition, str) and result.iterations >= 1


def test_bspline_rejects_bad_inputs():
    fixed = to_sitk(_disc(10))
    with pytest.raises(ValueError, match="mesh_size must have 2 values"):
        register_bspline(fixed, fixed, mesh_size=(3, 3, 3))
    with pytest.raises(ValueError, match="mesh_size must be >= 1, got 0"):
        register_bspline(fixed, fixed, mesh_size=0)
    with pytest.raises(ValueError, match="metric must be one of"):
        register_bspline(fixed, fixed, metric="ncc")
    with pytest.raises(ValueError, match="histogram_bins must be >= 8, got 2"):
        register_bspline(fixed, fixed, histogram_bins=2)
    with pytest.raises(ValueError, match="same non-zero length"):
        register_bspline(fixed, fixed, shrink_factors=(2, 1), smoothing_sigmas_mm=(1.0,))
    with pytest.raises(ValueError, match=r"sampling_fraction must be in \(0, 1\]"):
        register_bspline(fixed, fixed, sampling_fraction=0.0)
    with pytest.raises(ValueError, match="seed must be >= 1, got 0"):
        register_bspline(fixed, fixed, seed=0)


# --- propagate_labels --------------------------------------------------------------------


def test_propagate_labels_keeps_label_values_and_dtype():
    grid = to_sitk(np.zeros((12, 12)), spacing_mm=(2.0, 1.0))
    labels = np.zeros((12, 12), dtype=np.uint8)
    labels[2:6, 2:6], labels[7:10, 6:10] = 1, 3
    turned = sitk.Euler2DTransform((6.0, 12.0), 0.3)
    for interpolator in ("nearest", "label_gaussian"):
        out = propagate_labels(
            labels, turned, reference=grid, labels_grid=grid, interpolator=interpolator
        )
        assert out.dtype == np.uint8 and set(np.unique(out)) <= {0, 1, 3}
    same = propagate_labels(labels, sitk.Euler2DTransform(), reference=grid, labels_grid=grid)
    np.testing.assert_array_equal(same, labels)
    image = to_sitk(labels, reference=grid, pixel_type="int16")
    from_image = propagate_labels(image, sitk.Euler2DTransform(), reference=grid)
    assert from_image.dtype == np.int32
    np.testing.assert_array_equal(from_image, labels)


def test_propagate_labels_rejects_bad_inputs():
    grid = to_sitk(np.zeros((4, 4)))
    labels = np.zeros((4, 4), dtype=int)
    ident = sitk.Euler2DTransform()
    with pytest.raises(ValueError, match="labels_grid is required for NumPy labels"):
        propagate_labels(labels, ident, reference=grid)
    with pytest.raises(ValueError, match=r"labels shape \(3, 4\) does not match labels_grid"):
        propagate_labels(labels[:3], ident, reference=grid, labels_grid=grid)
    with pytest.raises(TypeError, match="labels must have dtype kind"):
        propagate_labels(labels + 0.5, ident, reference=grid, labels_grid=grid)
    with pytest.raises(TypeError, match="transform must be a SimpleITK.Transform"):
        propagate_labels(labels, np.eye(3), reference=grid, labels_grid=grid)
    with pytest.raises(TypeError, match="reference must be a SimpleITK.Image"):
        propagate_labels(labels, ident, reference=labels, labels_grid=grid)
    with pytest.raises(TypeError, match="labels_grid must be a SimpleITK.Image"):
        propagate_labels(labels, ident, reference=grid, labels_grid=labels)
    with pytest.raises(ValueError, match="interpolator must be one of"):
        propagate_labels(labels, ident, reference=grid, labels_grid=grid, interpolator="linear")
