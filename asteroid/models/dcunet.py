"""Deep Complex U-Net (Choi et al. 2019): complex masks on an STFT, estimated by a complex U-Net."""

import torch

from ..filterbanks import make_enc_dec
from ..filterbanks.transforms import from_torch_complex, to_torch_complex
from ..masknn.convolutional import DCUMaskNet
from .base_models import BaseEncoderMaskerDecoder

__all__ = ["BaseDCUNet", "DCUNet"]


class BaseDCUNet(BaseEncoderMaskerDecoder):
    """An STFT encoder/decoder and a complex mask network (the base of DCUNet and DCCRNet).

    A subclass sets ``masknet_class``, a mask network class with a
    ``default_architecture(name, **kwargs)`` constructor.

    Args:
        architecture (str): name of the mask network's architecture.
        stft_n_filters (int): FFT size of the STFT.
        stft_kernel_size (int): STFT window length, in samples.
        stft_stride (int): STFT hop, in samples.
        sample_rate (float): sample rate of the model, in Hz.
        **masknet_kwargs: arguments of ``masknet_class.default_architecture``
            (e.g. ``n_src``, ``fix_length_mode``, ``mask_bound``).

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`
    """

    masknet_class = None

    def __init__(
        self,
        architecture,
        stft_n_filters=1024,
        stft_kernel_size=1024,
        stft_stride=256,
        sample_rate=16000.0,
        **masknet_kwargs,
    ):
        if self.masknet_class is None:
            raise TypeError(
                f"{type(self).__name__} has no masknet_class: use DCUNet or DCCRNet, or set it "
                "in a subclass."
            )
        self.architecture = architecture
        self.stft_n_filters = stft_n_filters
        self.stft_kernel_size = stft_kernel_size
        self.stft_stride = stft_stride
        self.masknet_kwargs = masknet_kwargs
        encoder, decoder = make_enc_dec(
            "stft",
            n_filters=stft_n_filters,
            kernel_size=stft_kernel_size,
            stride=stft_stride,
            sample_rate=sample_rate,
        )
        masker = self.masknet_class.default_architecture(architecture, **masknet_kwargs)
        super().__init__(encoder, masker, decoder)

    def forward_encoder(self, wav: torch.Tensor) -> torch.Tensor:
        """The STFT as a native complex tensor: :math:`(B, 1, T)` -> :math:`(B, F, L)`."""
        return to_torch_complex(self.encoder(wav))

    def apply_masks(self, tf_rep: torch.Tensor, est_masks: torch.Tensor) -> torch.Tensor:
        """Complex masking, back to Asteroid-complex features: :math:`(B, S, 2F, L)`."""
        return from_torch_complex(est_masks * tf_rep.unsqueeze(1))

    def get_model_args(self):
        """The STFT arguments, the architecture and the mask network's arguments."""
        return {
            "architecture": self.architecture,
            "stft_n_filters": self.stft_n_filters,
            "stft_kernel_size": self.stft_kernel_size,
            "stft_stride": self.stft_stride,
            "sample_rate": self.sample_rate,
            **self.masknet_kwargs,
        }


class DCUNet(BaseDCUNet):
    """Deep Complex U-Net: complex ratio masks on the STFT from a complex convolutional U-Net.

    Args:
        architecture (str): ``"DCUNet-10"``, ``"DCUNet-16"``, ``"DCUNet-20"``,
            ``"Large-DCUNet-20"`` or ``"mini"``.
        stft_n_filters (int): FFT size of the STFT.
        stft_kernel_size (int): STFT window length, in samples.
        stft_stride (int): STFT hop, in samples.
        sample_rate (float): sample rate of the model, in Hz.
        **masknet_kwargs: arguments of :class:`~asteroid.masknn.DCUMaskNet`
            (``n_src``, ``fix_length_mode`` (``None``, ``"pad"`` or ``"trim"``),
            ``mask_bound``).

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(S, T)` or :math:`(B, S, T)`

    References:
        Hyeong-Seok Choi et al., "Phase-aware Speech Enhancement with Deep Complex
        U-Net", ICLR 2019. https://arxiv.org/abs/1903.03107
    """

    masknet_class = DCUMaskNet
