"""SuDO RM -RF maskers (Tzinis et al. 2020) and their U-ConvBlocks."""

from typing import List, Optional

import torch
from torch import nn

from ._local import _ConvNorm, _ConvNormAct, _DilatedConvNorm, _NormAct
from .activations import _mask_activation
from .base import _check_masker_input
from .norms import GlobLN

__all__ = ["SuDORMRF", "SuDORMRFImproved", "UBlock", "UConvBlock"]


class _BaseUBlock(nn.Module):
    """Shared part of the U-ConvBlocks: 1x1 expansion and the down-sampling pyramid.

    ``proj_1x1`` expands ``out_chan`` to ``in_chan`` channels; ``spp_dw[0]`` is a
    depth-wise conv (kernel 5, stride 1), each next ``spp_dw[k]`` a depth-wise
    conv (kernel 5, stride 2) that halves the time resolution.
    """

    def __init__(self, out_chan=128, in_chan=512, upsampling_depth=4, use_globln=False):
        super().__init__()
        self.proj_1x1 = _ConvNormAct(out_chan, in_chan, 1, stride=1, use_globln=use_globln)
        self.depth = upsampling_depth
        self.spp_dw = nn.ModuleList(
            [_DilatedConvNorm(in_chan, in_chan, 5, stride=1, groups=in_chan, use_globln=use_globln)]
        )
        for _ in range(1, upsampling_depth):
            self.spp_dw.append(
                _DilatedConvNorm(
                    in_chan, in_chan, 5, stride=2, groups=in_chan, use_globln=use_globln
                )
            )
        self.upsampler = nn.Upsample(scale_factor=2) if upsampling_depth > 1 else None

    def _multi_resolution(self, x):
        """Down-sample ``depth - 1`` times, then merge bottom-up with nearest up-sampling."""
        levels: List[torch.Tensor] = []
        out = self.proj_1x1(x)
        for layer in self.spp_dw:
            out = layer(out)
            levels.append(out)
        if self.upsampler is not None:
            for _ in range(self.depth - 1):
                coarse = self.upsampler(levels.pop())
                finer = levels[-1]
                levels[-1] = finer + coarse[..., : finer.shape[-1]]
        return levels[-1]  # batch, in_chan, frames


class UBlock(_BaseUBlock):
    """U-ConvBlock of SuDO RM -RF (group norms, per-channel PReLUs).

    Reduce, split into resolutions, transform, merge: see :class:`_BaseUBlock`;
    then norm + PReLU, a 1x1 conv back to ``out_chan`` channels with norm, a
    residual connection, and a final norm + PReLU (``module_act``).

    Args:
        out_chan (int): channels of the input and output (the masker's ``bn_chan``).
        in_chan (int): channels inside the block (the masker's ``in_chan``).
        upsampling_depth (int): number of resolutions.

    Shape:
        - x: :math:`(batch, out\\_chan, frames)`
        - output: same as ``x``.
    """

    def __init__(self, out_chan=128, in_chan=512, upsampling_depth=4):
        super().__init__(out_chan, in_chan, upsampling_depth, use_globln=False)
        self.conv_1x1_exp = _ConvNorm(in_chan, out_chan, 1, 1, groups=1)
        self.final_norm = _NormAct(in_chan)
        self.module_act = _NormAct(out_chan)

    def forward(self, x):
        merged = self._multi_resolution(x)
        expanded = self.conv_1x1_exp(self.final_norm(merged))
        return self.module_act(expanded + x)


