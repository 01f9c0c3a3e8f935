"""The DNS Challenge baseline: a recurrent mask estimator on the STFT (``--system dns``).

:class:`DNSBaseline` computes the STFT of the noisy speech, feeds ``[re, im, |X|]`` (complex
mode) or ``|X|`` to a linear layer, residual GRU layers and a linear layer with ReLU, and
applies the output as a mask: a real mask on both STFT halves (complex mode) or a magnitude
mask. Training compares the masked STFT to the clean speech's STFT: the mean squared
distance in the complex plane (complex mode) or between magnitudes. ``forward`` returns the
enhanced waveform.

References:
    Chandan K. A. Reddy et al., "The INTERSPEECH 2020 Deep Noise Suppression Challenge:
    Datasets, Subjective Testing Framework, and Challenge Results", 2020.
    Yangyang Xia et al., "Weighted Speech Distortion Losses for Neural-Network-Based
    Real-Time Speech Enhancement", ICASSP 2020.
"""

import json
import os

import soundfile as sf
import torch
from torch import nn
from torch.utils.data import Dataset

from asteroid.filterbanks import make_enc_dec
from asteroid.filterbanks.transforms import apply_mag_mask, apply_real_mask, mag, magreim
from asteroid.masknn.rnn import StackedResidualRNN
from asteroid.models import BaseModel, register_model
from asteroid.scripts.recipe_parts import (
    DATASETS,
    register_dataset,
    register_model_builder,
    register_system,
)
from asteroid.utils.torch_utils import pad_x_to_y

__all__ = ["DNSBaseline", "DNSTestSet"]


class DNSBaseline(BaseModel):
    """STFT masking with residual GRUs.

    Args:
        n_filters, kernel_size, stride (int): STFT size, window and hop (samples).
        hidden_size (int): Width of the recurrent layers.
        rnn_type (str): ``"gru"``, ``"lstm"`` or ``"rnn"``.
        n_layers (int): Residual recurrent layers.
        dropout (float): Dropout of each recurrent layer.
        is_complex (bool): Complex features and a mask on both STFT halves (else magnitudes).
        sample_rate (float): Sample rate (Hz).

    Shape:
        - input: :math:`(B, T)`; output: :math:`(B, 1, T)`.
    """

    # fmt: off
    def __init__(
        self,
        n_filters=512, kernel_size=512, stride=256,  # the STFT
        hidden_size=500, rnn_type="gru", n_layers=3, dropout=0.3,  # the mask estimator
        is_complex=True,
        sample_rate=16000,
    ):
        # fmt: on
        self.args = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(sample_rate=self.args.pop("sample_rate"))
        self.args["is_complex"] = bool(is_complex)
        self.encoder, self.decoder = make_enc_dec(
            "stft", n_filters=n_filters, kernel_size=kernel_size, stride=stride, sample_rate=sample_rate
        )
        n_feats = self.encoder.n_feats_out  # 2F
        in_size = n_feats * 3 // 2 if is_complex else n_feats // 2
        out_size = n_feats if is_complex else n_feats // 2
        self.in_proj = nn.Linear(in_size, hidden_size)
        self.rnn = StackedResidualRNN(rnn_type, hidden_size, n_layers=n_layers, dropout=dropout)
        self.out_proj = nn.Linear(hidden_size, out_size)

    def masked_stft(self, wav):
        """The enhanced STFT :math:`(B, 2F, L)` of waveforms :math:`(B, T)`."""
        tf_rep = self.encoder(wav.unsqueeze(1))  # B, 2F, L
        feats = magreim(tf_rep) if self.args["is_complex"] else mag(tf_rep)
        hidden = self.rnn(torch.relu(self.in_proj(feats.transpose(1, 2))))  # B, L, H
        masks = torch.relu(self.out_proj(hidden)).transpose(1, 2)  # B, 2F or F, L
        if self.args["is_complex"]:
            return apply_real_mask(tf_rep, masks)
        return apply_mag_mask(tf_rep, masks)

    def forward(self, wav):
        squeeze = wav.ndim == 1
        wav = wav.reshape(-1, wav.shape[-1])
        out = pad_x_to_y(self.decoder(self.masked_stft(wav)), wav).unsqueeze(1)
        return out[0] if squeeze else out

    def get_model_args(self):
        return {**self.args, "sample_rate": self.sample_rate}


def dns_step(system, batch, train):
    noisy, clean = batch[0], batch[1]
    model = system.model
    estimate = model.masked_stft(noisy)
    target = model.encoder(clean.unsqueeze(1))
    if model.args["is_complex"]:
        return mag(estimate - target).pow(2).mean()
    return (mag(estimate) - mag(target)).pow(2).mean()


class DNSTestSet(Dataset):
    """The DNS synthetic test set (``file_infos.json`` with ``mix`` and ``clean``).

    Items are ``(noisy, clean)``: float32 tensors ``(time,)`` and ``(1, time)``.
    """

    dataset_name = "DNS Challenge (synthetic test set)"

    def __init__(self, json_dir):
        with open(os.path.join(json_dir, "file_infos.json")) as fh:
            self.infos = list(json.load(fh).values())

    def __len__(self):
        return len(self.infos)

    def __getitem__(self, idx):
        noisy, _ = sf.read(self.infos[idx]["mix"], dtype="float32")
        clean, _ = sf.read(self.infos[idx]["clean"], dtype="float32")
        return torch.from_numpy(noisy), torch.from_numpy(clean)[None]


def build_dataset(conf, split, folder):
    if split == "test":
        return DNSTestSet(folder)
    return DATASETS["DNSDataset"](conf, split, folder)


def build_model(conf, train_set):
    return DNSBaseline(
        is_complex=conf["training"]["is_complex"],
        sample_rate=conf["data"]["sample_rate"],
        **conf["filterbank"],
        **conf["masknet"],
    )


register_model(DNSBaseline)
register_model_builder("DNSBaseline", build_model)
register_dataset("DNSBaseline", build_dataset)
register_system("dns", dns_step)
