"""CrossNet-Open-Unmix, X-UMX (Sawata et al. 2021): music separation with bridged per-source networks."""

import numpy as np
import torch
from torch import nn

from .base_models import BaseModel

__all__ = ["XUMX"]


class XUMX(BaseModel):
    r"""X-UMX: one Open-Unmix network per source, bridged by averaging their hidden features.

    The mixture's magnitude spectrogram is normalised and encoded by every
    source's encoder; the encodings are averaged (first bridge) and fed to every
    source's LSTM; LSTM outputs with skip connections are averaged again (second
    bridge) and decoded into one magnitude mask per source. Time signals are
    rebuilt with the mixture's phase.

    Args:
        sources (list of str): names of the sources, e.g. ``["bass", "drums",
            "vocals", "other"]``.
        window_length (int): STFT window length, in samples.
        in_chan (int): FFT size (the number of frequency bins is ``in_chan // 2 + 1``).
        n_hop (int): STFT hop, in samples.
        hidden_size (int): size of the hidden features.
        nb_channels (int): audio channels (1: the spectrogram is down-mixed to mono).
        sample_rate (float): sample rate of the model, in Hz.
        nb_layers (int): LSTM layers.
        input_mean (array, optional): per-bin mean of the mixture magnitudes
            (the input is shifted by its negation); zeros if ``None``.
        input_scale (array, optional): per-bin standard deviation (the input is
            multiplied by its inverse); ones if ``None``.
        max_bin (int, optional): number of low-frequency bins the network reads;
            ``None`` for all of them.
        bidirectional (bool): bidirectional LSTMs.
        spec_power (float): exponent of the magnitude spectrogram.
        return_time_signals (bool): also return the time signals from ``forward``
            (needed by time-domain losses).

    Shape:
        - input: :math:`(B, C, T)`
        - output of ``forward``: masked spectrograms :math:`(S, L, B, C, F)` and,
          with ``return_time_signals``, time signals :math:`(S, B, C, T)` (else ``None``)

    References:
        Ryosuke Sawata, Stefan Uhlich, Shusuke Takahashi and Yuki Mitsufuji, "All for
        One and One for All: Improving Music Separation by Bridging Networks",
        ICASSP 2021. https://arxiv.org/abs/2010.04228
    """

    def __init__(
        self,
        sources,
        window_length=4096,
        in_chan=4096,
        n_hop=1024,
        hidden_size=512,
        nb_channels=2,
        sample_rate=44100,
        nb_layers=3,
        input_mean=None,
        input_scale=None,
        max_bin=None,
        bidirectional=True,
        spec_power=1,
        return_time_signals=False,
    ):
        # A mono model down-mixes any number of channels; a stereo one needs exactly two.
        super().__init__(sample_rate, in_channels=nb_channels if nb_channels > 1 else None)
        if not sources:
            raise ValueError("XUMX needs at least one source name.")
        self.sources = list(sources)
        self.window_length = window_length
        self.in_chan = in_chan
        self.n_hop = n_hop
        self.hidden_size = hidden_size
        self.nb_channels = nb_channels
        self.nb_layers = nb_layers
        self.bidirectional = bidirectional
        self.spec_power = spec_power
        self._return_time_signals = return_time_signals
        self.nb_output_bins = in_chan // 2 + 1
        self.max_bin = max_bin if max_bin else self.nb_output_bins

        # Spectral encoder: STFT then magnitude (and phase).
        stft = _STFT(window_length=window_length, n_fft=in_chan, n_hop=n_hop, center=True)
        self.encoder = nn.Sequential(stft, _Spectrogram(spec_power, mono=nb_channels == 1))

        # Per-source networks.
        shift = -_as_tensor(input_mean, self.max_bin, 0.0)
        scale = 1.0 / _as_tensor(input_scale, self.max_bin, 1.0)
        lstm_hidden = hidden_size // 2 if bidirectional else hidden_size
        self.layer_enc = nn.ModuleDict()
        self.layer_lstm = nn.ModuleDict()
        self.layer_dec = nn.ModuleDict()
        self.mean_scale = nn.ParameterDict()
        for src in self.sources:
            self.layer_enc[src] = _InstrumentBackboneEnc(self.max_bin, hidden_size, nb_channels)
            self.layer_lstm[src] = nn.LSTM(
                input_size=hidden_size,
                hidden_size=lstm_hidden,
                num_layers=nb_layers,
                bidirectional=bidirectional,
                batch_first=False,
                dropout=0.4 if nb_layers > 1 else 0.0,
            )
            self.layer_dec[src] = _InstrumentBackboneDec(
                self.nb_output_bins, hidden_size, nb_channels
            )
        # Normalisation statistics, learned: mixture shift and scale, mask scale and shift.
        statistics = {}
        for src in self.sources:
            statistics[f"input_mean_{src}"] = shift
            statistics[f"input_scale_{src}"] = scale
            statistics[f"output_mean_{src}"] = torch.ones(self.nb_output_bins)
            statistics[f"output_scale_{src}"] = torch.ones(self.nb_output_bins)
        for key in sorted(statistics):  # the published parameter order
            self.mean_scale[key] = nn.Parameter(statistics[key].clone())

        # Spectral decoder: inverse STFT with the encoder's window (a shared parameter).
        self.decoder = _ISTFT(window=stft.window, n_fft=in_chan, hop_length=n_hop, center=True)

    def forward(self, wav):
        """Masked spectrograms of the sources (and their time signals).

        Args:
            wav (torch.Tensor): mixtures, :math:`(B, C, T)`.

        Returns:
            tuple: masked magnitude spectrograms :math:`(S, L, B, C, F)`, and the
            time signals :math:`(S, B, C, T)` if ``return_time_signals`` else ``None``.
        """
        if wav.dim() != 3:
            raise ValueError(f"XUMX expects (batch, channels, time) input, got {tuple(wav.shape)}.")
        mixture, phase = self.encoder(wav)  # L, B, C, F and B, C, F, L
        est_masks = self.forward_masker(mixture)  # S, L, B, C, F
        masked_mixture = self.apply_masks(mixture, est_masks)  # S, L, B, C, F
        time_signals = None
        if self._return_time_signals:
            spec = masked_mixture.permute(0, 2, 3, 4, 1)  # S, B, C, F, L
            time_signals = self.decoder(spec, phase, length=wav.shape[-1])
        return masked_mixture, time_signals

    def forward_wav(self, wav, *args, **kwargs):
        """Waveforms of the sources, for :mod:`asteroid.separate`.

        Args:
            wav (torch.Tensor): mixtures, :math:`(B, C, T)`.

        Returns:
            torch.Tensor: :math:`(B, S, T)` for a mono model, :math:`(B, S, C, T)` otherwise.
        """
        mixture, phase = self.encoder(wav)
        masked = self.apply_masks(mixture, self.forward_masker(mixture))
        signals = self.decoder(masked.permute(0, 2, 3, 4, 1), phase, length=wav.shape[-1])
        signals = signals.transpose(0, 1)  # B, S, C, T
        return signals[:, :, 0] if self.nb_channels == 1 else signals

    def forward_masker(self, input_spec):
        """One magnitude mask per source: :math:`(L, B, C, F)` -> :math:`(S, L, B, C, F)`."""
        shapes = input_spec.shape
        x = input_spec[..., : self.max_bin]
        inputs = []
        for src in self.sources:
            normed = (x + self.mean_scale[f"input_mean_{src}"]) * self.mean_scale[
                f"input_scale_{src}"
            ]
            inputs.append(self.layer_enc[src](normed, shapes))  # L, B, H
        # First bridge: the average encoding goes through every source's LSTM.
        cross_1 = sum(inputs) / len(self.sources)
        cross_2 = 0.0
        for src, encoded in zip(self.sources, inputs):
            lstm_out, _ = self.layer_lstm[src](cross_1)
            cross_2 = cross_2 + torch.cat([encoded, lstm_out], -1)  # L, B, 2H
        # Second bridge: the average LSTM output (with skips) is decoded per source.
        cross_2 = cross_2 / len(self.sources)
        masks = []
        for src in self.sources:
            decoded = self.layer_dec[src](cross_2, shapes)  # L, B, C, F
            decoded = (
                decoded * self.mean_scale[f"output_scale_{src}"]
                + self.mean_scale[f"output_mean_{src}"]
            )
            masks.append(torch.relu(decoded))
        return torch.stack(masks, dim=0)

    def apply_masks(self, mixture, est_masks):
        """Masked spectrograms: :math:`(L, B, C, F)` and :math:`(S, L, B, C, F)` -> :math:`(S, L, B, C, F)`."""
        return est_masks * mixture.unsqueeze(0)

    def get_model_args(self):
        """The constructor's arguments (normalisation statistics live in the state dict)."""
        return {
            "window_length": self.window_length,
            "in_chan": self.in_chan,
            "n_hop": self.n_hop,
            "sample_rate": self.sample_rate,
            "sources": self.sources,
            "hidden_size": self.hidden_size,
            "nb_channels": self.nb_channels,
            "input_mean": None,
            "input_scale": None,
            "max_bin": self.max_bin,
            "nb_layers": self.nb_layers,
            "bidirectional": self.bidirectional,
            "spec_power": self.spec_power,
            "return_time_signals": self._return_time_signals,
        }


