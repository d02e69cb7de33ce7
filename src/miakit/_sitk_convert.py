"""NumPy <-> SimpleITK conversion that keeps the voxel geometry (private implementation).

Public as :mod:`miakit.sitk_io` (chapters 06 and 07); this module sits in the data layer
so that every layer may use it.

NumPy arrays are in (Z, Y, X) or (Y, X) order; SimpleITK images and physical points are
in (x, y, z) order and millimetres. These helpers hide that flip, and carry spacing,
origin and direction across, so that a SimpleITK filter (N4 bias correction, a
registration, a resampling) works in millimetres rather than in voxels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import SimpleITK as sitk

from ._checks import RNGLike, as_array, as_image, as_mask, as_rng, as_spacing, choice, positive_int

__all__ = ["ImageGeometry", "from_sitk", "image_geometry", "mask_points_mm", "to_sitk"]

PixelType = Literal["float32", "float64", "uint8", "int16", "int32"]
_PIXEL_TYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "uint8": np.uint8,
    "int16": np.int16,
    "int32": np.int32,
}


@dataclass(frozen=True)
class ImageGeometry:
    """Where the voxels of a SimpleITK image lie, in NumPy-friendly form.

    Attributes
    ----------
    shape : tuple of int
        Array shape in NumPy order (Z, Y, X) or (Y, X).
    spacing_mm : tuple of float
        Voxel size per NumPy axis (same order as ``shape``).
    origin_mm : tuple of float
        Physical position of the first voxel, SimpleITK (x, y[, z]) order.
    direction : ndarray of shape (D, D)
        Direction cosines, SimpleITK order: column ``j`` is the physical direction of
        image index axis ``j`` (x, y[, z]).
    """

    shape: tuple[int, ...]
    spacing_mm: tuple[float, ...]
    origin_mm: tuple[float, ...]
    direction: np.ndarray


def to_sitk(
    array: np.ndarray,
    *,
    spacing_mm: float | tuple[float, ...] | None = None,
    origin_mm: tuple[float, ...] | None = None,
    direction: np.ndarray | tuple[float, ...] | None = None,
    reference: sitk.Image | None = None,
    pixel_type: PixelType = "float32",
) -> sitk.Image:
    """Wrap a NumPy image as a SimpleITK image with its spacing, origin and direction.

    Parameters
    ----------
    array : ndarray of shape (Z, Y, X) or (Y, X)
        Real-valued (or boolean) image with finite values.
    spacing_mm : float or tuple of float, optional
        Voxel size per NumPy axis (same order as ``array.shape``); 1 mm if omitted.
    origin_mm : tuple of float, optional
        Physical position of the first voxel in SimpleITK (x, y, z) order; zeros if omitted.
    direction : array_like of shape (D, D) or (D*D,), optional
        Direction cosines in SimpleITK order (an orthonormal matrix); identity if omitted.
    reference : SimpleITK.Image, optional
        Copy spacing, origin and direction from this image (its size must match the
        array's shape); cannot be combined with the three arguments above.
    pixel_type : {"float32", "float64", "uint8", "int16", "int32"}
        Pixel type of the result: ``"uint8"`` for masks (N4 and most SimpleITK filters
        want an integer mask), ``"int16"``/``"int32"`` for label maps. Integer types
        need integer-valued input.

    Returns
    -------
    SimpleITK.Image
        Image whose size and spacing are the NumPy ones reversed.

    Raises
    ------
    TypeError
        If ``reference`` is not a SimpleITK image.
    ValueError
        If ``array`` is not 2D or 3D or contains NaN/inf, ``spacing_mm``, ``origin_mm``
        or ``direction`` has the wrong length or invalid values, ``reference`` is combined
        with them or its size does not match, ``pixel_type`` is unknown, or an integer
        ``pixel_type`` is asked for non-integer values.

    Examples
    --------
    >>> import numpy as np
    >>> from miakit.sitk_io import to_sitk
    >>> image = to_sitk(np.zeros((4, 5, 6)), spacing_mm=(3.0, 2.0, 1.0))
    >>> image.GetSize(), image.GetSpacing()
    ((6, 5, 4), (1.0, 2.0, 3.0))
    >>> mask = to_sitk(np.ones((4, 5, 6), dtype=bool), reference=image, pixel_type="uint8")
    >>> mask.GetPixelIDTypeAsString(), mask.GetSpacing()
    ('8-bit unsigned integer', (1.0, 2.0, 3.0))
    """
    data = as_image(array, "array", ndim=(2, 3))
    choice(pixel_type, "pixel_type", tuple(_PIXEL_TYPES))
    ndim = data.ndim
    if pixel_type not in ("float32", "float64") and not np.array_equal(data, np.round(data)):
        raise ValueError(f"pixel_type {pixel_type!r} needs integer values, got non-integers")
    image = sitk.GetImageFromArray(data.astype(_PIXEL_TYPES[pixel_type]))
    if reference is not None:
        if not isinstance(reference, sitk.Image):
            raise TypeError(f"reference must be a SimpleITK.Image, got {type(reference).__name__}")
        if spacing_mm is not None or origin_mm is not None or direction is not None:
            raise ValueError(
                "reference gives the geometry: do not pass spacing_mm, origin_mm or direction"
            )
        expected = tuple(reversed(reference.GetSize()))
        if data.shape != expected:
            raise ValueError(f"array shape {data.shape} does not match reference shape {expected}")
        image.CopyInformation(reference)
        return image
    image.SetSpacing(tuple(reversed(as_spacing(spacing_mm, ndim))))
    if origin_mm is not None:
        try:
            origin = tuple(float(v) for v in origin_mm)
        except (TypeError, ValueError):
            raise TypeError(f"origin_mm must be a tuple of numbers, got {origin_mm!r}") from None
        if not all(np.isfinite(origin)):
            raise ValueError(f"origin_mm must be finite, got {origin_mm!r}")
        if len(origin) != ndim:
            raise ValueError(
                f"origin_mm must have {ndim} values (x, y[, z]) for a {ndim}D array, got {len(origin)}"
            )
        image.SetOrigin(origin)
    if direction is not None:
        matrix = as_array(direction, "direction", kind="iuf").astype(np.float64).reshape(-1)
        if matrix.size != ndim * ndim:
            raise ValueError(
                f"direction must hold {ndim * ndim} values ({ndim} x {ndim}), got {matrix.size}"
            )
        square = matrix.reshape(ndim, ndim)
        if not np.allclose(square @ square.T, np.eye(ndim), atol=1e-6):
            raise ValueError(f"direction must be orthonormal, got {square.tolist()}")
        image.SetDirection(tuple(matrix))
    return image


def image_geometry(image: sitk.Image) -> ImageGeometry:
    """Shape, spacing, origin and direction of a SimpleITK image, in NumPy order.

    Parameters
    ----------
    image : SimpleITK.Image

    Returns
    -------
    ImageGeometry
        ``spacing_mm`` is in the order of the NumPy axes, so that
        ``to_sitk(from_sitk(image), spacing_mm=g.spacing_mm, origin_mm=g.origin_mm,
        direction=g.direction)`` rebuilds ``image``.

    Raises
    ------
    TypeError
        If ``image`` is not a SimpleITK image.

    Examples
    --------
    >>> import numpy as np
    >>> from miakit.sitk_io import image_geometry, to_sitk
    >>> geometry = image_geometry(to_sitk(np.zeros((4, 5, 6)), spacing_mm=(3.0, 2.0, 1.0)))
    >>> geometry.shape, geometry.spacing_mm
    ((4, 5, 6), (3.0, 2.0, 1.0))
    """
    if not isinstance(image, sitk.Image):
        raise TypeError(f"image must be a SimpleITK.Image, got {type(image).__name__}")
    ndim = image.GetDimension()
    return ImageGeometry(
        shape=tuple(reversed(image.GetSize())),
        spacing_mm=tuple(reversed(image.GetSpacing())),
        origin_mm=tuple(image.GetOrigin()),
        direction=np.asarray(image.GetDirection()).reshape(ndim, ndim),
    )


def from_sitk(image: sitk.Image) -> np.ndarray:
    """Copy a SimpleITK image into a NumPy array in (Z, Y, X) or (Y, X) order.

    Parameters
    ----------
    image : SimpleITK.Image

    Returns
    -------
    ndarray
        A copy of the voxel values; :func:`image_geometry` gives the spacing in the same
        axis order.

    Raises
    ------
    TypeError
        If ``image`` is not a SimpleITK image.

    Examples
    --------
    >>> import numpy as np
    >>> from miakit.sitk_io import from_sitk, to_sitk
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
    >>> from miakit.sitk_io import mask_points_mm, to_sitk
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
            pick = as_rng(rng).choice(index_zyx.shape[0], max_points, replace=False)
            index_zyx = index_zyx[np.sort(pick)]
    index_xyz = index_zyx[:, ::-1].astype(np.float64)
    ndim = mask_arr.ndim
    direction = np.asarray(reference.GetDirection()).reshape(ndim, ndim)
    spacing = np.asarray(reference.GetSpacing())
    origin = np.asarray(reference.GetOrigin())
    return origin + (index_xyz * spacing) @ direction.T
