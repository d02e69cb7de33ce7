"""Jacobian determinant and label propagation (private; public in :mod:`miakit.deformable`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import SimpleITK as sitk

from ._checks import as_array, as_spacing, choice

__all__ = ["jacobian_determinant", "propagate_labels"]

LabelInterpolator = Literal["nearest", "label_gaussian"]


def jacobian_determinant(
    displacement: sitk.Image | sitk.Transform | np.ndarray,
    *,
    reference: sitk.Image | None = None,
    spacing_mm: float | tuple[float, ...] | None = None,
) -> np.ndarray:
    """Local volume ratio det(I + grad u) of a deformation x -> x + u(x).

    Parameters
    ----------
    displacement : SimpleITK.Image, SimpleITK.Transform or ndarray
        A SimpleITK displacement field (vector pixels, mm); or any SimpleITK transform,
        sampled on the grid of ``reference``; or a NumPy field of shape (Z, Y, X, 3) or
        (Y, X, 2) in mm whose last axis holds the components in NumPy axis order
        (u_z, u_y, u_x), on a grid with voxel size ``spacing_mm``.
    reference : SimpleITK.Image, optional
        The grid on which to sample a transform (required for a transform, not allowed
        otherwise).
    spacing_mm : float or tuple of float, optional
        Voxel size of a NumPy field (NumPy axis order); 1 mm if omitted.

    Returns
    -------
    ndarray of shape (Z, Y, X) or (Y, X)
        J > 1 where the map expands (the moving image holds more volume than the fixed
        one there), J < 1 where it shrinks, J <= 0 where it folds.

    Raises
    ------
    TypeError
        If ``displacement`` or ``reference`` has the wrong type.
    ValueError
        If a transform comes without ``reference`` (or a field with one), a NumPy field
        has the wrong shape or non-finite values, or ``spacing_mm`` is invalid.

    Notes
    -----
    Integrating J over a region of the fixed image gives the volume of the
    corresponding region of the moving image: the basis of Jacobian-based (tensor-based)
    morphometry of atrophy and growth. Derivatives are central differences; on the
    border voxels SimpleITK's filter (used for SimpleITK fields and transforms) halves
    them, while the NumPy path uses one-sided differences: read J away from the border.

    Examples
    --------
    A uniform expansion by 10 % along x doubles nothing but x: J = 1.1 everywhere.

    >>> from miakit.deformable import jacobian_determinant
    >>> zz, yy, xx = np.mgrid[:8, :8, :8].astype(float)
    >>> field = np.stack([0 * zz, 0 * yy, 0.1 * xx], axis=-1)
    >>> float(jacobian_determinant(field).mean().round(6))
    1.1
    """
    if isinstance(displacement, sitk.Transform):
        if reference is None:
            raise ValueError("reference is required to sample a transform, got None")
        if not isinstance(reference, sitk.Image):
            raise TypeError(f"reference must be a SimpleITK.Image, got {type(reference).__name__}")
        displacement = sitk.TransformToDisplacementField(
            displacement,
            sitk.sitkVectorFloat64,
            reference.GetSize(),
            reference.GetOrigin(),
            reference.GetSpacing(),
            reference.GetDirection(),
        )
    elif reference is not None:
        raise ValueError("reference is only used with a transform; a field has its own grid")
    if isinstance(displacement, sitk.Image):
        if displacement.GetNumberOfComponentsPerPixel() != displacement.GetDimension():
            raise ValueError(
                "displacement must be a vector field with one component per dimension, got "
                f"{displacement.GetNumberOfComponentsPerPixel()} components in "
                f"{displacement.GetDimension()}D"
            )
        field = sitk.Cast(displacement, sitk.sitkVectorFloat64)
        return sitk.GetArrayFromImage(sitk.DisplacementFieldJacobianDeterminant(field))
    field_np = as_array(displacement, "displacement", ndim=(3, 4), kind="iuf").astype(float)
    ndim = field_np.ndim - 1
    if field_np.shape[-1] != ndim:
        raise ValueError(
            f"displacement must have shape (Z, Y, X, 3) or (Y, X, 2), got {field_np.shape}"
        )
    if not np.all(np.isfinite(field_np)):
        raise ValueError("displacement must contain only finite values, found NaN or inf")
    spacing = as_spacing(spacing_mm, ndim)
    gradient = np.empty(field_np.shape[:-1] + (ndim, ndim))
    for i in range(ndim):  # d u_i / d x_j, NumPy axis order
        parts = np.gradient(field_np[..., i], *spacing)
        for j in range(ndim):
            gradient[..., i, j] = parts[j] if ndim > 1 else parts
    return np.linalg.det(gradient + np.eye(ndim))


def propagate_labels(
    labels: np.ndarray | sitk.Image,
    transform: sitk.Transform,
    *,
    reference: sitk.Image,
    labels_grid: sitk.Image | None = None,
    interpolator: LabelInterpolator = "nearest",
) -> np.ndarray:
    """Carry a label map through a registration onto the grid of ``reference``.

    Parameters
    ----------
    labels : ndarray of int or SimpleITK.Image
        Label map of the moving image (0 = background). A NumPy array needs
        ``labels_grid`` for its geometry.
    transform : SimpleITK.Transform
        Reference-space points to label-space points (a registration result with the
        reference as the fixed image).
    reference : SimpleITK.Image
        The output grid (the fixed image).
    labels_grid : SimpleITK.Image, optional
        Image whose spacing, origin and direction the NumPy ``labels`` share.
    interpolator : {"nearest", "label_gaussian"}
        Nearest neighbour, or SimpleITK's label-wise Gaussian (smoother borders).

    Returns
    -------
    ndarray of shape (Z, Y, X) or (Y, X)
        Labels on the reference grid, dtype of the input (int32 for an image); 0 outside.

    Raises
    ------
    TypeError
        If an argument has the wrong type, or NumPy ``labels`` are not integers.
    ValueError
        If NumPy ``labels`` come without ``labels_grid`` or do not match its shape, or
        ``interpolator`` is unknown.

    Examples
    --------
    >>> from miakit.deformable import propagate_labels
    >>> from miakit.sitk_io import to_sitk
    >>> grid = to_sitk(np.zeros((6, 6)))
    >>> labels = np.zeros((6, 6), dtype=np.int16)
    >>> labels[1:3, 1:3] = 2
    >>> shift = sitk.TranslationTransform(2, (1.0, 0.0))  # reference x -> label x + 1
    >>> propagate_labels(labels, shift, reference=grid, labels_grid=grid)[1]
    array([2, 2, 0, 0, 0, 0], dtype=int16)
    """
    if not isinstance(transform, sitk.Transform):
        raise TypeError(f"transform must be a SimpleITK.Transform, got {type(transform).__name__}")
    if not isinstance(reference, sitk.Image):
        raise TypeError(f"reference must be a SimpleITK.Image, got {type(reference).__name__}")
    choice(interpolator, "interpolator", ("nearest", "label_gaussian"))
    if isinstance(labels, sitk.Image):
        label_image = sitk.Cast(labels, sitk.sitkInt32)
        dtype = np.dtype(np.int32)
    else:
        array = as_array(labels, "labels", ndim=(2, 3), kind="iub")
        if labels_grid is None:
            raise ValueError("labels_grid is required for NumPy labels (their geometry), got None")
        if not isinstance(labels_grid, sitk.Image):
            raise TypeError(
                f"labels_grid must be a SimpleITK.Image, got {type(labels_grid).__name__}"
            )
        expected = tuple(reversed(labels_grid.GetSize()))
        if array.shape != expected:
            raise ValueError(f"labels shape {array.shape} does not match labels_grid {expected}")
        dtype = array.dtype if array.dtype != bool else np.dtype(np.uint8)
        label_image = sitk.GetImageFromArray(array.astype(np.int32))
        label_image.CopyInformation(labels_grid)
    method = sitk.sitkNearestNeighbor if interpolator == "nearest" else sitk.sitkLabelGaussian
    moved = sitk.Resample(label_image, reference, transform, method, 0)
    return sitk.GetArrayFromImage(moved).astype(dtype)
