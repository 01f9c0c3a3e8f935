"""Temporal convolutional networks: the Conv-TasNet masker and TDCN++."""

from typing import Optional, Tuple, Union

import torch
from torch import nn

from . import norms
from ._cpu_grad import DepthwiseConv1d, PReLU
from .activations import _mask_activation
from .base import _check_masker_input

__all__ = ["Conv1DBlock", "TDConvNet", "TDConvNetpp"]


class _Chop1d(nn.Module):
    """Drop the last ``chop_size`` frames (what a causal convolution padded on the right)."""

    def __init__(self, chop_size):
        super().__init__()
        self.chop_size = chop_size

    def forward(self, x):
        if self.chop_size == 0:
            return x
        return x[..., : -self.chop_size]


class Conv1DBlock(nn.Module):
    """Residual block of the temporal convolutional network (Luo and Mesgarani 2019).

    1x1 conv, PReLU, norm, depth-wise dilated conv, PReLU, norm (``shared_block``),
    then a 1x1 conv to the residual output (``res_conv``) and, when
    ``skip_out_chan`` is non-zero, one to the skip output (``skip_conv``).

    Args:
        in_chan (int): input (and residual) channels, :math:`B` in the paper.
        hid_chan (int): channels of the depth-wise convolution, :math:`H`.
        skip_out_chan (int): skip-connection channels, :math:`Sc`; 0 or ``None``
            for a block without skip output (the first Conv-TasNet version).
        kernel_size (int): depth-wise kernel size, :math:`P`.
        padding (int): depth-wise conv padding (on both sides; when ``causal``
            the right padding is dropped after the convolution).
        dilation (int): depth-wise conv dilation.
        norm_type (str): norm identifier, see :mod:`~asteroid.masknn.norms`.
        causal (bool): whether the block is causal.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: residual :math:`(batch, in\\_chan, frames)`, and the skip output
          :math:`(batch, skip\\_out\\_chan, frames)` as a second element when
          ``skip_out_chan`` is non-zero.

    References:
        Luo and Mesgarani, "Conv-TasNet: Surpassing Ideal Time-Frequency Magnitude
        Masking for Speech Separation", TASLP 2019. https://arxiv.org/abs/1809.07454
    """

    def __init__(
        self,
        in_chan,
        hid_chan,
        skip_out_chan,
        kernel_size,
        padding,
        dilation,
        norm_type="gLN",
        causal=False,
    ):
        super().__init__()
        self.skip_out_chan = skip_out_chan
        norm_cls = norms.get(norm_type)
        depth_conv = DepthwiseConv1d(hid_chan, kernel_size, padding=padding, dilation=dilation)
        if causal:
            depth_conv = nn.Sequential(depth_conv, _Chop1d(padding))
        self.shared_block = nn.Sequential(
            nn.Conv1d(in_chan, hid_chan, 1),
            PReLU(),
            norm_cls(hid_chan),
            depth_conv,
            PReLU(),
            norm_cls(hid_chan),
        )
        self.res_conv = nn.Conv1d(hid_chan, in_chan, 1)
        self.skip_conv = nn.Conv1d(hid_chan, skip_out_chan, 1) if skip_out_chan else None

    def res_and_skip(self, x: torch.Tensor) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Residual and skip outputs (``None`` for the skip when the block has none)."""
        shared_out = self.shared_block(x)
        skip_out: Optional[torch.Tensor] = None
        if self.skip_conv is not None:
            skip_out = self.skip_conv(shared_out)
        return self.res_conv(shared_out), skip_out

    def forward(self, x) -> Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]]:
        res_out, skip_out = self.res_and_skip(x)
        if skip_out is None:
            return res_out
        return res_out, skip_out


def _tcn_padding(kernel_size, dilation, causal):
    """Padding that keeps the length: both sides, or the right side chopped when causal."""
    return (kernel_size - 1) * dilation if causal else (kernel_size - 1) * dilation // 2


class TDConvNet(nn.Module):
    """Temporal convolutional network, the masker of Conv-TasNet.

    A norm and a 1x1 bottleneck conv, ``n_repeats`` repeats of ``n_blocks``
    :class:`Conv1DBlock` with dilations :math:`1, 2, ..., 2^{n\\_blocks-1}`, then
    PReLU and a 1x1 conv to one mask per source.

    Args:
        in_chan (int): number of input filters, :math:`N`.
        n_src (int): number of masks to estimate.
        out_chan (int, optional): bins of each mask; ``in_chan`` when ``None``.
        n_blocks (int): blocks per repeat, :math:`X`.
        n_repeats (int): number of repeats, :math:`R`.
        bn_chan (int): bottleneck channels, :math:`B`.
        hid_chan (int): channels of the depth-wise convolutions, :math:`H`.
        skip_chan (int): skip-connection channels, :math:`Sc`. With 0 or ``None``
            the blocks have no skip output and the masks are computed from the
            residual path (the first version of Conv-TasNet).
        conv_kernel_size (int): depth-wise kernel size, :math:`P`.
        norm_type (str): norm identifier (``"gLN"``, ``"cLN"``, ``"cgLN"``, ``"bN"``, ...).
        mask_act (str): output non-linearity (a softmax runs across sources).
        causal (bool): causal convolutions; use with ``"cLN"`` or ``"cgLN"`` for a
            causal network.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: :math:`(batch, n\\_src, out\\_chan, frames)`

    References:
        Luo and Mesgarani, "Conv-TasNet: Surpassing Ideal Time-Frequency Magnitude
        Masking for Speech Separation", TASLP 2019. https://arxiv.org/abs/1809.07454
    """

    def __init__(
        self,
        in_chan,
        n_src,
        out_chan=None,
        n_blocks=8,
        n_repeats=3,
        bn_chan=128,
        hid_chan=512,
        skip_chan=128,
        conv_kernel_size=3,
        norm_type="gLN",
        mask_act="relu",
        causal=False,
    ):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.out_chan = out_chan if out_chan else in_chan
        self.n_blocks = n_blocks
        self.n_repeats = n_repeats
        self.bn_chan = bn_chan
        self.hid_chan = hid_chan
        self.skip_chan = skip_chan
        self.conv_kernel_size = conv_kernel_size
        self.norm_type = norm_type
        self.mask_act = mask_act
        self.causal = causal

        self.bottleneck = nn.Sequential(
            norms.get(norm_type)(in_chan), nn.Conv1d(in_chan, bn_chan, 1)
        )
        self.TCN = nn.ModuleList()
        for _ in range(n_repeats):
            for x in range(n_blocks):
                dilation = 2**x
                self.TCN.append(
                    Conv1DBlock(
                        bn_chan,
                        hid_chan,
                        skip_chan,
                        conv_kernel_size,
                        padding=_tcn_padding(conv_kernel_size, dilation, causal),
                        dilation=dilation,
                        norm_type=norm_type,
                        causal=causal,
                    )
                )
        mask_in = skip_chan if skip_chan else bn_chan
        self.mask_net = nn.Sequential(PReLU(), nn.Conv1d(mask_in, n_src * self.out_chan, 1))
        self.output_act = _mask_activation(mask_act)

    def forward(self, mixture_w):
        _check_masker_input(mixture_w, self.in_chan, "TDConvNet")
        output = self.bottleneck(mixture_w)  # batch, bn_chan, frames
        skip_sum: Optional[torch.Tensor] = None
        for block in self.TCN:
            residual, skip = block.res_and_skip(output)
            if skip is not None:
                skip_sum = skip if skip_sum is None else skip_sum + skip  # batch, skip, frames
            output = output + residual  # batch, bn_chan, frames
        mask_in = output if skip_sum is None else skip_sum
        score = self.mask_net(mask_in)  # batch, n_src * out_chan, frames
        score = score.view(score.shape[0], self.n_src, self.out_chan, score.shape[-1])
        return self.output_act(score)  # batch, n_src, out_chan, frames

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "out_chan": self.out_chan,
            "bn_chan": self.bn_chan,
            "hid_chan": self.hid_chan,
            "skip_chan": self.skip_chan,
            "conv_kernel_size": self.conv_kernel_size,
            "n_blocks": self.n_blocks,
            "n_repeats": self.n_repeats,
            "n_src": self.n_src,
            "norm_type": self.norm_type,
            "mask_act": self.mask_act,
            "causal": self.causal,
        }


class TDConvNetpp(nn.Module):
    """Improved temporal convolutional network, TDCN++ (Kavalerov et al. 2019).

    Differences with :class:`TDConvNet`: feature-wise global layer norm by
    default; the input of each repeat after the first also receives the input of
    the previous repeat through a 1x1 conv (``dense_skip``); the residual of
    block :math:`l > 0` in each repeat is scaled by a learnable factor
    initialised to :math:`0.9^l` (``scaling_param``); a linear layer on the
    time-averaged mask features gives per-source weights (``consistency``),
    for use with :func:`~asteroid.dsp.consistency.mixture_consistency`.

    Args:
        in_chan (int): number of input filters.
        n_src (int): number of masks to estimate.
        out_chan (int, optional): bins of each mask; ``in_chan`` when ``None``.
        n_blocks (int): blocks per repeat.
        n_repeats (int): number of repeats.
        bn_chan (int): bottleneck channels.
        hid_chan (int): channels of the depth-wise convolutions.
        skip_chan (int): skip-connection channels (0 or ``None``: no skip path).
        conv_kernel_size (int): depth-wise kernel size.
        norm_type (str): norm identifier.
        mask_act (str): output non-linearity.

    Shape:
        - x: :math:`(batch, in\\_chan, frames)`
        - output: masks :math:`(batch, n\\_src, out\\_chan, frames)` and weights
          :math:`(batch, n\\_src)` (softmax over sources).

    References:
        Kavalerov et al., "Universal Sound Separation", WASPAA 2019.
        https://arxiv.org/abs/1905.03330
    """

    def __init__(
        self,
        in_chan,
        n_src,
        out_chan=None,
        n_blocks=8,
        n_repeats=3,
        bn_chan=128,
        hid_chan=512,
        skip_chan=128,
        conv_kernel_size=3,
        norm_type="fgLN",
        mask_act="relu",
    ):
        super().__init__()
        self.in_chan = in_chan
        self.n_src = n_src
        self.out_chan = out_chan if out_chan else in_chan
        self.n_blocks = n_blocks
        self.n_repeats = n_repeats
        self.bn_chan = bn_chan
        self.hid_chan = hid_chan
        self.skip_chan = skip_chan
        self.conv_kernel_size = conv_kernel_size
        self.norm_type = norm_type
        self.mask_act = mask_act

        self.bottleneck = nn.Sequential(
            norms.get(norm_type)(in_chan), nn.Conv1d(in_chan, bn_chan, 1)
        )
        self.TCN = nn.ModuleList()
        for _ in range(n_repeats):
            for x in range(n_blocks):
                self.TCN.append(
                    Conv1DBlock(
                        bn_chan,
                        hid_chan,
                        skip_chan,
                        conv_kernel_size,
                        padding=_tcn_padding(conv_kernel_size, 2**x, causal=False),
                        dilation=2**x,
                        norm_type=norm_type,
                    )
                )
        self.dense_skip = nn.ModuleList(
            [nn.Conv1d(bn_chan, bn_chan, 1) for _ in range(n_repeats - 1)]
        )
        # Residual scale of block l (l >= 1) in each repeat, initialised to 0.9 ** l.
        init_scale = torch.tensor([0.9**l for l in range(1, n_blocks)], dtype=torch.float32)
        self.scaling_param = nn.Parameter(init_scale.repeat(n_repeats, 1), requires_grad=True)

        mask_in = skip_chan if skip_chan else bn_chan
        self.mask_net = nn.Sequential(PReLU(), nn.Conv1d(mask_in, n_src * self.out_chan, 1))
        self.output_act = _mask_activation(mask_act)
        self.consistency = nn.Linear(mask_in, n_src)

    def forward(self, mixture_w) -> Tuple[torch.Tensor, torch.Tensor]:
        _check_masker_input(mixture_w, self.in_chan, "TDConvNetpp")
        output = self.bottleneck(mixture_w)  # batch, bn_chan, frames
        repeat_in = output
        skip_sum: Optional[torch.Tensor] = None
        for idx, block in enumerate(self.TCN):
            r, x = idx // self.n_blocks, idx % self.n_blocks
            if x == 0 and r > 0:
                # Long-range connection from the input of the previous repeat.
                for dense_idx, dense in enumerate(self.dense_skip):
                    if dense_idx == r - 1:
                        output = dense(repeat_in) + output
                repeat_in = output
            residual, skip = block.res_and_skip(output)
            if skip is not None:
                skip_sum = skip if skip_sum is None else skip_sum + skip
            if x > 0:
                residual = residual * self.scaling_param[r, x - 1]
            output = output + residual
        mask_in = output if skip_sum is None else skip_sum
        score = self.mask_net(mask_in)
        score = score.view(score.shape[0], self.n_src, self.out_chan, score.shape[-1])
        est_mask = self.output_act(score)  # batch, n_src, out_chan, frames
        weights = torch.softmax(self.consistency(mask_in.mean(-1)), dim=-1)  # batch, n_src
        return est_mask, weights

    def get_config(self):
        """Keyword arguments that rebuild this masker."""
        return {
            "in_chan": self.in_chan,
            "out_chan": self.out_chan,
            "bn_chan": self.bn_chan,
            "hid_chan": self.hid_chan,
            "skip_chan": self.skip_chan,
            "conv_kernel_size": self.conv_kernel_size,
            "n_blocks": self.n_blocks,
            "n_repeats": self.n_repeats,
            "n_src": self.n_src,
            "norm_type": self.norm_type,
            "mask_act": self.mask_act,
        }
