"""Small convolutional networks for the book's CPU budget: a plain CNN, ResNet-style
networks with basic or bottleneck blocks, and a 2D/3D U-Net whose skips can be removed.

Every model is built from a ``torch.Generator`` (:func:`init_weights`), so two models
made from the same seed are identical without touching PyTorch's global random state.
Chapters 12 and 13 explain the ideas; this module is what later chapters reuse.
"""

from __future__ import annotations

import functools
from typing import Literal

import torch
from torch import nn

from .._checks import choice, positive_int

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "ResNet",
    "SeededModule",
    "SmallCNN",
    "count_parameters",
    "init_weights",
]


def _generator(seed: int) -> torch.Generator:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return torch.Generator().manual_seed(seed)


def init_weights(model: nn.Module, *, seed: int) -> nn.Module:
    """Re-initialise every convolution and linear layer of ``model`` from ``seed``.

    Kaiming-uniform weights (He et al., 2015) for layers followed by ReLU, zero biases,
    unit BatchNorm/LayerNorm scales. PyTorch's own initialisation draws from the global
    random state; this function draws from a private ``torch.Generator`` instead.

    Parameters
    ----------
    model : torch.nn.Module
        The model, changed in place.
    seed : int
        Non-negative seed of the generator.

    Returns
    -------
    torch.nn.Module
        ``model`` itself.

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module``.
    ValueError
        If ``seed`` is not a non-negative int.

    Examples
    --------
    >>> a = init_weights(SmallCNN(1, 2), seed=3)
    >>> b = init_weights(SmallCNN(1, 2), seed=3)
    >>> all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    generator = _generator(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
                nn.init.kaiming_uniform_(module.weight, nonlinearity="relu", generator=generator)
            elif isinstance(module, nn.Linear):
                bound = 1.0 / max(module.in_features, 1) ** 0.5
                nn.init.uniform_(module.weight, -bound, bound, generator=generator)
            elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm)):
                if module.weight is not None:
                    nn.init.ones_(module.weight)
            else:
                continue
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
    return model


def count_parameters(model: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of parameters of ``model`` (only those with ``requires_grad`` if asked).

    Examples
    --------
    >>> count_parameters(nn.Conv2d(1, 8, 3))  # 8 * 1 * 3 * 3 weights + 8 biases
    80
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


class SeededModule(nn.Module):
    """Base class whose constructor runs on a private copy of PyTorch's random state.

    PyTorch layers draw their default initial weights from the global generator; a
    subclass's ``__init__`` runs inside ``torch.random.fork_rng``, so building a model
    never changes the caller's random state (its weights come from :func:`init_weights`).
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        original = cls.__init__

        @functools.wraps(original)
        def __init__(self, *args, **kw) -> None:
            with torch.random.fork_rng(devices=[]):
                original(self, *args, **kw)

        cls.__init__ = __init__


def _conv(dims: int):
    return nn.Conv2d if dims == 2 else nn.Conv3d


def _norm(dims: int):
    return nn.BatchNorm2d if dims == 2 else nn.BatchNorm3d


