"""The feed-forward networks of the search space, built from a :class:`NetworkSpec`."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from imcnas.candidate import NetworkSpec
from imcnas.train.layers import IMCConv2d, IMCLayer, IMCLinear


class IMCNet(nn.Module):
    """Convs (each with ReLU and an optional 2x2 max-pool), hidden linears with ReLU, a classifier.

    ``convs[i]`` is followed by a pool when ``pools[i]`` is true. The flattened conv output
    feeds ``linears[0]``, and ``linears[-1]`` is the classifier (no ReLU). Weight layers
    come in the order convs then linears, matching the per-layer lists of a candidate.
    """

    def __init__(
        self,
        convs: Sequence[IMCConv2d],
        pools: Sequence[bool],
        linears: Sequence[IMCLinear],
        input_shape: tuple[int, int, int],
    ) -> None:
        super().__init__()
        if len(pools) != len(convs):
            raise ValueError(f"pools has {len(pools)} entries but there are {len(convs)} conv layers")
        if not linears:
            raise ValueError("an IMCNet needs at least the classifier layer")
        self.convs = nn.ModuleList(convs)
        self.pools = tuple(bool(pool) for pool in pools)
        self.linears = nn.ModuleList(linears)
        self.input_shape = tuple(int(size) for size in input_shape)

    @property
    def weight_layers(self) -> list[IMCLayer]:
        """Return the weight layers in candidate order: convs, hidden linears, classifier."""
        return [*self.convs, *self.linears]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, pool in zip(self.convs, self.pools):
            x = F.relu(conv(x))
            if pool:
                x = F.max_pool2d(x, 2)
        x = x.flatten(1)
        for linear in self.linears[:-1]:
            x = F.relu(linear(x))
        return self.linears[-1](x)

    def conv_output_shapes(self) -> list[tuple[int, int, int]]:
        """Return the (channels, height, width) map after each conv stage (pool included)."""
        channels, height, width = self.input_shape
        shapes = []
        for conv, pool in zip(self.convs, self.pools):
            height, width = conv.output_size(height, width)
            if pool:
                height, width = height // 2, width // 2
            shapes.append((conv.out_channels, height, width))
        return shapes


def build_model(
    network: NetworkSpec,
    input_shape: Sequence[int],
    n_classes: int,
    w_bits: Sequence[int],
    in_bits: Sequence[int],
    *,
    noise_std: float = 0.0,
) -> IMCNet:
    """Build the :class:`IMCNet` of ``network`` for images of ``input_shape`` = (C, H, W).

    Convs use padding ``k // 2`` and stride 1. A conv is followed by a 2x2 max-pool
    unless its output map is 1x1 (or one pixel high or wide). ``w_bits`` and ``in_bits`` hold one entry per weight
    layer. ``noise_std`` is the training weight noise relative to max|W|.
    Raises ValueError when a conv kernel has taps that never see the input map.
    """
    if len(input_shape) != 3 or any(size < 1 for size in input_shape):
        raise ValueError(f"input_shape must be (channels, height, width) of positive sizes; got {tuple(input_shape)}")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2; got {n_classes}")
    n_layers = network.n_weight_layers
    for name, values in (("w_bits", w_bits), ("in_bits", in_bits)):
        if len(values) != n_layers:
            raise ValueError(f"{name} has {len(values)} entries but the network has {n_layers} weight layers")

    channels, height, width = (int(size) for size in input_shape)
    convs, pools = [], []
    for index, (out_channels, kernel) in enumerate(zip(network.channels, network.kernels)):
        padding = kernel // 2
        if padding >= min(height, width):
            # With padding >= map size some kernel taps only ever multiply padding zeros.
            raise ValueError(
                f"conv layer {index} (kernel {kernel}) does not fit its {height}x{width} input map: "
                f"use a kernel of at most {2 * min(height, width) - 1} or fewer conv layers"
            )
        conv = IMCConv2d(
            channels, out_channels, kernel, padding=padding,
            w_bits=w_bits[index], in_bits=in_bits[index], noise_std=noise_std,
        )
        height, width = conv.output_size(height, width)
        # A 1x1 map (or a 1-pixel strip of a non-square input) has nothing left to pool.
        pool = height >= 2 and width >= 2
        if pool:
            height, width = height // 2, width // 2
        convs.append(conv)
        pools.append(pool)
        channels = out_channels

    features = channels * height * width
    widths = [*network.hidden, n_classes]
    linears = []
    for offset, out_features in enumerate(widths):
        index = len(convs) + offset
        linears.append(IMCLinear(features, out_features, w_bits=w_bits[index], in_bits=in_bits[index], noise_std=noise_std))
        features = out_features

    return IMCNet(convs, pools, linears, (int(input_shape[0]), int(input_shape[1]), int(input_shape[2])))
