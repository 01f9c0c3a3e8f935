"""U-Net bases of the complex maskers (DCUNet, DCCRN) and helpers shared by the maskers."""

import torch
from torch import nn

from .. import complex_nn

__all__ = ["BaseUNet", "BaseDCUMaskNet"]


def _check_masker_input(x: torch.Tensor, in_chan: int, name: str):
    """Raise a ``ValueError`` unless ``x`` is :math:`(batch, in\\_chan, frames)`."""
    if x.dim() != 3 or x.shape[1] != in_chan:
        raise ValueError(
            f"{name} expects an input of shape (batch, {in_chan}, frames), got {x.shape}."
        )


def _none_sequential(*modules):
    """``nn.Sequential`` of the modules that are not ``None``."""
    return nn.Sequential(*[m for m in modules if m is not None])


class BaseUNet(nn.Module):
    """U-Net whose decoders also receive the output of the mirrored encoder.

    The output of decoder :math:`i` is concatenated on the channels (dim 1) with
    the output of encoder :math:`N - 2 - i` before going to the next decoder
    (or to ``output_layer`` after the last one). A U-Net without skip
    connections is just an ``nn.Sequential``.

    Args:
        encoders (list of nn.Module): the :math:`N` encoders, from the input side.
        decoders (list of nn.Module): the :math:`N - 1` decoders, from the bottleneck side.
        output_layer (nn.Module, optional): layer after the last concatenation.

    Raises:
        ValueError: unless there is one decoder less than encoders.
    """

    def __init__(self, encoders, decoders, *, output_layer=None):
        super().__init__()
        if len(encoders) != len(decoders) + 1:
            raise ValueError(
                f"A U-Net needs one decoder less than encoders, got {len(encoders)} encoders "
                f"and {len(decoders)} decoders."
            )
        self.encoders = nn.ModuleList(encoders)
        self.decoders = nn.ModuleList(decoders)
        self.output_layer = output_layer or nn.Identity()

    def forward(self, x):
        return self._forward_unet(x)

    def _forward_unet(self, x):
        enc_outs = []
        for enc in self.encoders:
            x = enc(x)
            enc_outs.append(x)
        # The bottleneck output goes to the first decoder; the other encoder outputs
        # are the skips, deepest first.
        skips = enc_outs[:-1]
        for idx, dec in enumerate(self.decoders):
            x = torch.cat([dec(x), skips[len(skips) - 1 - idx]], dim=1)
        return self.output_layer(x)


class BaseDCUMaskNet(BaseUNet):
    """Base of the complex U-Net maskers (:class:`~asteroid.masknn.convolutional.DCUMaskNet`,
    :class:`~asteroid.masknn.recurrent.DCCRMaskNet`).

    The input is a native complex spectrogram :math:`(batch, freq, frames)`; it
    gets a channel dimension, goes through the U-Net, and the output layer is
    followed by a :class:`~asteroid.complex_nn.BoundComplexMask`. Build an
    instance from a named architecture with :meth:`default_architecture`.

    Args:
        encoders (list of nn.Module): the encoders.
        decoders (list of nn.Module): the decoders.
        output_layer (nn.Module, optional): layer after the last decoder, before the bound.
        mask_bound (str or None): ``"tanh"`` (BDT), ``"sigmoid"`` (BDSS) or ``None``
            (unbounded), see :func:`~asteroid.complex_nn.bound_complex_mask`.

    References:
        Choi et al., "Phase-aware Speech Enhancement with Deep Complex U-Net",
        ICLR 2019. https://arxiv.org/abs/1903.03107
    """

    #: Named architectures, ``{name: (encoder_args, decoder_args)}``; set by subclasses.
    _architectures = {}

    @classmethod
    def default_architecture(cls, architecture: str, n_src=1, **kwargs):
        """Build the masker from a named architecture.

        Args:
            architecture (str): a key of the subclass' architecture table.
            n_src (int): number of sources (output channels of the last decoder).
            **kwargs: passed to the constructor.

        Raises:
            ValueError: for an unknown architecture name.
        """
        if architecture not in cls._architectures:
            raise ValueError(
                f"Unknown {cls.__name__} architecture {architecture!r}. "
                f"Known architectures: {', '.join(cls._architectures)}."
            )
        encoders, decoders = cls._architectures[architecture]
        in_chan, _, *rest = decoders[-1]
        decoders = (*decoders[:-1], (in_chan, n_src, *rest))
        return cls(encoders, decoders, **kwargs)

    def __init__(self, encoders, decoders, output_layer=None, mask_bound="tanh", **kwargs):
        self.mask_bound = mask_bound
        super().__init__(
            encoders=encoders,
            decoders=decoders,
            output_layer=_none_sequential(output_layer, complex_nn.BoundComplexMask(mask_bound)),
            **kwargs,
        )

    def forward(self, x):
        fixed_x = self.fix_input_dims(x)
        out = self._forward_unet(fixed_x.unsqueeze(1))  # batch, n_src, freq, frames
        return self.fix_output_dims(out, x)

    def fix_input_dims(self, x):
        """Check (and possibly pad or trim) the input; overridden by subclasses."""
        return x

    def fix_output_dims(self, out, x):
        """Bring the output back to the input's shape; overridden by subclasses."""
        return out
