"""DCCRN (Hu et al. 2020): a complex convolutional recurrent network masking an STFT."""

import torch

from ..filterbanks.transforms import from_torch_complex, to_torch_complex
from ..masknn.recurrent import DCCRMaskNet
from .dcunet import BaseDCUNet

__all__ = ["DCCRNet"]


class DCCRNet(BaseDCUNet):
    """DCCRN: complex masks from a complex convolutional encoder, a complex LSTM and a decoder.

    The Nyquist bin is dropped before the mask network (so that the number of
    frequencies is a power of two) and left at zero in the masked spectrum.

    Args:
        architecture (str): ``"DCCRN-CL"`` or ``"mini"`` (the first positional argument).
        stft_n_filters (int): FFT size of the STFT.
        stft_kernel_size (int): STFT window length, in samples.
        stft_stride (int): STFT hop, in samples.
        **masknet_kwargs: ``sample_rate`` (Hz, default 16000) and the arguments of
            :class:`~asteroid.masknn.DCCRMaskNet` (``n_freqs`` defaults to
            ``stft_n_filters // 2``).

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Yanxin Hu et al., "DCCRN: Deep Complex Convolution Recurrent Network for
        Phase-Aware Speech Enhancement", Interspeech 2020. https://arxiv.org/abs/2008.00264
    """

    masknet_class = DCCRMaskNet

    def __init__(
        self, *args, stft_n_filters=512, stft_kernel_size=400, stft_stride=100, **masknet_kwargs
    ):
        masknet_kwargs.setdefault("n_freqs", stft_n_filters // 2)
        super().__init__(
            *args,
            stft_n_filters=stft_n_filters,
            stft_kernel_size=stft_kernel_size,
            stft_stride=stft_stride,
            **masknet_kwargs,
        )

    def forward_encoder(self, wav: torch.Tensor) -> torch.Tensor:
        """The STFT without its Nyquist bin, native complex: :math:`(B, F - 1, L)`."""
        return to_torch_complex(self.encoder(wav))[..., :-1, :]

    def apply_masks(self, tf_rep: torch.Tensor, est_masks: torch.Tensor) -> torch.Tensor:
        """Complex masking, the Nyquist bin put back as zeros: :math:`(B, S, 2F, L)`."""
        masked = est_masks * tf_rep.unsqueeze(1)
        return from_torch_complex(torch.nn.functional.pad(masked, [0, 0, 0, 1]))
