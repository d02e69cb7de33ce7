"""Deformable registration recipes on SimpleITK (taught in chapter 07).

Each recipe starts from a linear transform (usually :func:`miakit.registration.register_linear`)
and returns a :class:`DeformableResult` whose ``transform`` maps points of the *fixed*
image to the *moving* image, like every SimpleITK registration: resampling the moving
image (or its labels) with it puts them on the fixed grid. :func:`jacobian_determinant`
gives the local volume ratio of a deformation, the check for folding and the basis of
Jacobian-based (tensor-based) measurement of atrophy or growth; :func:`propagate_labels`
carries a label map through a transform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import SimpleITK as sitk

from ._checks import choice, positive, positive_int, probability
from ._warp_tools import jacobian_determinant, propagate_labels

__all__ = [
    "DeformableResult",
    "jacobian_determinant",
    "propagate_labels",
    "register_bspline",
    "register_demons",
]

BsplineMetric = Literal["mutual_information", "mean_squares", "correlation"]


@dataclass(frozen=True)
class DeformableResult:
    """Outcome of :func:`register_demons` or :func:`register_bspline`.

    Attributes
    ----------
    transform : SimpleITK.CompositeTransform
        Fixed-space points (mm) to moving-space points (mm): the deformation is applied
        first, then the initial (linear) transform.
    field : SimpleITK.Image
        The deformation alone as a displacement field (mm, vector pixels) on the fixed grid.
    jacobian : ndarray of shape (Z, Y, X) or (Y, X)
        Jacobian determinant of the deformation alone (local volume ratio, moving over
        fixed); a value <= 0 means the map folds.
    iterations : int
        Iterations run by the deformable optimizer.
    stop_condition : str
        Why the optimizer stopped.
    """

    transform: sitk.Transform
    field: sitk.Image
    jacobian: np.ndarray
    iterations: int
    stop_condition: str

    def inverse(self, *, iterations: int = 20) -> sitk.Transform:
        """Moving-space points to fixed-space points (the field inverted numerically).

        Parameters
        ----------
        iterations : int
            Fixed-point iterations of SimpleITK's ``InvertDisplacementField``.

        Returns
        -------
        SimpleITK.CompositeTransform
            Maps moving points back to fixed points, e.g. to carry fixed-space labels onto
            the moving scan. Exact for the linear part, approximate for the field.

        Raises
        ------
        ValueError
            If the initial transform has no inverse.
        """
        iterations = positive_int(iterations, "iterations")
        inverse_field = sitk.InvertDisplacementField(
            self.field, maximumNumberOfIterations=iterations, maxErrorToleranceThreshold=0.01
        )
        inverse = sitk.CompositeTransform(_displacement(inverse_field))
        linear = _initial_part(self.transform)
        if linear is not None:
            inverse.AddTransform(linear.GetInverse())
        return inverse


def _check_pair(fixed: object, moving: object) -> int:
    for name, image in (("fixed", fixed), ("moving", moving)):
        if not isinstance(image, sitk.Image):
            raise TypeError(f"{name} must be a SimpleITK.Image, got {type(image).__name__}")
    dim = fixed.GetDimension()  # type: ignore[union-attr]
    if dim not in (2, 3) or moving.GetDimension() != dim:  # type: ignore[union-attr]
        raise ValueError(
            f"fixed and moving must both be 2D or 3D, got {dim}D and {moving.GetDimension()}D"  # type: ignore[union-attr]
        )
    return dim


def _check_initial(initial_transform: object, dim: int) -> sitk.Transform:
    if initial_transform is None:
        return sitk.TranslationTransform(dim)
    if not isinstance(initial_transform, sitk.Transform):
        raise TypeError(
            "initial_transform must be a SimpleITK.Transform, got "
            f"{type(initial_transform).__name__}"
        )
    if initial_transform.GetDimension() != dim:
        raise ValueError(
            f"initial_transform must be {dim}D like the images, got "
            f"{initial_transform.GetDimension()}D"
        )
    return initial_transform


def _displacement(field: sitk.Image) -> sitk.DisplacementFieldTransform:
    return sitk.DisplacementFieldTransform(sitk.Cast(field, sitk.sitkVectorFloat64))


def _initial_part(transform: sitk.Transform) -> sitk.Transform | None:
    # DeformableResult.transform is Composite([initial, deformation]); return `initial`
    composite = sitk.CompositeTransform(transform)
    if composite.GetNumberOfTransforms() < 2:
        return None
    return composite.GetNthTransform(0)


def register_demons(
    fixed: sitk.Image,
    moving: sitk.Image,
    *,
    initial_transform: sitk.Transform | None = None,
    iterations: int = 50,
    field_sigma_voxels: float = 1.5,
    match_histograms: bool = True,
) -> DeformableResult:
    """Demons registration of ``moving`` to ``fixed`` after a linear start.

    The moving image is resampled onto the fixed grid through ``initial_transform``,
    optionally histogram-matched to the fixed image, and registered with SimpleITK's
    fast symmetric-forces demons.

    Parameters
    ----------
    fixed, moving : SimpleITK.Image
        Scalar images of the same dimension (2D or 3D), the **same contrast**: the demons
        force is the intensity difference.
    initial_transform : SimpleITK.Transform, optional
        Linear start (fixed to moving points), e.g. an affine registration's result;
        identity if omitted.
    iterations : int
        Demons iterations.
    field_sigma_voxels : float > 0
        Standard deviation (in voxels, as ITK's demons filters take it) of the Gaussian
        that smooths the displacement field after every iteration: the regularization.
        Small values let the field follow noise and fold.
    match_histograms : bool
        Map the moving intensities onto the fixed ones first (7 match points, background
        below the mean ignored). Keeps the order of intensities, so it cannot make two
        contrasts comparable.

    Returns
    -------
    DeformableResult

    Raises
    ------
    TypeError
        If an image or ``initial_transform`` has the wrong type.
    ValueError
        If the dimensions differ, ``iterations`` < 1 or ``field_sigma_voxels`` <= 0.

    Notes
    -----
    Each iteration moves every voxel along the image gradient by an amount set by the
    intensity difference (Thirion's demons [1]_), then smooths the displacement field.

    References
    ----------
    .. [1] J.-P. Thirion, "Image matching as a diffusion process: an analogy with
       Maxwell's demons", Medical Image Analysis 2(3), 243-260, 1998.

    Examples
    --------
    >>> from miakit.sitk_io import to_sitk
    >>> yy, xx = np.mgrid[:48, :48]
    >>> fixed = to_sitk(((yy - 24) ** 2 + (xx - 24) ** 2 < 100).astype(float))
    >>> moving = to_sitk(((yy - 24) ** 2 + (xx - 24) ** 2 < 144).astype(float))
    >>> result = register_demons(fixed, moving, match_histograms=False)
    >>> bool(result.jacobian.min() > 0), bool(result.jacobian[24, 24] > 1.1)
    (True, True)
    """
    dim = _check_pair(fixed, moving)
    initial = _check_initial(initial_transform, dim)
    iterations = positive_int(iterations, "iterations")
    sigma = positive(field_sigma_voxels, "field_sigma_voxels")
    if not isinstance(match_histograms, bool):
        raise TypeError(f"match_histograms must be True or False, got {match_histograms!r}")
    fixed_f = sitk.Cast(fixed, sitk.sitkFloat32)
    on_fixed = sitk.Resample(
        sitk.Cast(moving, sitk.sitkFloat32), fixed_f, initial, sitk.sitkLinear, 0.0
    )
    if match_histograms:
        on_fixed = sitk.HistogramMatching(
            on_fixed,
            fixed_f,
            numberOfHistogramLevels=64,
            numberOfMatchPoints=7,
            thresholdAtMeanIntensity=True,
        )
    demons = sitk.FastSymmetricForcesDemonsRegistrationFilter()
    demons.SetNumberOfIterations(iterations)
    demons.SetStandardDeviations(sigma)
    field = demons.Execute(fixed_f, on_fixed)
    transform = sitk.CompositeTransform([initial, _displacement(field)])
    return DeformableResult(
        transform=transform,
        field=field,
        jacobian=jacobian_determinant(field),
        iterations=int(demons.GetElapsedIterations()),
        stop_condition=f"{demons.GetElapsedIterations()} iterations, "
        f"RMS change {demons.GetRMSChange():.3g} mm",
    )


def register_bspline(
    fixed: sitk.Image,
    moving: sitk.Image,
    *,
    initial_transform: sitk.Transform | None = None,
    mesh_size: int | Sequence[int] = 3,
    metric: BsplineMetric = "mutual_information",
    histogram_bins: int = 32,
    shrink_factors: tuple[int, ...] = (2,),
    smoothing_sigmas_mm: tuple[float, ...] = (1.0,),
    iterations: int = 20,
    sampling_fraction: float = 0.2,
    seed: int = 1,
) -> DeformableResult:
    """B-spline free-form deformation of ``moving`` to ``fixed`` after a linear start.

    Parameters
    ----------
    fixed, moving : SimpleITK.Image
        Scalar images of the same dimension (2D or 3D); any contrasts with
        ``metric="mutual_information"``.
    initial_transform : SimpleITK.Transform, optional
        Linear start (fixed to moving points), kept fixed while the B-spline is optimized.
    mesh_size : int or sequence of int
        Control-point spans per axis (x, y[, z]) over the fixed image: the coarser, the
        smoother the deformation.
    metric : {"mutual_information", "mean_squares", "correlation"}
        Similarity metric; mutual information works across contrasts.
    histogram_bins : int >= 8
        Joint-histogram bins for mutual information.
    shrink_factors, smoothing_sigmas_mm : tuple
        Pyramid levels, coarse first.
    iterations : int
        L-BFGS-B iterations per level.
    sampling_fraction : float in (0, 1]
        Fraction of fixed voxels sampled (with ``seed``) for the metric.
    seed : int >= 1
        Sampling seed (0 would mean "from the clock" in SimpleITK).

    Returns
    -------
    DeformableResult

    Raises
    ------
    TypeError
        If an image or ``initial_transform`` has the wrong type.
    ValueError
        If the dimensions differ, ``metric`` is unknown, ``mesh_size`` has the wrong
        length or values < 1, the pyramid lists differ in length, or another option is
        out of range.

    Notes
    -----
    The displacement is a cubic B-spline through a grid of control points [1]_; the
    optimizer moves the control points to improve the metric.

    References
    ----------
    .. [1] D. Rueckert et al., "Nonrigid registration using free-form deformations:
       application to breast MR images", IEEE Trans. Med. Imaging 18(8), 712-721, 1999.

    Examples
    --------
    >>> from miakit.sitk_io import to_sitk
    >>> yy, xx = np.mgrid[:48, :48]
    >>> fixed = to_sitk(np.exp(-((yy - 24) ** 2 + (xx - 22) ** 2) / 80.0))
    >>> moving = to_sitk(np.exp(-((yy - 24) ** 2 + (xx - 25) ** 2) / 80.0))
    >>> result = register_bspline(fixed, moving, metric="mean_squares", sampling_fraction=1.0)
    >>> shift = result.transform.TransformPoint((22.0, 24.0))[0] - 22.0
    >>> bool(1.5 < shift < 3.5), bool(result.jacobian.min() > 0)
    (True, True)
    """
    dim = _check_pair(fixed, moving)
    initial = _check_initial(initial_transform, dim)
    choice(metric, "metric", ("mutual_information", "mean_squares", "correlation"))
    mesh = (mesh_size,) * dim if np.isscalar(mesh_size) else tuple(mesh_size)  # type: ignore[arg-type]
    if len(mesh) != dim:
        raise ValueError(f"mesh_size must have {dim} values (x, y[, z]), got {len(mesh)}")
    mesh = tuple(positive_int(m, "mesh_size") for m in mesh)
    if len(shrink_factors) != len(smoothing_sigmas_mm) or len(shrink_factors) == 0:
        raise ValueError(
            "shrink_factors and smoothing_sigmas_mm must have the same non-zero length, got "
            f"{len(shrink_factors)} and {len(smoothing_sigmas_mm)}"
        )
    histogram_bins = positive_int(histogram_bins, "histogram_bins", minimum=8)
    iterations = positive_int(iterations, "iterations")
    fraction = probability(sampling_fraction, "sampling_fraction")
    if fraction == 0:
        raise ValueError(f"sampling_fraction must be in (0, 1], got {sampling_fraction!r}")
    seed = positive_int(seed, "seed", minimum=1)

    fixed_f = sitk.Cast(fixed, sitk.sitkFloat32)
    bspline = sitk.BSplineTransformInitializer(fixed_f, list(mesh), order=3)
    method = sitk.ImageRegistrationMethod()
    if metric == "mutual_information":
        method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=histogram_bins)
    elif metric == "mean_squares":
        method.SetMetricAsMeanSquares()
    else:
        method.SetMetricAsCorrelation()
    method.SetMetricSamplingStrategy(method.RANDOM)
    method.SetMetricSamplingPercentage(fraction, seed)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsLBFGSB(
        gradientConvergenceTolerance=1e-5,
        numberOfIterations=iterations,
        maximumNumberOfCorrections=5,
    )
    method.SetShrinkFactorsPerLevel(list(shrink_factors))
    method.SetSmoothingSigmasPerLevel(list(smoothing_sigmas_mm))
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
    method.SetMovingInitialTransform(initial)
    method.SetInitialTransform(bspline, inPlace=True)
    try:
        method.Execute(fixed_f, sitk.Cast(moving, sitk.sitkFloat32))
    except RuntimeError as error:
        detail = str(error).strip().splitlines()[-1]
        raise ValueError(f"B-spline registration of moving to fixed failed: {detail}") from None
    field = sitk.TransformToDisplacementField(
        bspline,
        sitk.sitkVectorFloat64,
        fixed_f.GetSize(),
        fixed_f.GetOrigin(),
        fixed_f.GetSpacing(),
        fixed_f.GetDirection(),
    )
    return DeformableResult(
        transform=sitk.CompositeTransform([initial, bspline]),
        field=field,
        jacobian=jacobian_determinant(field),
        iterations=int(method.GetOptimizerIteration()),
        stop_condition=method.GetOptimizerStopConditionDescription(),
    )
