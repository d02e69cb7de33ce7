"""A 2D/3D U-Net whose skip connections can be removed (chapter 13 measures what they buy)."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from .._checks import positive_int
from .models import SeededModule, _conv, _norm, init_weights

__all__ = ["UNet"]


class _DoubleConv(nn.Sequential):
    def __init__(self, dims: int, in_channels: int, out: int) -> None:
        conv, norm = _conv(dims), _norm(dims)
        super().__init__(
            conv(in_channels, out, 3, padding=1, bias=False),
            norm(out),
            nn.ReLU(inplace=True),
            conv(out, out, 3, padding=1, bias=False),
            norm(out),
            nn.ReLU(inplace=True),
        )


class UNet(SeededModule):
    """A 2D or 3D U-Net (Ronneberger et al., 2015) whose skip connections can be removed.

    Parameters
    ----------
    in_channels, n_classes : int
        Input channels and output channels (logits per class; use 1 with a sigmoid for a
        binary mask or 2+ with a softmax).
    width : int
        Channels of the first level; each level down doubles them.
    depth : int
        Number of down-sampling steps; input sizes must be divisible by ``2**depth``.
    dims : {2, 3}
        2D images (N, C, H, W) or 3D volumes (N, C, D, H, W).
    skips : bool
        ``False`` gives the same encoder–decoder without skip connections (chapter 13
        measures what the skips buy at boundaries and on small structures).
    seed : int
        Seed of :func:`init_weights`.

    Raises
    ------
    ValueError
        On invalid sizes (also in ``forward`` when the input size is not divisible by
        ``2**depth``).

    Examples
    --------
    >>> model = UNet(1, 2, width=4, depth=2)
    >>> tuple(model(torch.zeros(1, 1, 16, 16)).shape)
    (1, 2, 16, 16)
    >>> tuple(UNet(1, 1, width=2, depth=1, dims=3)(torch.zeros(1, 1, 8, 8, 8)).shape)
    (1, 1, 8, 8, 8)
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        *,
        width: int = 8,
        depth: int = 3,
        dims: Literal[2, 3] = 2,
        skips: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__()
        positive_int(in_channels, "in_channels")
        positive_int(n_classes, "n_classes")
        positive_int(width, "width")
        positive_int(depth, "depth")
        if dims not in (2, 3):
            raise ValueError(f"dims must be 2 or 3, got {dims!r}")
        self.dims, self.depth, self.skips = dims, depth, skips
        pool = nn.MaxPool2d if dims == 2 else nn.MaxPool3d
        up = nn.ConvTranspose2d if dims == 2 else nn.ConvTranspose3d
        self.down = nn.ModuleList()
        channels = in_channels
        for level in range(depth):
            self.down.append(_DoubleConv(dims, channels, width * 2**level))
            channels = width * 2**level
        self.pool = pool(2)
        self.bottom = _DoubleConv(dims, channels, width * 2**depth)
        self.up = nn.ModuleList()
        self.decode = nn.ModuleList()
        channels = width * 2**depth
        for level in reversed(range(depth)):
            out = width * 2**level
            self.up.append(up(channels, out, 2, stride=2))
            self.decode.append(_DoubleConv(dims, out * (2 if skips else 1), out))
            channels = out
        self.out = _conv(dims)(channels, n_classes, 1)
        init_weights(self, seed=seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != self.dims + 2:
            raise ValueError(
                f"x must have {self.dims + 2} dimensions (N, C, spatial...), got shape "
                f"{tuple(x.shape)}"
            )
        factor = 2**self.depth
        if any(s % factor for s in x.shape[2:]):
            raise ValueError(
                f"spatial size {tuple(x.shape[2:])} must be divisible by 2**depth = {factor}"
            )
        saved = []
        for block in self.down:
            x = block(x)
            saved.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for up, decode in zip(self.up, self.decode, strict=True):
            x = up(x)
            skip = saved.pop()
            if self.skips:
                x = torch.cat([skip, x], dim=1)
            x = decode(x)
        return self.out(x)