def _as_tensor(values, size, default):
    """The first ``size`` values of an array (or ``default`` everywhere), as a float tensor."""
    if values is None:
        return torch.full((size,), default)
    return torch.as_tensor(np.asarray(values)[:size], dtype=torch.float32)


class _InstrumentBackboneEnc(nn.Module):
    """Linear + batch norm + tanh: one source's encoder of the (cropped) mixture spectrogram."""

    def __init__(self, nb_bins, hidden_size=512, nb_channels=2):
        super().__init__()
        self.max_bin = nb_bins
        self.hidden_size = hidden_size
        self.enc = nn.Sequential(
            nn.Linear(nb_bins * nb_channels, hidden_size, bias=False),
            nn.BatchNorm1d(hidden_size),
        )

    def forward(self, x, shapes):
        nb_frames, nb_samples, nb_channels, _ = shapes
        x = self.enc(x.reshape(-1, nb_channels * self.max_bin))
        return torch.tanh(x.reshape(nb_frames, nb_samples, self.hidden_size))


class _InstrumentBackboneDec(nn.Module):
    """Two linear layers with batch norms: one source's mask decoder."""

    def __init__(self, nb_output_bins, hidden_size=512, nb_channels=2):
        super().__init__()
        self.nb_output_bins = nb_output_bins
        self.dec = nn.Sequential(
            nn.Linear(hidden_size * 2, hidden_size, bias=False),
            nn.BatchNorm1d(hidden_size),
            nn.ReLU(),
            nn.Linear(hidden_size, nb_output_bins * nb_channels, bias=False),
            nn.BatchNorm1d(nb_output_bins * nb_channels),
        )

    def forward(self, x, shapes):
        nb_frames, nb_samples, nb_channels, _ = shapes
        x = self.dec(x.reshape(-1, x.shape[-1]))
        return x.reshape(nb_frames, nb_samples, nb_channels, self.nb_output_bins)


