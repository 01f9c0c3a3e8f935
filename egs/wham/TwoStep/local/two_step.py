"""Two-step source separation: an adaptive front-end, then a separator on its latent space.

Step 1 (``--system twostep_filterbank``, model :class:`TwoStepFilterbank`): a ReLU conv
encoder and a transposed-conv decoder are trained to rebuild each source from the mixture's
encoding masked by the sources' ideal latent masks (softmax over sources of the encoded
sources). Step 2 (``--system twostep_separator``, model :class:`TwoStepTDCN`): with the
front-end frozen (``--init_from`` the step-1 model file), a TDCN estimates the sources'
latent representations; it is trained on the latent targets of step 1 and validated and
evaluated in the time domain. Both losses are SI-SDR without mean removal
(``--loss pit_sisdr_nozeromean``, the time-domain signals being centred first).

References:
    Efthymios Tzinis, Shrikant Venkataramani, Zhepei Wang, Cem Subakan and Paris Smaragdis,
    "Two-Step Sound Source Separation: Training on Learned Latent Targets", ICASSP 2020.
    https://arxiv.org/abs/1910.09804
"""

import torch
from torch import nn

from asteroid.models import BaseModel, register_model
from asteroid.scripts.recipe_parts import SystemSpec, register_model_builder, register_system
from asteroid.utils.torch_utils import pad_x_to_y

__all__ = ["TwoStepFilterbank", "TwoStepTDCN"]


class _FrontEnd(nn.Module):
    """The adaptive encoder (ReLU conv) and the per-source decoder (grouped transposed conv)."""

    def __init__(self, n_filters, kernel_size, stride, n_src):
        super().__init__()
        self.mix_encoder = nn.Conv1d(
            1, n_filters, kernel_size, stride=stride, padding=kernel_size // 2
        )
        self.decoder = nn.ConvTranspose1d(
            n_src * n_filters,
            n_src,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            groups=n_src,
            output_padding=stride - 1,
        )

    def encode(self, wav):
        """``(B, T)`` or ``(B, S, T)`` waveforms -> ``(B, [S,] N, L)`` non-negative features."""
        shape = wav.shape
        feats = torch.relu(self.mix_encoder(wav.reshape(-1, 1, shape[-1])))  # B*S, N, L
        return feats.reshape(*shape[:-1], *feats.shape[-2:])

    def decode(self, latents, like):
        """``(B, S, N, L)`` latent sources -> ``(B, S, T)`` waveforms of ``like``'s length."""
        batch, n_src, n_filters, frames = latents.shape
        wavs = self.decoder(latents.reshape(batch, n_src * n_filters, frames))  # B, S, T'
        return pad_x_to_y(wavs, like)

    def latent_targets(self, mixture, sources):
        """The mixture's encoding masked by the ideal latent masks of the sources."""
        masks = torch.softmax(self.encode(sources), dim=1)  # B, S, N, L
        return masks * self.encode(mixture).unsqueeze(1)


class TwoStepFilterbank(BaseModel):
    """Step 1: the adaptive front-end, trained to rebuild the sources through ideal latent masks.

    Args:
        n_filters (int): Number of basis filters :math:`N`.
        kernel_size (int): Filter length :math:`L` (samples).
        stride (int): Hop of the encoder (default ``kernel_size // 2``).
        n_src (int): Number of sources.
        sample_rate (float): Sample rate (Hz).

    Shape:
        - forward inputs: mixture :math:`(B, T)`, sources :math:`(B, S, T)`.
        - output: rebuilt sources :math:`(B, S, T)`.
    """

    def __init__(self, n_filters=128, kernel_size=21, stride=None, n_src=2, sample_rate=8000):
        super().__init__(sample_rate=sample_rate)
        self.n_filters, self.kernel_size, self.n_src = n_filters, kernel_size, n_src
        self.stride = stride or kernel_size // 2
        self.front_end = _FrontEnd(n_filters, kernel_size, self.stride, n_src)

    def forward(self, mixture, sources):
        return self.front_end.decode(self.front_end.latent_targets(mixture, sources), mixture)

    def get_model_args(self):
        return dict(
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            stride=self.stride,
            n_src=self.n_src,
            sample_rate=self.sample_rate,
        )


class _SeparableBlock(nn.Module):
    """Residual depth-wise separable dilated conv block of the TDCN (no skip output)."""

    def __init__(self, in_chan, hid_chan, kernel_size, dilation):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv1d(in_chan, hid_chan, 1),
            nn.PReLU(),
            nn.GroupNorm(1, hid_chan, eps=1e-8),
            nn.Conv1d(
                hid_chan,
                hid_chan,
                kernel_size,
                padding=dilation * (kernel_size - 1) // 2,
                dilation=dilation,
                groups=hid_chan,
            ),
            nn.PReLU(),
            nn.GroupNorm(1, hid_chan, eps=1e-8),
            nn.Conv1d(hid_chan, in_chan, 1),
        )

    def forward(self, x):
        return x + self.net(x)


