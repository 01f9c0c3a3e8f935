"""TF-GridNet (Wang et al. 2023): full-band and sub-band modelling on a grid of STFT bins.

The network works on a complex spectrogram laid out as an image of :math:`D` channels over
frames :math:`T` and frequencies :math:`F`. Each :class:`TFGridNetBlock` runs three modules,
each with a residual connection:

1. an intra-frame full-band BLSTM that reads the frequencies of each frame,
2. a sub-band temporal BLSTM that reads the frames of each frequency,
3. a full-band self-attention across frames, every frame seen through all its frequencies.

The masker, :class:`TFGridNetMasker`, maps the mixture's STFT to the sources' STFTs directly
(complex spectral mapping), without a mask.
"""

import torch
from torch import nn
from torch.nn import functional as F

from .base import _check_masker_input

__all__ = ["UnfoldedBLSTM", "FullBandSelfAttention", "TFGridNetBlock", "TFGridNetMasker"]


def _grid_length(n: int, kernel_size: int, stride: int) -> int:
    """Smallest length :math:`P \\geq \\max(n, I)` with :math:`(P - I)` a multiple of :math:`J`."""
    # A comparison, not max(): with a symbolic n (torch.export), P stays an expression of n.
    if n < kernel_size:
        return kernel_size
    return kernel_size + (n - kernel_size + stride - 1) // stride * stride


