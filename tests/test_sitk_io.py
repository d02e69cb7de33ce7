"""Tests of miakit.sitk_io: NumPy <-> SimpleITK conversion keeps the geometry."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from miakit.sitk_io import image_geometry, to_sitk


def test_to_sitk_keeps_direction_and_reference_geometry():
    flip = np.diag([-1.0, 1.0, 1.0])
    image = to_sitk(np.zeros((2, 3, 4)), spacing_mm=(5.0, 2.0, 1.0), direction=flip)
    geometry = image_geometry(image)
    assert geometry.spacing_mm == (5.0, 2.0, 1.0) and geometry.shape == (2, 3, 4)
    np.testing.assert_array_equal(geometry.direction, flip)
    mask = to_sitk(np.ones((2, 3, 4), dtype=bool), reference=image, pixel_type="uint8")
    assert mask.GetPixelID() == sitk.sitkUInt8
    assert mask.GetSpacing() == image.GetSpacing() and mask.GetDirection() == image.GetDirection()


def test_sitk_io_rejects_bad_geometry():
    image = to_sitk(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="direction must be orthonormal"):
        to_sitk(np.zeros((2, 3)), direction=[2.0, 0.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="direction must hold 4 values"):
        to_sitk(np.zeros((2, 3)), direction=np.eye(3))
    with pytest.raises(ValueError, match=r"does not match reference shape \(2, 3\)"):
        to_sitk(np.zeros((3, 3)), reference=image)
    with pytest.raises(ValueError, match="reference gives the geometry"):
        to_sitk(np.zeros((2, 3)), reference=image, spacing_mm=2.0)
    with pytest.raises(TypeError, match="reference must be a SimpleITK.Image"):
        to_sitk(np.zeros((2, 3)), reference=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="pixel_type 'uint8' needs integer values"):
        to_sitk(np.full((2, 3), 0.5), pixel_type="uint8")
    with pytest.raises(ValueError, match="pixel_type must be one of"):
        to_sitk(np.zeros((2, 3)), pixel_type="int8")
    with pytest.raises(ValueError, match="origin_mm must be finite"):
        to_sitk(np.zeros((2, 3)), origin_mm=(0.0, np.nan))
    with pytest.raises(TypeError, match="origin_mm must be a tuple of numbers"):
        to_sitk(np.zeros((2, 3)), origin_mm="left")
    with pytest.raises(TypeError, match="image must be a SimpleITK.Image"):
        image_geometry(np.zeros((2, 3)))
