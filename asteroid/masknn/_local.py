"""Convolution + norm (+ PReLU) units of the SuDO RM -RF blocks.

After the reference implementation of Tzinis et al.
(https://github.com/etzinis/sudo_rm_rf, see its license and copyright notices).
With ``use_globln`` the norm is a :class:`~asteroid.masknn.norms.GlobLN`,
otherwise a one-group ``nn.GroupNorm`` (the same statistics, eps 1e-8).
"""

from torch import nn

from .norms import GlobLN


def _norm(n_chan, use_globln):
    return GlobLN(n_chan) if use_globln else nn.GroupNorm(1, n_chan, eps=1e-08)


class _ConvNormAct(nn.Module):
    """Convolution ("same" padding for odd kernels), norm and PReLU.

    The PReLU has one slope per channel, or a single one with ``use_globln``.
    """

    def __init__(self, in_chan, out_chan, kernel_size, stride=1, groups=1, use_globln=False):
        super().__init__()
        self.conv = nn.Conv1d(
            in_chan,
            out_chan,
            kernel_size,
            stride=stride,
            padding=(kernel_size - 1) // 2,
            groups=groups,
        )
        self.norm = _norm(out_chan, use_globln)
        self.act = nn.PReLU() if use_globln else nn.PReLU(out_chan)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


class _ConvNorm(nn.Module):
    """Convolution ("same" padding for odd kernels) and one-group norm."""

    def __init__(self, in_chan, out_chan, kernel_size, stride=1, groups=1):
        super().__init__()
        self.conv = nn.Conv1d(
            in_chan,
            out_chan,
            kernel_size,
            stride=stride,
            padding=(kernel_size - 1) // 2,
            groups=groups,
        )
        self.norm = nn.GroupNorm(1, out_chan, eps=1e-08)

    def forward(self, x):
        return self.norm(self.conv(x))


class _NormAct(nn.Module):
    """Norm and per-channel PReLU."""

    def __init__(self, out_chan, use_globln=False):
        super().__init__()
        self.norm = _norm(out_chan, use_globln)
        self.act = nn.PReLU(out_chan)

    def forward(self, x):
        return self.act(self.norm(x))


class _DilatedConvNorm(nn.Module):
    """Dilated convolution ("same" padding for odd kernels at stride 1) and norm."""

    def __init__(
        self, in_chan, out_chan, kernel_size, stride=1, dilation=1, groups=1, use_globln=False
    ):
        super().__init__()
        self.conv = nn.Conv1d(
            in_chan,
            out_chan,
            kernel_size,
            stride=stride,
            dilation=dilation,
            padding=((kernel_size - 1) // 2) * dilation,
            groups=groups,
        )
        self.norm = _norm(out_chan, use_globln)

    def forward(self, x):
        return self.norm(self.conv(x))