class UnfoldedBLSTM(nn.Module):
    """A BLSTM along the last axis of a 4-D feature map, on unfolded windows, with a residual.

    The input is layer-normalised over its channels; along the last axis, windows of :math:`I`
    positions every :math:`J` positions are stacked into vectors of :math:`D I` features, read
    by a BLSTM of :math:`H` units per direction, and a transposed 1-D convolution (kernel
    :math:`I`, stride :math:`J`) overlap-adds the BLSTM outputs back to :math:`D` channels at
    every position. The sequence is zero-padded to fit the window grid and cropped back; the
    result is added to the input.

    :class:`TFGridNetBlock` runs one along the frequencies (intra-frame full-band module) and
    one along the frames (sub-band temporal module).

    Args:
        emb_dim (int): channels :math:`D`.
        hid_size (int): BLSTM units per direction :math:`H`.
        kernel_size (int): window :math:`I` of the unfolding.
        stride (int): hop :math:`J` of the unfolding.
        eps (float): epsilon of the layer norm.

    Shape:
        - x: :math:`(B, D, N, Q)`: :math:`N` independent sequences of :math:`Q` positions.
        - output: same as ``x``.
    """

    def __init__(self, emb_dim, hid_size, kernel_size=4, stride=1, eps=1e-5):
        super().__init__()
        if stride > kernel_size:
            raise ValueError(
                f"The unfolding stride ({stride}) cannot exceed its kernel size ({kernel_size}): "
                "positions between windows would be skipped."
            )
        self.kernel_size = kernel_size
        self.stride = stride
        self.norm = nn.LayerNorm(emb_dim, eps=eps)
        self.rnn = nn.LSTM(emb_dim * kernel_size, hid_size, batch_first=True, bidirectional=True)
        self.linear = nn.ConvTranspose1d(2 * hid_size, emb_dim, kernel_size, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # B: batch, D: channels, N: sequences, Q: positions, P: padded Q, W: windows
        batch, chan, n_seq, length = x.shape
        padded = _grid_length(length, self.kernel_size, self.stride)
        y = self.norm(x.permute(0, 2, 3, 1)).reshape(batch * n_seq, length, chan)  # BN, Q, D
        y = F.pad(y, [0, 0, 0, padded - length])  # BN, P, D
        y = y.unfold(1, self.kernel_size, self.stride).flatten(2)  # BN, W, D * I
        y = self.rnn(y)[0]  # BN, W, 2H
        y = self.linear(y.transpose(1, 2))  # BN, D, P
        y = y[..., :length].reshape(batch, n_seq, chan, length).transpose(1, 2)  # B, D, N, Q
        return x + y


class _HeadProjection(nn.Module):
    """1x1 convolution to :math:`L` heads of :math:`C` channels, PReLU and layer norm per head.

    The PReLU has one slope per head; the layer norm takes its statistics over the channels
    and frequencies of each head and frame, with a gain and a bias per channel and frequency.

    Shape:
        - x: :math:`(B, D, T, F)`
        - output: :math:`(B, L, T, C, F)`
    """

    def __init__(self, in_chan, n_heads, head_chan, n_freqs, eps=1e-5):
        super().__init__()
        self.n_heads = n_heads
        self.head_chan = head_chan
        self.eps = eps
        self.conv = nn.Conv2d(in_chan, n_heads * head_chan, 1)
        self.act = nn.PReLU(n_heads)
        self.gamma = nn.Parameter(torch.ones(n_heads, 1, head_chan, n_freqs))
        self.beta = nn.Parameter(torch.zeros(n_heads, 1, head_chan, n_freqs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, _, n_frames, n_freqs = x.shape
        y = self.conv(x).view(batch, self.n_heads, self.head_chan, n_frames, n_freqs)
        y = self.act(y).transpose(2, 3)  # B, L, T, C, F
        y = F.layer_norm(y, [self.head_chan, n_freqs], eps=self.eps)
        return y * self.gamma + self.beta


class FullBandSelfAttention(nn.Module):
    """Self-attention across frames, with queries, keys and values that span all frequencies.

    Each of the :math:`L` heads projects the input to :math:`E` channels for the queries and
    keys and :math:`D / L` channels for the values (1x1 convolution, PReLU, layer norm over
    channels and frequencies); a frame's query, key and value are the flattened channels of
    all its frequencies, so the attention weights are shared by the whole band. The heads'
    outputs are concatenated, projected back (1x1 convolution, PReLU, layer norm) and added to
    the input.

    Args:
        emb_dim (int): channels :math:`D` (a multiple of ``n_heads``).
        n_freqs (int): frequencies :math:`F` (the norms have one gain per frequency).
        n_heads (int): heads :math:`L`.
        qk_channels (int): channels per frequency :math:`E` of the queries and keys.
        eps (float): epsilon of the layer norms.

    Shape:
        - x: :math:`(B, D, T, F)`
        - output: same as ``x``.
    """

    def __init__(self, emb_dim, n_freqs, n_heads=4, qk_channels=4, eps=1e-5):
        super().__init__()
        if emb_dim % n_heads != 0:
            raise ValueError(
                f"emb_dim ({emb_dim}) must be a multiple of n_heads ({n_heads}): each head "
                "gets emb_dim // n_heads value channels."
            )
        self.n_heads = n_heads
        self.query = _HeadProjection(emb_dim, n_heads, qk_channels, n_freqs, eps)
        self.key = _HeadProjection(emb_dim, n_heads, qk_channels, n_freqs, eps)
        self.value = _HeadProjection(emb_dim, n_heads, emb_dim // n_heads, n_freqs, eps)
        self.proj = _HeadProjection(emb_dim, 1, emb_dim, n_freqs, eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # B: batch, D: channels, T: frames, F: frequencies, L: heads, E / V: channels per head
        batch, chan, n_frames, n_freqs = x.shape
        query = self.query(x).flatten(3)  # B, L, T, E * F
        key = self.key(x).flatten(3)  # B, L, T, E * F
        value = self.value(x)  # B, L, T, V, F
        out = F.scaled_dot_product_attention(query, key, value.flatten(3))  # B, L, T, V * F
        out = out.view(value.shape).permute(0, 1, 3, 2, 4)  # B, L, V, T, F
        out = self.proj(out.reshape(batch, chan, n_frames, n_freqs))  # B, 1, T, D, F
        return x + out[:, 0].transpose(1, 2)  # B, D, T, F


class TFGridNetBlock(nn.Module):
    """One TF-GridNet block: intra-frame BLSTM, sub-band BLSTM, full-band self-attention.

    Args:
        emb_dim (int): channels :math:`D`.
        n_freqs (int): frequencies :math:`F`.
        hid_size (int): BLSTM units per direction :math:`H`.
        emb_kernel_size (int): unfolding window :math:`I` of the BLSTMs.
        emb_stride (int): unfolding hop :math:`J` of the BLSTMs.
        n_heads (int): attention heads :math:`L`.
        qk_channels (int): query/key channels per frequency :math:`E`.
        eps (float): epsilon of the layer norms.

    Shape:
        - x: :math:`(B, D, T, F)`
        - output: same as ``x``.
    """

    def __init__(
        self,
        emb_dim,
        n_freqs,
        hid_size=256,
        emb_kernel_size=4,
        emb_stride=1,
        n_heads=4,
        qk_channels=4,
        eps=1e-5,
    ):
        super().__init__()
        self.intra_frame = UnfoldedBLSTM(emb_dim, hid_size, emb_kernel_size, emb_stride, eps)
        self.sub_band = UnfoldedBLSTM(emb_dim, hid_size, emb_kernel_size, emb_stride, eps)
        self.attention = FullBandSelfAttention(emb_dim, n_freqs, n_heads, qk_channels, eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.intra_frame(x)  # B, D, T, F: along the frequencies of each frame
        x = self.sub_band(x.transpose(2, 3)).transpose(2, 3)  # along the frames of each frequency
        return self.attention(x)  # B, D, T, F


class TFGridNetMasker(nn.Module):
    """TF-GridNet's separator: the sources' spectra from the mixture's spectrum.

    The real and imaginary parts of the mixture STFT (the two halves of the input, in the
    layout of :mod:`asteroid.filterbanks.transforms`) are two channels of a
    frames x frequencies image. A 2-D convolution (3x3) and a layer norm embed them in
    :math:`D` channels, :math:`B` :class:`TFGridNetBlock` process them, and a 2-D transposed
    convolution (3x3) gives the real and imaginary parts of each source: complex spectral
    mapping, not masking.

    The input is divided by its root-mean-square value and the output multiplied by it, so the
    network sees mixtures at one level whatever their gain. (The paper divides the mixture
    waveform by its standard deviation; the STFT being linear, the spectrum's RMS is the same
    normalisation up to a constant factor, which the first layer absorbs.)

    Args:
        in_chan (int): input features, :math:`2F` (real and imaginary rows of :math:`F`
            frequencies).
        n_src (int): number of sources.
        n_blocks (int): TF-GridNet blocks :math:`B`.
        emb_dim (int): embedding channels :math:`D`.
        hid_size (int): BLSTM units per direction :math:`H`.
        emb_kernel_size (int): unfolding window :math:`I` of the BLSTMs.
        emb_stride (int): unfolding hop :math:`J` of the BLSTMs.
        n_heads (int): attention heads :math:`L`.
        qk_channels (int): query/key channels per frequency :math:`E`.
        eps (float): epsilon of the layer norms.

    Shape:
        - x: :math:`(B, 2F, T)`
        - output: :math:`(B, S, 2F, T)`, the sources' real rows over their imaginary rows.

    References:
        Zhong-Qiu Wang, Samuele Cornell, Shukjae Choi, Younglo Lee, Byeong-Yeol Kim and Shinji
        Watanabe, "TF-GridNet: Integrating Full- and Sub-Band Modeling for Speech Separation",
        IEEE/ACM TASLP 2023. https://arxiv.org/abs/2211.12433
    """

    def __init__(
        self,
        in_chan,
        n_src,
        n_blocks=6,
        emb_dim=64,
        hid_size=256,
        emb_kernel_size=4,
        emb_stride=1,
        n_heads=4,
        qk_channels=4,
        eps=1e-5,
    ):
        super().__init__()
        if in_chan % 2 != 0:
            raise ValueError(
                f"in_chan must be even (real and imaginary rows of a spectrum), got {in_chan}."
            )
        self.in_chan = in_chan
        self.n_src = n_src
        self.n_blocks = n_blocks
        self.emb_dim = emb_dim
        self.hid_size = hid_size
        self.emb_kernel_size = emb_kernel_size
        self.emb_stride = emb_stride
        self.n_heads = n_heads
        self.qk_channels = qk_channels
        self.eps = eps
        self.n_freqs = in_chan // 2

        self.embed = nn.Sequential(
            nn.Conv2d(2, emb_dim, 3, padding=1), nn.GroupNorm(1, emb_dim, eps=eps)
        )
        self.blocks = nn.ModuleList(
            [
                TFGridNetBlock(
                    emb_dim,
                    self.n_freqs,
                    hid_size,
                    emb_kernel_size,
                    emb_stride,
                    n_heads,
                    qk_channels,
                    eps,
                )
                for _ in range(n_blocks)
            ]
        )
        self.out_conv = nn.ConvTranspose2d(emb_dim, 2 * n_src, 3, padding=1)

    def forward(self, spec: torch.Tensor) -> torch.Tensor:
        # B: batch, S: sources, F: frequencies, T: frames, D: channels
        _check_masker_input(spec, self.in_chan, "TFGridNetMasker")
        batch, _, n_frames = spec.shape
        scale = spec.pow(2).mean(dim=(1, 2), keepdim=True).sqrt().clamp_min(self.eps)  # B, 1, 1
        x = (spec / scale).view(batch, 2, self.n_freqs, n_frames).transpose(2, 3)  # B, 2, T, F
        x = self.embed(x)  # B, D, T, F
        for block in self.blocks:
            x = block(x)  # B, D, T, F
        x = self.out_conv(x).view(batch, self.n_src, 2, n_frames, self.n_freqs)  # B, S, 2, T, F
        est = x.transpose(3, 4).reshape(batch, self.n_src, self.in_chan, n_frames)  # B, S, 2F, T
        return est * scale.unsqueeze(1)

    def get_config(self):
        """Keyword arguments that rebuild this separator."""
        return {
            "in_chan": self.in_chan,
            "n_src": self.n_src,
            "n_blocks": self.n_blocks,
            "emb_dim": self.emb_dim,
            "hid_size": self.hid_size,
            "emb_kernel_size": self.emb_kernel_size,
            "emb_stride": self.emb_stride,
            "n_heads": self.n_heads,
            "qk_channels": self.qk_channels,
            "eps": self.eps,
        }
