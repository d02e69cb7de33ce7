"""NumPy <-> SimpleITK conversion that keeps the voxel geometry (chapters 06 and 07).

NumPy arrays are in (Z, Y, X) or (Y, X) order; SimpleITK images and physical points are
in (x, y, z) order and millimetres. :func:`to_sitk` and :func:`from_sitk` hide that flip
and carry spacing, origin and direction across (:func:`image_geometry` reads them back in
NumPy order), so that a SimpleITK filter (N4 bias correction, a registration, a
resampling) works in millimetres rather than in voxels. :func:`mask_points_mm` turns a
mask into physical points.

Examples
--------
N4 bias correction with the voxel spacing kept (the mask must be an integer image):

>>> import numpy as np
>>> import SimpleITK as sitk
>>> from miakit.sitk_io import from_sitk, to_sitk
>>> volume = np.random.default_rng(0).uniform(1.0, 2.0, size=(8, 16, 16))
>>> image = to_sitk(volume, spacing_mm=(3.0, 1.0, 1.0))
>>> mask = to_sitk(volume > 0, reference=image, pixel_type="uint8")
>>> corrected = sitk.N4BiasFieldCorrection(image, mask)
>>> corrected.GetSpacing(), from_sitk(corrected).shape
((1.0, 1.0, 3.0), (8, 16, 16))
"""

from ._sitk_convert import ImageGeometry, from_sitk, image_geometry, mask_points_mm, to_sitk

__all__ = ["ImageGeometry", "from_sitk", "image_geometry", "mask_points_mm", "to_sitk"]