class UConvBlock(_BaseUBlock):
    """U-ConvBlock of the improved SuDO RM -RF (global layer norms).

    Same pyramid as :class:`UBlock`; the merged features go through a GlobLN +
    PReLU and a 1x1 conv (``res_conv``) and are added to the input.

    Args:
        out_chan (int): channels of the input and output.
        in_chan (int): channels inside the block.
        upsampling_depth (int): number of resolutions.

    Shape:
        - x: :math:`(batch, out\\_chan, frames)`
        - output: same as ``x``.
    """

    def __init__(self, out_chan=128, in_chan=512, upsampling_depth=4):
        super().__init__(out_chan, in_chan, upsampling_depth, use_globln=True)
        self.final_norm = _NormAct(in_chan, use_globln=True)
        self.res_conv = nn.Conv1d(in_chan, out_chan, 1)

    def forward(self, x):
        merged = self._multi_resolution(x)
        return self.res_conv(self.final_norm(merged)) + x


def _frequency_conv(x, weight, bias: Optional[torch.Tensor], padding: int):
    """``nn.Conv2d(1, S, (k, 1), padding=(padding, 0))`` on ``x.unsqueeze(1)``, as one matmul.

    The kernel slides along the feature axis only, so the convolution is a
    banded (Toeplitz) matrix :math:`(S \\cdot F_{out}, F)` applied to every frame.
    Building the matrix is cheap, and the product avoids the im2col buffer of
    :math:`k \\times F_{out} \\times frames` values that the 2-D convolution allocates.

    Shape:
        - x: :math:`(batch, F, frames)`; weight :math:`(S, 1, k, 1)`; bias :math:`(S,)`.
        - output: :math:`(batch, S, F_{out}, frames)` with :math:`F_{out} = F + 2 p - k + 1`.
    """
    n_feats = x.shape[1]
    n_src, kernel = weight.shape[0], weight.shape[2]
    n_out = n_feats + 2 * padding - kernel + 1
    # Output row f reads input row i with kernel tap i + padding - f.
    taps = (
        torch.arange(n_feats, device=x.device).unsqueeze(0)
        - torch.arange(n_out, device=x.device).unsqueeze(1)
        + padding
    )  # F_out, F
    valid = (taps >= 0) & (taps < kernel)
    band = weight.reshape(n_src, kernel)[:, taps.clamp(0, kernel - 1)]  # S, F_out, F
    band = band * valid.to(band.dtype)
    out = torch.matmul(band.reshape(n_src * n_out, n_feats), x)  # batch, S * F_out, frames
    out = out.view(x.shape[0], n_src, n_out, x.shape[-1])
    if bias is not None:
        out = out + bias.view(1, n_src, 1, 1)
    return out


