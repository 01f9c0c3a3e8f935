"""AVSpeech audio-visual speech separation (the "Looking to Listen" recipe's data)."""

import re
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils import data

from .audio import read_audio
from .metadata import read_table

__all__ = ["AVSpeechDataset"]

SAMPLE_RATE = 16000


def _stft_filterbank():
    # Imported here so that `import asteroid.data` does not build the filterbank package.
    from ..filterbanks import STFTFB

    return STFTFB(n_filters=512, kernel_size=400, stride=160)


class AVSpeechDataset(data.Dataset):
    """Audio-visual speech separation on AVSpeech mixtures.

    Reads the mixture table of the recipe: a CSV with columns ``video_1 ... video_n``,
    ``audio_1 ... audio_n`` and ``mixed_audio``. The face embeddings of speaker ``i`` are
    ``embed_dir/<video_i stem>_part<k>.npy``, where ``k`` is the ``_part<k>`` index in the
    audio file name (0 when absent). Audio is read at 16 kHz (other rates are resampled).

    Spectrograms come from an STFT filterbank (512 filters, 400-sample window, hop 160)
    with power-law compression :math:`|X|^{0.3} \\operatorname{sign}(X)` (see :meth:`encode`).

    Args:
        input_df_path (str): The mixture CSV.
        embed_dir (str): Folder of the face embeddings.
        n_src (int): Number of speakers per mixture.

    Items are ``(audio_specs, embeddings, mixed_spec)``: the speakers' compressed
    spectrograms ``(n_src, 514, frames)``, a list of ``n_src`` embedding tensors, and the
    mixture's spectrogram ``(514, frames)``.

    References:
        [1] "Looking to Listen at the Cocktail Party: A Speaker-Independent Audio-Visual Model
        for Speech Separation", Ephrat et al., SIGGRAPH 2018.
    """

    dataset_name = "AVSpeech"

    def __init__(self, input_df_path, embed_dir, n_src=2):
        self.n_src = n_src
        self.embed_dir = Path(embed_dir)
        columns = [f"video_{i + 1}" for i in range(n_src)] + [
            f"audio_{i + 1}" for i in range(n_src)
        ]
        self.input_df = read_table(Path(input_df_path), columns + ["mixed_audio"])
        self.stft_encoder = None

    @staticmethod
    def encode(x, p=0.3, stft_encoder=None, EPS=1e-8):
        """Power-law compressed STFT of a waveform.

        Args:
            x (np.ndarray): Waveform ``(time,)``.
            p (float): Compression exponent.
            stft_encoder (Encoder, optional): STFT encoder (default: 512/400/160).
            EPS (float): Added before compression.

        Returns:
            torch.Tensor: ``(514, frames)``: real parts stacked over imaginary parts.
        """
        if stft_encoder is None:
            from ..filterbanks import Encoder

            stft_encoder = Encoder(_stft_filterbank())
        x = torch.as_tensor(np.asarray(x), dtype=torch.float32).reshape(1, 1, -1)
        with torch.no_grad():
            tf_rep = stft_encoder(x)[0] + EPS
        return torch.abs(tf_rep) ** p * torch.sign(tf_rep)

    @staticmethod
    def decode(tf_rep, p=0.3, stft_decoder=None, final_len=48000):
        """Invert :meth:`encode`: decompress and run the inverse STFT.

        Args:
            tf_rep (np.ndarray or torch.Tensor): Compressed spectrogram ``(514, frames)``.
            p (float): Compression exponent used by :meth:`encode`.
            stft_decoder (Decoder, optional): STFT decoder (default: 512/400/160).
            final_len (int): Length of the output, zero-padded or cut.

        Returns:
            torch.Tensor: Waveform ``(final_len,)``.
        """
        if stft_decoder is None:
            from ..filterbanks import Decoder

            stft_decoder = Decoder(_stft_filterbank())
        tf_rep = torch.as_tensor(np.asarray(tf_rep), dtype=torch.float32)
        tf_rep = torch.abs(tf_rep) ** (1 / p) * torch.sign(tf_rep)
        with torch.no_grad():
            x = stft_decoder(tf_rep.unsqueeze(0)).reshape(-1)
        return F.pad(x, [0, final_len - len(x)])

    def __len__(self):
        return len(self.input_df)

    def _embedding(self, video_path, audio_path):
        match = re.search(r"_part(\d)", str(audio_path))
        part = int(match.group(1)) if match else 0
        path = self.embed_dir / f"{Path(video_path).stem}_part{part}.npy"
        if not path.is_file():
            raise FileNotFoundError(
                f"Face embedding {path} (video {video_path}, part {part}) does not exist."
            )
        return torch.from_numpy(np.load(path, allow_pickle=False))

    def _audio(self, path):
        wav = read_audio(path, sample_rate=SAMPLE_RATE, resample_to_rate=True)
        return wav.mean(axis=1) if wav.ndim == 2 else wav

    def __getitem__(self, idx):
        """Speakers' spectrograms, their face embeddings and the mixture's spectrogram."""
        if self.stft_encoder is None:
            from ..filterbanks import Encoder

            self.stft_encoder = Encoder(_stft_filterbank())
        row = self.input_df.iloc[idx]
        audio_tensors, video_tensors = [], []
        for i in range(1, self.n_src + 1):
            video_path, audio_path = row[f"video_{i}"], row[f"audio_{i}"]
            video_tensors.append(self._embedding(video_path, audio_path))
            audio_tensors.append(
                self.encode(self._audio(audio_path), stft_encoder=self.stft_encoder)
            )
        mixed = self.encode(self._audio(row["mixed_audio"]), stft_encoder=self.stft_encoder)
        return torch.stack(audio_tensors), video_tensors, mixed
