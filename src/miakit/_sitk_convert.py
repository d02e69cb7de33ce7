"""NumPy <-> SimpleITK conversion and mask-to-points helpers (private).

Public through :mod:`miakit.registration` (chapter 07): import :func:`to_sitk`,
:func:`from_sitk` and :func:`mask_points_mm` from there.

NumPy arrays are in (Z, Y, X) or (Y, X) order; SimpleITK images and physical points are
in (x, y, z) order and millimetres. These helpers hide that flip.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from ._checks import RNGLike, as_image, as_mask, as_spacing, positive_int

__all__ = ["from_sitk", "mask_points_mm", "to_sitk"]


def to_sitk(
    array: np.ndarray,
    *,
    spacing_mm: float | tuple[float, ...] | None = None,
    origin_mm: tuple[float, ...] | None = None,
) -> sitk.Image:
    """Wrap a NumPy image as a SimpleITK image with spacing and origin.

    Parameters
    ----------
    array : ndarray of shape (Z, Y, X) or (Y, X)
        Real-valued image; converted to float32.
    spacing_mm : float or tuple of float, optional
        Voxel size per NumPy axis (same order as ``array.shape``); 1 mm if omitted.
    origin_mm : tuple of float, optional
        Physical position of the first voxel in SimpleITK (x, y, z) order; zeros if omitted.

    Returns
    -------
    SimpleITK.Image
        Image whose size and spacing are the NumPy ones reversed, identity direction.

    Raises
    ------
    ValueError
        If ``array`` is not 2D or 3D, contains NaN/inf, ``spacing_mm`` has the wrong
        length or is not positive, or ``origin_mm`` has the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> from miakit.registration import to_sitk
    >>> image = to_sitk(np.zeros((4, 5, 6)), spacing_mm=(3.0, 2.0, 1.0))
    >>> image.GetSize(), image.GetSpacing()
    ((6, 5, 4), (1.0, 2.0, 3.0))
    """
    data = as_image(array, "array", ndim=(2, 3))
    spacing = as_spacing(spacing_mm, data.ndim)
    image = sitk.GetImageFromArray(data.astype(np.float32))
    image.SetSpacing(tuple(reversed(spacing)))
    if origin_mm is not None:
        origin = tuple(float(v) for v in origin_mm)
        if len(origin) != data.ndim:
            raise ValueError(
                f"origin_mm must have {data.ndim} values (x, y[, z]), got {len(origin)}"
            )
        image.SetOrigin(origin)
    return image


def from_sitk(image: sitk.Image) -> np.ndarray:
    """Copy a SimpleITK image into a NumPy array in (Z, Y, X) or (Y, X) order.

    Parameters
    ----------
    image : SimpleITK.Image

    Returns
    -------
    ndarray
        A copy of the voxel values (spacing is available from ``image.GetSpacing()``).

    Raises
    ------
    TypeError
        If ``image`` is not a SimpleITK image.

    Examples
    --------
    >>> import numpy as np
    >>> from miakit.registration import from_sitk, to_sitk
    >>> from_sitk(to_sitk(np.ones((2, 3)))).shape
    (2, 3)
    """
    if not isinstance(image, sitk.Image):
        raise TypeError(f"image must be a SimpleITK.Image, got {type(image).__name__}")
    return sitk.GetArrayFromImage(image)


def mask_points_mm(
    mask: np.ndarray,
    reference: sitk.Image,
    *,
    max_points: int | None = None,
    rng: RNGLike = None,
) -> np.ndarray:
    """Physical (x, y, z) positions in mm of the voxels inside a mask.

    Parameters
    ----------
    mask : ndarray of bool, shape (Z, Y, X) or (Y, X)
        Voxels to convert, on the grid of ``reference`` (NumPy order).
    reference : SimpleITK.Image
        Gives the spacing, origin and direction of the grid.
    max_points : int, optional
        If given and the mask holds more voxels, a random subset of this size.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the subset.

    Returns
    -------
    ndarray of shape (N, D)
        Points in SimpleITK order (x, y[, z]), millimetres.

    Raises
    ------
    ValueError
        If ``mask`` is not binary, is empty, or its shape does not match ``reference``.

    Examples
    --------
    >>> import numpy as np
    >>> from miakit.registration import mask_points_mm, to_sitk
    >>> ref = to_sitk(np.zeros((3, 4)), spacing_mm=(2.0, 1.0))
    >>> mask_points_mm(np.eye(3, 4, dtype=bool), ref)
    array([[0., 0.],
           [1., 2.],
           [2., 4.]])
    """
    mask_arr = as_mask(mask, "mask", ndim=(2, 3))
    if not isinstance(reference, sitk.Image):
        raise TypeError(f"reference must be a SimpleITK.Image, got {type(reference).__name__}")
    expected = tuple(reversed(reference.GetSize()))
    if mask_arr.shape != expected:
        raise ValueError(f"mask shape {mask_arr.shape} does not match reference shape {expected}")
    index_zyx = np.argwhere(mask_arr)
    if index_zyx.shape[0] == 0:
        raise ValueError("mask must contain at least one True voxel, got an empty mask")
    if max_points is not None:
        max_points = positive_int(max_points, "max_points")
        if index_zyx.shape[0] > max_points:
            pick = np.random.default_rng(rng).choice(index_zyx.shape[0], max_points, replace=False)
            index_zyx = index_zyx[np.sort(pick)]
    index_xyz = index_zyx[:, ::-1].astype(np.float64)
    ndim = mask_arr.ndim
    direction = np.asarray(reference.GetDirection()).reshape(ndim, ndim)
    spacing = np.asarray(reference.GetSpacing())
    origin = np.asarray(reference.GetOrigin())
    return origin + (index_xyz * spacing) @ direction.T