class SuDORMRF(nn.Module):
    """SuDO RM -RF masker (Tzinis et al. 2020).

    One-group norm and 1x1 conv to ``bn_chan`` channels (``ln``, ``l1``),
    ``num_blocks`` :class:`UBlock` (``sm``), a 1x1 conv back to ``in_chan`` when
    ``bn_chan != in_chan`` (``reshape_before_masks``), then a 2-D convolution
    with kernel :math:`(in\\_chan + 1, 1)` across the features that gives one mask
    per source (``m``) and the output non-linearity.

    Args:
        in_chan (int): number of input filters (and mask bins).
        n_src (int): number of sources.
        bn_chan (int): bottleneck channels.
        num_blocks (int): number of U-ConvBlocks.
        upsampling_depth (int): resolutions in each block.
        mask_act (str): output non-linearity (default softmax across sources).

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, F, frames)`, with :math:`F = in\\_chan` for
          an even ``in_chan`` (:math:`in\\_chan + 1` for an odd one).

    References:
        Tzinis et al., "Sudo rm -rf: Efficient Networks for Universal Audio Source
        Separation", MLSP 2020. https://arxiv.org/abs/2007.06833
    """

    def __init__(
        self,
        in_chan,
        n_src,
        bn_chan=128,
        num_blocks=16,
        upsampling_depth=4,
        mask_act="softmax",
    ):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.bn_chan = bn_chan
        self.num_blocks = num_blocks
        self.upsampling_depth = upsampling_depth
        self.mask_act = mask_act

        self.ln = nn.GroupNorm(1, in_chan, eps=1e-08)
        self.l1 = nn.Conv1d(in_chan, bn_chan, kernel_size=1)
        self.sm = nn.Sequential(
            *[
                UBlock(out_chan=bn_chan, in_chan=in_chan, upsampling_depth=upsampling_depth)
                for _ in range(num_blocks)
            ]
        )
        if bn_chan != in_chan:
            self.reshape_before_masks = nn.Conv1d(bn_chan, in_chan, kernel_size=1)
        else:
            self.reshape_before_masks = None
        self.m = nn.Conv2d(
            1, n_src, kernel_size=(in_chan + 1, 1), padding=(in_chan - in_chan // 2, 0)
        )
        self.output_act = _mask_activation(mask_act)

    def forward(self, x):
        _check_masker_input(x, self.in_chan, "SuDORMRF")
        x = self.l1(self.ln(x))  # batch, bn_chan, frames
        x = self.sm(x)
        if self.reshape_before_masks is not None:
            x = self.reshape_before_masks(x)  # batch, in_chan, frames
        x = _frequency_conv(x, self.m.weight, self.m.bias, self.in_chan - self.in_chan // 2)
        return self.output_act(x)  # batch, n_src, in_chan, frames

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "n_src": self.n_src,
            "bn_chan": self.bn_chan,
            "num_blocks": self.num_blocks,
            "upsampling_depth": self.upsampling_depth,
            "mask_act": self.mask_act,
        }


class SuDORMRFImproved(nn.Module):
    """Improved SuDO RM -RF masker (Tzinis et al. 2020).

    GlobLN and 1x1 conv to ``bn_chan`` channels (``ln``, ``bottleneck``),
    ``num_blocks`` :class:`UConvBlock` (``sm``), then PReLU and a 1x1 conv to
    ``n_src * in_chan`` channels (``mask_net``) and the output non-linearity.

    Args:
        in_chan (int): number of input filters (and mask bins).
        n_src (int): number of sources.
        bn_chan (int): bottleneck channels.
        num_blocks (int): number of U-ConvBlocks.
        upsampling_depth (int): resolutions in each block.
        mask_act (str): output non-linearity.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, in\\_chan, frames)`

    References:
        Tzinis et al., "Sudo rm -rf: Efficient Networks for Universal Audio Source
        Separation", MLSP 2020. https://arxiv.org/abs/2007.06833
    """

    def __init__(
        self,
        in_chan,
        n_src,
        bn_chan=128,
        num_blocks=16,
        upsampling_depth=4,
        mask_act="relu",
    ):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.bn_chan = bn_chan
        self.num_blocks = num_blocks
        self.upsampling_depth = upsampling_depth
        self.mask_act = mask_act

        self.ln = GlobLN(in_chan)
        self.bottleneck = nn.Conv1d(in_chan, bn_chan, kernel_size=1)
        self.sm = nn.Sequential(
            *[
                UConvBlock(out_chan=bn_chan, in_chan=in_chan, upsampling_depth=upsampling_depth)
                for _ in range(num_blocks)
            ]
        )
        self.mask_net = nn.Sequential(nn.PReLU(), nn.Conv1d(bn_chan, n_src * in_chan, 1))
        self.output_act = _mask_activation(mask_act)

    def forward(self, x):
        _check_masker_input(x, self.in_chan, "SuDORMRFImproved")
        x = self.sm(self.bottleneck(self.ln(x)))  # batch, bn_chan, frames
        x = self.mask_net(x)  # batch, n_src * in_chan, frames
        x = x.view(x.shape[0], self.n_src, self.in_chan, x.shape[-1])
        return self.output_act(x)

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "n_src": self.n_src,
            "bn_chan": self.bn_chan,
            "num_blocks": self.num_blocks,
            "upsampling_depth": self.upsampling_depth,
            "mask_act": self.mask_act,
        }
