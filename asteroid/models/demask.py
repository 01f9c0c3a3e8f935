"""DeMask: a small MLP masking an STFT, to enhance speech recorded through a surgical mask."""

from torch import nn

from ..filterbanks import make_enc_dec
from ..filterbanks.transforms import mag, magreim
from ..masknn import activations, norms
from .base_models import BaseEncoderMaskerDecoder

__all__ = ["DeMask", "build_demask_masker"]

_INPUT_TYPES = ("mag", "reim", "cat")
_OUTPUT_TYPES = ("mag", "reim")


class DeMask(BaseEncoderMaskerDecoder):
    """Speech enhancement by masking in a transformed domain with a frame-wise MLP.

    Args:
        input_type (str): features given to the masker: ``"mag"`` (magnitudes),
            ``"reim"`` (real and imaginary parts) or ``"cat"`` (both, stacked).
        output_type (str): ``"mag"`` (a real mask, applied to the real and
            imaginary parts alike) or ``"reim"`` (a mask per real/imaginary row).
        hidden_dims (sequence of int): sizes of the MLP's hidden layers.
        dropout (float): dropout after each hidden layer.
        activation (str): activation of the hidden layers.
        mask_act (str): activation that produces the mask.
        norm_type (str): norm before the MLP and after each hidden layer.
        fb_name (str): filterbank (``"stft"``, ``"free"``, ``"analytic_free"``, ...).
        n_filters (int): number of filters.
        stride (int): hop of the filterbank, in samples.
        kernel_size (int): filter length, in samples.
        sample_rate (float): sample rate of the model, in Hz.
        **fb_kwargs: further arguments of the filterbank.

    Shape:
        - input: :math:`(T,)`, :math:`(B, T)` or :math:`(B, 1, T)`
        - output: :math:`(1, T)` or :math:`(B, 1, T)`

    Raises:
        ValueError: for an unknown ``input_type`` or ``output_type``.
    """

    def __init__(
        self,
        input_type="mag",
        output_type="mag",
        hidden_dims=(1024,),
        dropout=0.0,
        activation="relu",
        mask_act="relu",
        norm_type="gLN",
        fb_name="stft",
        n_filters=512,
        stride=256,
        kernel_size=512,
        sample_rate=16000,
        **fb_kwargs,
    ):
        if input_type not in _INPUT_TYPES:
            raise ValueError(f"input_type must be one of {_INPUT_TYPES}, got {input_type!r}.")
        if output_type not in _OUTPUT_TYPES:
            raise ValueError(f"output_type must be one of {_OUTPUT_TYPES}, got {output_type!r}.")
        encoder, decoder = make_enc_dec(
            fb_name,
            kernel_size=kernel_size,
            n_filters=n_filters,
            stride=stride,
            sample_rate=sample_rate,
            **fb_kwargs,
        )
        n_feats = encoder.n_feats_out
        # Magnitudes have half as many rows as the (real, imaginary) features.
        n_masker_in = {"mag": n_feats // 2, "reim": n_feats, "cat": n_feats // 2 + n_feats}
        n_masker_out = n_feats // 2 if output_type == "mag" else n_feats
        masker = build_demask_masker(
            n_masker_in[input_type],
            n_masker_out,
            norm_type=norm_type,
            activation=activation,
            hidden_dims=hidden_dims,
            dropout=dropout,
            mask_act=mask_act,
        )
        super().__init__(encoder, masker, decoder)
        self.input_type = input_type
        self.output_type = output_type
        self.hidden_dims = hidden_dims
        self.dropout = dropout
        self.activation = activation
        self.mask_act = mask_act
        self.norm_type = norm_type

    def forward_masker(self, tf_rep):
        """One mask for the single source: :math:`(B, N, L)` -> :math:`(B, N, L)`."""
        # B: batch, N: filterbank rows (real and imaginary halves), L: frames
        masker_input = tf_rep
        if self.input_type == "mag":
            masker_input = mag(tf_rep)  # B, N/2, L
        elif self.input_type == "cat":
            masker_input = magreim(tf_rep)  # B, N/2 + N, L
        est_masks = self.masker(masker_input)
        if self.output_type == "mag":
            est_masks = est_masks.repeat(1, 2, 1)  # B, N, L
        return est_masks

    def apply_masks(self, tf_rep, est_masks):
        """Masked features of the single source: :math:`(B, 1, N, L)`."""
        return (est_masks * tf_rep).unsqueeze(1)

    def get_model_args(self):
        """The masker's arguments and the filterbank's config."""
        return {
            "input_type": self.input_type,
            "output_type": self.output_type,
            "hidden_dims": self.hidden_dims,
            "dropout": self.dropout,
            "activation": self.activation,
            "mask_act": self.mask_act,
            "norm_type": self.norm_type,
            **self.encoder.filterbank.get_config(),
        }


def build_demask_masker(
    n_in,
    n_out,
    activation="relu",
    dropout=0.0,
    hidden_dims=(1024,),
    mask_act="relu",
    norm_type="gLN",
):
    """The MLP of :class:`DeMask`, as 1x1 convolutions over frames.

    ``[norm(n_in), (Conv1d(., h, 1), norm(h), activation, Dropout) per hidden size h,
    Conv1d(., n_out, 1), mask activation]``.

    Args:
        n_in (int): input features per frame.
        n_out (int): mask values per frame.
        activation (str): activation of the hidden layers.
        dropout (float): dropout after each hidden layer.
        hidden_dims (sequence of int): hidden layer sizes.
        mask_act (str): activation of the output.
        norm_type (str): norm (see :mod:`asteroid.masknn.norms`).

    Returns:
        nn.Sequential: maps :math:`(B, n_{in}, L)` to :math:`(B, n_{out}, L)`.
    """
    make_norm = norms.get(norm_type)
    hidden_activation = activations.get(activation)()
    layers = [make_norm(n_in)]
    in_chan = n_in
    for hidden_dim in hidden_dims:
        layers += [
            nn.Conv1d(in_chan, hidden_dim, 1),
            make_norm(hidden_dim),
            hidden_activation,
            nn.Dropout(dropout),
        ]
        in_chan = hidden_dim
    layers += [nn.Conv1d(in_chan, n_out, 1), activations.get(mask_act)()]
    return nn.Sequential(*layers)
