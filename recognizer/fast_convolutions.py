"""Faster CPU paths for the 1-D convolutions of NeMo encoders, computing the same function.

On this project's CPU build of torch (oneDNN 3.x), `nn.Conv1d` runs as a 2-D convolution on a
`[batch, channels, 1, time]` tensor in the channels-first layout, which is slow for two shapes
every NeMo encoder is full of (`streamscribe bench speedups`, docs/capacity.md):

- depthwise convolutions (`groups == channels`) with long kernels (QuartzNet's 33-87, the
  Conformer's 31): 8-16x faster in the channels-last layout, where oneDNN vectorises across
  channels; the output was bit-identical in every shape measured;
- pointwise convolutions (kernel 1, one group): about 1.8x faster as one matrix multiplication.

`use_fast_convolutions(module)` switches every `nn.Conv1d` of those two kinds (NeMo's
`CausalConv1D` too: it pads, then runs `nn.Conv1d`) to these paths in place, by giving the layer
a class that overrides only `_conv_forward`: same parameters and attributes, so NeMo's masks and
length arithmetic (`kernel_size`, `padding`, `stride`, `dilation`) are untouched. Other
convolutions are left as they are.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn


class ChannelsLastDepthwise:
    """Mixed into a depthwise `nn.Conv1d` (or subclass): runs it as a channels-last 2-D convolution."""

    stride: tuple[int]
    padding: tuple[int]
    dilation: tuple[int]
    groups: int

    def _conv_forward(self, signal: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        planes = signal.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        output = F.conv2d(planes, weight.unsqueeze(2), bias, (1, self.stride[0]), (0, self.padding[0]),
                          (1, self.dilation[0]), self.groups)
        return output.squeeze(2).contiguous()


class MatmulPointwise:
    """Mixed into a kernel-1, single-group `nn.Conv1d`: runs it as a matrix multiplication."""

    def _conv_forward(self, signal: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        output = torch.matmul(weight[:, :, 0], signal)
        return output if bias is None else output + bias[:, None]


@functools.cache
def _switched_class(path: type, base: type) -> type:
    return type(f"{path.__name__}{base.__name__}", (path, base), {})


def _fast_path(conv: nn.Module) -> type | None:
    """The path for `conv`, None to leave it (another layer type, padding mode or own forward)."""
    if not isinstance(conv, nn.Conv1d) or type(conv)._conv_forward is not nn.Conv1d._conv_forward:
        return None
    if conv.padding_mode != "zeros" or isinstance(conv.padding, str):
        return None
    if conv.groups == conv.in_channels == conv.out_channels and conv.kernel_size[0] > 1:
        return ChannelsLastDepthwise
    if conv.kernel_size[0] == 1 and conv.groups == 1 and conv.stride[0] == 1 and conv.padding[0] == 0:
        return MatmulPointwise
    return None


def use_fast_convolutions(module: Any) -> list[nn.Conv1d]:
    """Switch the eligible convolutions of `module` in place; returns those switched."""
    switched = []
    for conv in module.modules():
        path = _fast_path(conv)
        if path is not None:
            conv.__class__ = _switched_class(path, type(conv))
            switched.append(conv)
    return switched


def use_plain_convolutions(convolutions: list[nn.Conv1d]) -> None:
    """Undo `use_fast_convolutions` for `convolutions`."""
    for conv in convolutions:
        conv.__class__ = type(conv).__bases__[1]
