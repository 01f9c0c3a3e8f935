"""TF-GridNet (Wang et al. 2023): complex spectral mapping between an STFT and its inverse."""

import numpy as np
import torch

from ..filterbanks import make_enc_dec
from ..masknn.tfgridnet import TFGridNetMasker
from .base_models import BaseEncoderMaskerDecoder

__all__ = ["TFGridNet"]


class TFGridNet(BaseEncoderMaskerDecoder):
    """TF-GridNet: an STFT, a grid of sub-band and full-band modules, the inverse STFT.

    The encoder and decoder are a :class:`~asteroid.filterbanks.TorchSTFTFB` pair with a
    periodic Hann window (``torch.stft`` / ``torch.istft``); the masker is
    :class:`~asteroid.masknn.tfgridnet.TFGridNetMasker`, which outputs the real and imaginary
    parts of each source's STFT (complex spectral mapping): :meth:`apply_masks` passes them to
    the decoder as they are.

    The defaults are the paper's WSJ0-2mix configuration at 8 kHz: a 32 ms window
    (:math:`256` samples) and an 8 ms hop (:math:`64`), :math:`B = 6` blocks of
    :math:`D = 64` channels, unfolding :math:`I = 4`, :math:`J = 1`, :math:`H = 256` BLSTM
    units, :math:`L = 4` heads with :math:`E = 4` query/key channels per frequency
    (14.52 M parameters with 2 sources).

    The model exports with :func:`torch.export.export` and a dynamic time axis (any length in
    the declared range, as long as it gives at least ``emb_kernel_size`` frames): export it
    under :func:`~asteroid.masknn.recurrent.export_dynamic_lstms`, so that the sub-band BLSTM
    is not unrolled over the example's frames, and with
    ``prefer_deferred_runtime_asserts_over_guards=True`` (or a
    ``torch.export.Dim.DYNAMIC(min=..., max=...)`` axis), which turns the shape identities that
    PyTorch cannot prove symbolically into runtime checks; see the example below. The exported
    program is for inference.

    Args:
        n_src (int): number of sources :math:`S`.
        n_blocks (int): TF-GridNet blocks :math:`B`.
        emb_dim (int): embedding channels :math:`D`.
        hid_size (int): BLSTM units per direction :math:`H`.
        emb_kernel_size (int): unfolding window :math:`I` of the BLSTMs.
        emb_stride (int): unfolding hop :math:`J` of the BLSTMs.
        n_heads (int): attention heads :math:`L`.
        qk_channels (int): query/key channels per frequency :math:`E`.
        eps (float): epsilon of the layer norms.
        stft_n_filters (int): FFT size of the STFT (:math:`F = N/2 + 1` frequencies).
        stft_kernel_size (int): window length, in samples.
        stft_stride (int): hop, in samples.
        sample_rate (float): sample rate of the model, in Hz.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    Example:
        >>> from asteroid.masknn.recurrent import export_dynamic_lstms
        >>> model = TFGridNet(n_src=2, n_blocks=1, hid_size=16).eval()
        >>> time = torch.export.Dim("time", min=4000, max=8000 * 60)
        >>> with export_dynamic_lstms():
        ...     program = torch.export.export(
        ...         model,
        ...         (torch.randn(1, 1, 8000),),
        ...         dynamic_shapes={"wav": {2: time}},
        ...         prefer_deferred_runtime_asserts_over_guards=True,
        ...     )
        >>> program.module()(torch.randn(1, 1, 12345)).shape
        torch.Size([1, 2, 12345])

    References:
        Zhong-Qiu Wang, Samuele Cornell, Shukjae Choi, Younglo Lee, Byeong-Yeol Kim and Shinji
        Watanabe, "TF-GridNet: Integrating Full- and Sub-Band Modeling for Speech Separation",
        IEEE/ACM TASLP 2023. https://arxiv.org/abs/2211.12433
    """

    def __init__(
        self,
        n_src,
        n_blocks=6,
        emb_dim=64,
        hid_size=256,
        emb_kernel_size=4,
        emb_stride=1,
        n_heads=4,
        qk_channels=4,
        eps=1e-5,
        stft_n_filters=256,
        stft_kernel_size=256,
        stft_stride=64,
        sample_rate=8000,
    ):
        # Periodic Hann window; with a hop of at most half the window, istft inverts stft.
        window = np.hanning(stft_kernel_size + 1)[:-1]
        encoder, decoder = make_enc_dec(
            "torch_stft",
            n_filters=stft_n_filters,
            kernel_size=stft_kernel_size,
            stride=stft_stride,
            sample_rate=sample_rate,
            window=window,
        )
        masker = TFGridNetMasker(
            encoder.n_feats_out,
            n_src,
            n_blocks=n_blocks,
            emb_dim=emb_dim,
            hid_size=hid_size,
            emb_kernel_size=emb_kernel_size,
            emb_stride=emb_stride,
            n_heads=n_heads,
            qk_channels=qk_channels,
            eps=eps,
        )
        super().__init__(encoder, masker, decoder)
        self.stft_n_filters = stft_n_filters
        self.stft_kernel_size = stft_kernel_size
        self.stft_stride = stft_stride

    def apply_masks(self, tf_rep: torch.Tensor, est_masks: torch.Tensor) -> torch.Tensor:
        """The masker's output is already the sources' spectra (complex spectral mapping)."""
        return est_masks

    def get_model_args(self):
        """The masker's arguments (but ``in_chan``), the STFT's and ``sample_rate``."""
        masker_args = self.masker.get_config()
        del masker_args["in_chan"]  # given by the STFT size
        return {
            **masker_args,
            "stft_n_filters": self.stft_n_filters,
            "stft_kernel_size": self.stft_kernel_size,
            "stft_stride": self.stft_stride,
            "sample_rate": self.sample_rate,
        }