class _STFT(nn.Module):
    """Multichannel STFT: :math:`(B, C, T)` -> :math:`(B, C, F, L, 2)` (real, imaginary)."""

    def __init__(self, window_length, n_fft=4096, n_hop=1024, center=True):
        super().__init__()
        # A parameter (without gradient), as in the published model files.
        self.window = nn.Parameter(torch.hann_window(window_length), requires_grad=False)
        self.n_fft = n_fft
        self.n_hop = n_hop
        self.center = center

    def forward(self, x):
        nb_samples, nb_channels, _ = x.shape
        spec = torch.stft(
            x.reshape(nb_samples * nb_channels, -1),
            n_fft=self.n_fft,
            hop_length=self.n_hop,
            window=self.window,
            center=self.center,
            normalized=False,
            onesided=True,
            pad_mode="reflect",
            return_complex=True,
        )
        spec = torch.view_as_real(spec)  # BC, F, L, 2
        return spec.reshape(nb_samples, nb_channels, self.n_fft // 2 + 1, -1, 2)


class _Spectrogram(nn.Module):
    """Magnitude (to ``spec_power``) and phase of an STFT, optionally down-mixed to mono.

    Input :math:`(B, C, F, L, 2)`; outputs :math:`(L, B, C, F)` and :math:`(B, C, F, L)`.
    """

    def __init__(self, spec_power=1, mono=True):
        super().__init__()
        self.spec_power = spec_power
        self.mono = mono

    def forward(self, stft_f):
        phase = torch.atan2(stft_f[..., 1], stft_f[..., 0]).detach()  # B, C, F, L
        power = stft_f.transpose(2, 3).pow(2).sum(-1)  # B, C, L, F
        magnitude = power.pow(self.spec_power / 2.0)
        if self.mono:
            magnitude = magnitude.mean(1, keepdim=True)
            phase = phase.mean(1, keepdim=True)
        return magnitude.permute(2, 0, 1, 3), phase


class _ISTFT(nn.Module):
    """Inverse STFT of magnitudes with a phase: :math:`(S, B, C, F, L)` -> :math:`(S, B, C, T)`."""

    def __init__(self, window, n_fft=4096, hop_length=1024, center=True):
        super().__init__()
        self.window = window
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.center = center

    def forward(self, spec, ang, length=None):
        sources, batch, channels, bins, frames = spec.shape
        complex_spec = torch.polar(spec, ang.expand_as(spec))
        wav = torch.istft(
            complex_spec.reshape(sources * batch * channels, bins, frames),
            n_fft=self.n_fft,
            hop_length=self.hop_length,
            window=self.window,
            center=self.center,
            length=length,
        )
        return wav.reshape(sources, batch, channels, wav.shape[-1])
