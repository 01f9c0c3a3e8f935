"""Looking to Listen: audio-visual speech separation for the shared scripts (``--system avspeech``).

:class:`LookingToListen` separates the speakers of a mixture given one face-embedding track
per speaker. The audio stream is a stack of dilated 2-D convolutions on the power-law
compressed STFT (real and imaginary parts as two channels); the visual stream is a stack of
dilated 1-D convolutions on each speaker's face embeddings, upsampled to the STFT frame rate.
The streams are concatenated, fed to a bidirectional LSTM and three fully connected layers,
which output one sigmoid mask per speaker for the real and the imaginary parts. Training
minimises the MSE between the masked and the speakers' compressed spectrograms (the speakers
are tied to their faces: no permutation). Evaluation turns the spectrograms back into
waveforms (:meth:`AVSpeechDataset.decode`).

References:
    Ariel Ephrat et al., "Looking to Listen at the Cocktail Party: A Speaker-Independent
    Audio-Visual Model for Speech Separation", SIGGRAPH 2018. https://arxiv.org/abs/1804.03619
"""

import numpy as np
import torch
from torch import nn

from asteroid.data import AVSpeechDataset
from asteroid.models import BaseModel, register_model
from asteroid.scripts.recipe_parts import (
    register_dataset,
    register_model_builder,
    register_separator,
    register_system,
)

__all__ = ["LookingToListen"]

# (kernel (freq, time), dilation (freq, time)) of the audio convolutions, from the paper.
AUDIO_LAYERS = [((7, 1), (1, 1)), ((1, 7), (1, 1))] + [
    ((5, 5), dil)
    for dil in [
        (1, 1),
        (1, 2),
        (1, 4),
        (1, 8),
        (1, 16),
        (1, 32),
        (1, 1),
        (2, 2),
        (4, 4),
        (8, 8),
        (16, 16),
        (32, 32),
    ]
]
# (kernel, dilation) of the visual convolutions (along time).
VIDEO_LAYERS = [(7, 1), (5, 1), (5, 2), (5, 4), (5, 8), (5, 16)]


def _conv_bn_relu(conv, chan):
    return nn.Sequential(
        conv,
        nn.BatchNorm2d(chan) if isinstance(conv, nn.Conv2d) else nn.BatchNorm1d(chan),
        nn.ReLU(),
    )


class LookingToListen(BaseModel):
    """Audio-visual separation network (see the module description).

    Args:
        n_src (int): Speakers (face tracks) per mixture.
        n_freqs (int): STFT frequencies (257 for the 512-point STFT of AVSpeechDataset).
        embed_dim (int): Size of a face embedding.
        audio_chan (int): Channels of the audio convolutions.
        video_chan (int): Channels of the visual convolutions.
        lstm_hidden (int): Units of the BLSTM, per direction.
        fc_hidden (int): Units of the fully connected layers.
        sample_rate (float): Sample rate (Hz).

    Shape:
        - mixture spectrogram: :math:`(B, 2F, L)`; embeddings: :math:`(B, S, V, 1, E)`.
        - output: the speakers' spectrograms :math:`(B, S, 2F, L)`.
    """

    # fmt: off
    def __init__(
        self,
        n_src=2, n_freqs=257, embed_dim=1792,  # speakers, STFT bins, face embedding size
        audio_chan=96, video_chan=256, lstm_hidden=400, fc_hidden=600,  # layer sizes
        sample_rate=16000,
    ):
        # fmt: on
        self.args = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(sample_rate=self.args.pop("sample_rate"))
        layers, chan = [], 2
        for kernel, dilation in AUDIO_LAYERS:
            pad = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
            conv = nn.Conv2d(chan, audio_chan, kernel, padding=pad, dilation=dilation)
            layers.append(_conv_bn_relu(conv, audio_chan))
            chan = audio_chan
        layers.append(_conv_bn_relu(nn.Conv2d(chan, 8, 1), 8))
        self.audio = nn.Sequential(*layers)
        layers, chan = [], embed_dim
        for kernel, dilation in VIDEO_LAYERS:
            pad = dilation * (kernel - 1) // 2
            conv = nn.Conv1d(chan, video_chan, kernel, padding=pad, dilation=dilation)
            layers.append(_conv_bn_relu(conv, video_chan))
            chan = video_chan
        self.video = nn.Sequential(*layers)
        self.blstm = nn.LSTM(
            8 * n_freqs + n_src * video_chan, lstm_hidden, batch_first=True, bidirectional=True
        )
        self.fc = nn.Sequential(
            nn.Linear(2 * lstm_hidden, fc_hidden),
            nn.ReLU(),
            nn.Linear(fc_hidden, fc_hidden),
            nn.ReLU(),
            nn.Linear(fc_hidden, fc_hidden),
            nn.ReLU(),
            nn.Linear(fc_hidden, n_src * 2 * n_freqs),
        )

    def forward(self, mixed_spec, embeddings):
        batch, two_f, frames = mixed_spec.shape
        n_src, n_freqs = self.args["n_src"], self.args["n_freqs"]
        audio = mixed_spec.view(batch, 2, n_freqs, frames)  # B, 2 (re, im), F, L
        audio = self.audio(audio).reshape(batch, 8 * n_freqs, frames)  # B, 8F, L
        faces = embeddings.reshape(batch * n_src, embeddings.shape[2], -1).transpose(
            1, 2
        )  # B*S, E, V
        faces = self.video(faces)  # B*S, C, V
        faces = nn.functional.interpolate(faces, size=frames, mode="nearest")  # B*S, C, L
        faces = faces.reshape(batch, n_src * faces.shape[1], frames)
        fused, _ = self.blstm(torch.cat([audio, faces], dim=1).transpose(1, 2))  # B, L, 2H
        masks = torch.sigmoid(self.fc(fused))  # B, L, S*2F
        masks = masks.view(batch, frames, n_src, two_f).permute(0, 2, 3, 1)  # B, S, 2F, L
        return masks * mixed_spec.unsqueeze(1)

    def get_model_args(self):
        return {**self.args, "sample_rate": self.sample_rate}


def avspeech_step(system, batch, train):
    speakers, embeddings, mixed = batch
    est = system.model(mixed, torch.stack(embeddings, dim=1))
    return nn.functional.mse_loss(est, speakers)


def avspeech_separator(model, item, device):
    speakers, embeddings, mixed = item
    est = model(mixed[None].to(device), torch.stack(embeddings)[None].to(device))[0].cpu()
    length = (mixed.shape[-1] - 1) * 160  # the STFT hop of AVSpeechDataset
    wav = [AVSpeechDataset.decode(x, final_len=length).numpy() for x in (mixed, *speakers, *est)]
    n_src = len(speakers)
    return wav[0], np.stack(wav[1 : 1 + n_src]), np.stack(wav[1 + n_src :]), False


def build_dataset(conf, split, folder):
    return AVSpeechDataset(folder, conf["data"]["embed_dir"], n_src=conf["net"]["n_src"])


def build_model(conf, train_set):
    return LookingToListen(sample_rate=conf["data"]["sample_rate"], **conf["net"])


register_model(LookingToListen)
register_model_builder("LookingToListen", build_model)
register_dataset("AVSpeech", build_dataset)
register_system("avspeech", avspeech_step)
register_separator("avspeech", avspeech_separator)
