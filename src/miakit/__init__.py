"""miakit: the helper package of the executable course book on medical imaging analytics.

Modules are imported on demand (``from miakit import dicom``) so that importing
``miakit`` stays fast and does not pull in torch.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