class SmallCNN(SeededModule):
    """A plain classifier: ``depth`` stages of conv–BN–ReLU–max-pool, then global pooling.

    Parameters
    ----------
    in_channels, n_classes : int
        Input channels and output logits.
    width : int
        Channels of the first stage; each stage doubles them.
    depth : int
        Number of stages (each halves the image size).
    global_pool : {"mean", "max"}
        How the last feature maps become one vector: the mean suits patterns spread
        over the image, the max a small finding anywhere in it.
    seed : int
        Seed of :func:`init_weights`.

    Examples
    --------
    >>> model = SmallCNN(1, 3, width=4, depth=2)
    >>> tuple(model(torch.zeros(2, 1, 32, 32)).shape)
    (2, 3)
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        *,
        width: int = 8,
        depth: int = 3,
        global_pool: Literal["mean", "max"] = "mean",
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.global_pool = choice(global_pool, "global_pool", ("mean", "max"))
        positive_int(in_channels, "in_channels")
        positive_int(n_classes, "n_classes")
        positive_int(width, "width")
        positive_int(depth, "depth")
        layers: list[nn.Module] = []
        channels = in_channels
        for stage in range(depth):
            out = width * 2**stage
            layers += [
                nn.Conv2d(channels, out, 3, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels, n_classes)
        init_weights(self, seed=seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        maps = self.features(x)
        pooled = maps.mean(dim=(2, 3)) if self.global_pool == "mean" else maps.amax(dim=(2, 3))
        return self.head(pooled)


class BasicBlock(SeededModule):
    """Two 3×3 convolutions with an identity (or 1×1 projection) shortcut.

    ``residual=False`` removes the shortcut, giving the plain block of the same depth
    that chapter 13 compares against.
    """

    expansion = 1

    def __init__(
        self, in_channels: int, channels: int, *, stride: int = 1, residual: bool = True
    ) -> None:
        super().__init__()
        out = channels * self.expansion
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, out, 3, padding=1, bias=False),
            nn.BatchNorm2d(out),
        )
        self.residual = residual
        self.shortcut: nn.Module = nn.Identity()
        if residual and (stride != 1 or in_channels != out):
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        if self.residual:
            y = y + self.shortcut(x)
        return torch.relu(y)


class Bottleneck(BasicBlock):
    """1×1 reduce, 3×3, 1×1 expand (×4) with a shortcut: fewer weights per deep block."""

    expansion = 4

    def __init__(
        self, in_channels: int, channels: int, *, stride: int = 1, residual: bool = True
    ) -> None:
        super().__init__(in_channels, channels, stride=stride, residual=residual)
        out = channels * self.expansion
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, out, 1, bias=False),
            nn.BatchNorm2d(out),
        )


class ResNet(SeededModule):
    """A ResNet-style classifier with configurable blocks, depth and width.

    Parameters
    ----------
    in_channels, n_classes : int
        Input channels and output logits.
    block : {"basic", "bottleneck"}
        Residual block type (:class:`BasicBlock` or :class:`Bottleneck`).
    layers : sequence of int
        Blocks per stage; stage ``i`` has ``width * 2**i`` channels (times the block's
        expansion) and halves the size from the second stage on.
    width : int
        Channels of the stem and the first stage.
    residual : bool
        ``False`` drops every shortcut (a plain deep network of the same depth).
    seed : int
        Seed of :func:`init_weights`.

    Attributes
    ----------
    stem, stages, head
        The stem (conv–BN–ReLU), a ``ModuleList`` of stages and the linear head, so that
        chapter 16 can freeze the stem and the first stages by name.

    Examples
    --------
    >>> model = ResNet(1, 2, block="bottleneck", layers=(1, 1), width=4)
    >>> tuple(model(torch.zeros(1, 1, 32, 32)).shape), model.n_features
    ((1, 2), 32)
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        *,
        block: Literal["basic", "bottleneck"] = "basic",
        layers: tuple[int, ...] = (2, 2, 2),
        width: int = 8,
        residual: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__()
        positive_int(in_channels, "in_channels")
        positive_int(n_classes, "n_classes")
        positive_int(width, "width")
        choice(block, "block", ("basic", "bottleneck"))
        layers = tuple(layers)
        if not layers or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in layers
        ):
            raise ValueError(f"layers must be a non-empty sequence of ints >= 1, got {layers!r}")
        kind = BasicBlock if block == "basic" else Bottleneck
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace=True),
        )
        self.stages = nn.ModuleList()
        channels = width
        for i, n_blocks in enumerate(layers):
            planes = width * 2**i
            blocks = []
            for j in range(n_blocks):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(kind(channels, planes, stride=stride, residual=residual))
                channels = planes * kind.expansion
            self.stages.append(nn.Sequential(*blocks))
        self.n_features = channels
        self.head = nn.Linear(channels, n_classes)
        init_weights(self, seed=seed)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Feature maps after the last stage, shape (N, n_features, h, w)."""
        x = self.stem(x)
        for stage in self.stages:
            x = stage(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))