class TwoStepTDCN(BaseModel):
    """Step 2: a TDCN that estimates the sources' latent representations of a frozen front-end.

    Args:
        n_filters, kernel_size, stride: The front-end's (see :class:`TwoStepFilterbank`).
        n_src (int): Number of sources.
        bn_chan (int): Bottleneck channels.
        hid_chan (int): Channels of the convolutional blocks.
        conv_kernel_size (int): Kernel size of the depth-wise convolutions.
        n_blocks (int): Number of times the dilation pattern is repeated.
        n_repeats (int): Blocks per pattern, with dilations :math:`1, 2, ..., 2^{R-1}`.
        sample_rate (float): Sample rate (Hz).

    Shape:
        - input: :math:`(B, T)`; output: :math:`(B, S, T)`.
    """

    # fmt: off
    def __init__(
        self,
        n_filters=128, kernel_size=21, stride=None,  # the front-end
        n_src=2,
        bn_chan=256, hid_chan=512, conv_kernel_size=3, n_blocks=8, n_repeats=4,  # the TDCN
        sample_rate=8000,
    ):
        # fmt: on
        self.args = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(sample_rate=self.args.pop("sample_rate"))
        self.args["stride"] = stride or kernel_size // 2
        self.n_src = n_src
        self.front_end = _FrontEnd(n_filters, kernel_size, self.args["stride"], n_src)
        for param in self.front_end.parameters():
            param.requires_grad = False  # trained in step 1
        blocks = [
            _SeparableBlock(bn_chan, hid_chan, conv_kernel_size, 2**d)
            for _ in range(n_blocks)
            for d in range(n_repeats)
        ]
        self.separator = nn.Sequential(
            nn.BatchNorm1d(n_filters), nn.Conv1d(n_filters, bn_chan, 1), *blocks
        )
        self.out_layer = nn.Sequential(
            nn.Conv1d(bn_chan, n_filters, 1), nn.BatchNorm1d(n_filters), nn.ReLU()
        )
        # One mask per source from the whole (N + 1)-bin neighbourhood of each frame.
        self.mask_layer = nn.Conv2d(
            1, n_src, (n_filters + 1, 1), padding=(n_filters - n_filters // 2, 0)
        )

    def estimate_latents(self, mixture):
        """Latent sources :math:`(B, S, N, L)` of mixtures :math:`(B, T)`."""
        encoded = self.front_end.encode(mixture)  # B, N, L
        feats = self.out_layer(self.separator(encoded))  # B, N, L
        masks = torch.softmax(self.mask_layer(feats.unsqueeze(1)), dim=1)  # B, S, N, L
        return masks * encoded.unsqueeze(1)

    def latent_targets(self, mixture, sources):
        return self.front_end.latent_targets(mixture, sources)

    def forward(self, wav):
        squeeze = wav.ndim == 1
        wav = wav.reshape(-1, wav.shape[-1])  # B, T
        out = self.front_end.decode(self.estimate_latents(wav), wav)
        return out[0] if squeeze else out

    def get_model_args(self):
        return {**self.args, "sample_rate": self.sample_rate}


def _centred(x):
    return x - x.mean(-1, keepdim=True)


def filterbank_step(system, batch, train):
    mixture, sources = batch[0], batch[1]
    return system.loss_func(_centred(system.model(mixture, sources)), _centred(sources))


def separator_step(system, batch, train):
    mixture, sources = batch[0], batch[1]
    if train:  # regress the latent targets (section 2.2 of the paper)
        target = system.model.latent_targets(mixture, sources)
        est = system.model.estimate_latents(mixture)
        return system.loss_func(est.flatten(2), target.flatten(2))
    return system.loss_func(_centred(system(mixture)), _centred(sources))


def _prefixed(group, prefix, keys):
    def read(conf):
        return {key: conf[group][prefix + key] for key in keys if prefix + key in conf[group]}

    return read


_TRAINING = ("epochs", "batch_size", "num_workers", "half_lr", "early_stop")
_OPTIM = ("optimizer", "lr")


def _n_src(train_set):
    return getattr(train_set, "n_src", 2)


def build_filterbank(conf, train_set):
    fb = conf["filterbank"]
    return TwoStepFilterbank(n_src=_n_src(train_set), sample_rate=conf["data"]["sample_rate"], **fb)


def build_separator(conf, train_set):
    return TwoStepTDCN(
        n_src=_n_src(train_set),
        sample_rate=conf["data"]["sample_rate"],
        **conf["filterbank"],
        **conf["masknet"],
    )


register_model(TwoStepFilterbank)
register_model(TwoStepTDCN)
register_model_builder("TwoStepFilterbank", build_filterbank)
register_model_builder("TwoStepTDCN", build_separator)
# Each part reads its own options: f_epochs, f_lr... or s_epochs, s_lr...
for _part, _step in (("filterbank", filterbank_step), ("separator", separator_step)):
    _group, _prefix = f"{_part}_training", _part[0] + "_"
    register_system(
        f"twostep_{_part}",
        SystemSpec(
            step=_step,
            training_conf=_prefixed(_group, _prefix, _TRAINING),
            optim_conf=_prefixed(_group, _prefix, _OPTIM),
        ),
    )
