"""Speech through a face mask, simulated, for DeMask (``--dataset DeMaskDataset``).

Each item takes a ``length``-second crop of clean speech, changes its speed (resampling by a
factor in ``speed_augm``), reverberates it with a random room impulse response (if any), and
normalises its peak to a level in ``gain_augm`` dB. The masked speech is that signal filtered
by the FIR response of a face mask (``n_taps`` taps, from measured attenuations of surgical,
N95, cloth... masks, each gain perturbed by Gaussian noise ``mask_noise_snr_db`` dB below
their variance in training), plus white noise at ``white_noise_db`` dB below it; the target
is the unfiltered signal with the same noise. Validation and test items are drawn with a
generator seeded by their index: the same every epoch.

References:
    Ryan M. Corey, Uriah Jones and Andrew C. Singer, "Acoustic effects of medical, cloth, and
    transparent face masks on speech signals", 2020 (the masks' responses).
    https://arxiv.org/abs/2008.04521
"""

import json
from fractions import Fraction

import numpy as np
import soundfile as sf
import torch
from scipy.signal import fftconvolve, firwin2, resample_poly
from torch.utils.data import Dataset

from asteroid.data.librimix_dataset import librispeech_license
from asteroid.scripts.recipe_parts import register_dataset, register_model_builder

# Attenuation (linear gain) at these frequencies (Hz), measured by Corey et al.
MASK_FREQS = [0, 250, 1000, 1500, 2000, 2500, 2815, 3175, 3500, 4000, 5000, 6000, 7000, 8000]
MASK_GAINS = {
    "surgical": [1, 1, 1, 1, 0.94, 0.82, 0.53, 0.80, 0.56, 0.5, 0.42, 0.63, 0.71, 0],
    "KN95": [1, 1, 0.95, 0.92, 0.76, 0.86, 0.36, 0.82, 0.45, 0.5, 0.47, 0.52, 0.66, 0],
    "N95": [1, 1, 0.95, 0.92, 0.57, 0.54, 0.3, 0.41, 0.28, 0.38, 0.44, 0.62, 0.52, 0],
    "CottonJersey2L": [1, 1, 1, 0.95, 0.94, 0.71, 0.61, 0.76, 0.25, 0.52, 0.46, 0.42, 0.46, 0],
    "CottonPlain2L": [1, 1, 1, 0.95, 0.82, 0.77, 0.47, 0.73, 0.45, 0.58, 0.46, 0.52, 0.54, 0],
    "CottonSpandex3L": [1, 1, 1, 1, 0.66, 0.71, 0.31, 0.68, 0.17, 0.54, 0.44, 0.39, 0.47, 0],
    "CottonSpandex2L": [1, 1, 1, 0.79, 0.7, 0.52, 0.37, 0.52, 0.34, 0.29, 0.34, 0.37, 0.43, 0],
    "CottonDenim2L": [1, 1, 1, 0.55, 0.3, 0.5, 0.11, 0.5, 0.11, 0.44, 0.22, 0.2, 0.33, 0],
    "BedsheetPolyester2L": [1, 1, 1, 1, 0.42, 0.15, 0.19, 0.34, 0.23, 0.23, 0.15, 0.15, 0.19, 0],
}


class DeMaskDataset(Dataset):
    """Masked and clean speech pairs (see the module description).

    Args:
        clean_json (str): List of clean speech files (``local/parse_data.py``).
        rir_json (str, optional): List of room impulse responses.
        sample_rate (int): Sample rate of every file.
        length (float): Crop length (s); shorter files are left out.
        augmentation (dict): ``speed_augm``, ``gain_augm``, ``mask_noise_snr_db``,
            ``white_noise_db`` (ranges) and ``n_taps``.
        train (bool): Random items; otherwise each item is seeded by its index.
    """

    dataset_name = "DeMask (LibriSpeech through simulated face masks)"

    def __init__(
        self,
        clean_json,
        rir_json=None,
        sample_rate=16000,
        length=4.0,
        augmentation=None,
        train=True,
    ):
        self.sample_rate = sample_rate
        self.seg_len = int(length * sample_rate)
        with open(clean_json) as fh:
            self.clean = [e["file"] for e in json.load(fh) if e["length"] >= self.seg_len]
        if not self.clean:
            raise ValueError(f"{clean_json}: no file of at least {length} s.")
        self.rirs = []
        if rir_json:
            with open(rir_json) as fh:
                self.rirs = [e["file"] for e in json.load(fh)]
        self.aug = dict(augmentation or {})
        self.train = train

    def __len__(self):
        return len(self.clean)

    def _augment(self, clean, rng):
        speed = Fraction(rng.uniform(*self.aug["speed_augm"])).limit_denominator(100)
        clean = resample_poly(clean, speed.denominator, speed.numerator)
        if self.rirs:
            rir, rate = sf.read(self.rirs[rng.integers(len(self.rirs))], dtype="float32")
            if rate != self.sample_rate:
                raise ValueError(
                    f"Room impulse response at {rate} Hz, the speech at {self.sample_rate} Hz."
                )
            rir = rir if rir.ndim == 1 else rir[:, 0]
            clean = fftconvolve(clean, rir)[: len(clean)]
        peak = np.abs(clean).max() + 1e-8
        return clean * 10 ** (rng.uniform(*self.aug["gain_augm"]) / 20) / peak

    def __getitem__(self, idx):
        rng = np.random.default_rng() if self.train else np.random.default_rng(idx)
        info = sf.info(self.clean[idx])
        start = int(rng.integers(0, info.frames - self.seg_len + 1))
        clean, _ = sf.read(self.clean[idx], start=start, stop=start + self.seg_len, dtype="float32")
        clean = self._augment(clean, rng)
        gains = np.array(MASK_GAINS[list(MASK_GAINS)[rng.integers(len(MASK_GAINS))]], dtype=float)
        if self.train:  # no two masks are alike
            snr = 10 ** (rng.uniform(*self.aug["mask_noise_snr_db"]) / 20)
            gains = gains + rng.normal(0, np.var(gains) / snr, gains.shape)
        fir = firwin2(self.aug["n_taps"], MASK_FREQS, gains, fs=self.sample_rate)
        delay = (len(fir) - 1) // 2  # the FIR is linear-phase: align the target with it
        masked = fftconvolve(clean, fir)[delay : delay + len(clean)]
        noise = rng.normal(0, 1, masked.shape)
        noise *= np.std(masked) * 10 ** (-rng.uniform(*self.aug["white_noise_db"]) / 20)
        masked, clean = masked + noise, clean + noise
        n = min(len(masked), self.seg_len)
        masked = np.pad(masked[:n], (0, self.seg_len - n))
        clean = np.pad(clean[:n], (0, self.seg_len - n))
        return torch.from_numpy(masked).float(), torch.from_numpy(clean).float()[None]

    def get_infos(self):
        return {
            "dataset": self.dataset_name,
            "task": "enh_single",
            "licenses": [librispeech_license],
        }


def build_dataset(conf, split, folder):
    data = conf["data"]
    rirs = {
        "train": data.get("rir_train"),
        "valid": data.get("rir_valid"),
        "test": data.get("rir_valid"),
    }[split]
    return DeMaskDataset(
        folder,
        rirs or None,
        sample_rate=data["fs"],
        length=data["length"],
        augmentation=conf["augmentation"],
        train=split == "train",
    )


def build_model(conf, train_set):
    from asteroid.models import DeMask

    fb = dict(conf["filterbank"])
    fb["fb_name"] = fb.pop("fb_type")
    return DeMask(sample_rate=conf["data"]["fs"], **fb, **conf["demask_net"])


register_dataset("DeMaskDataset", build_dataset)
register_model_builder("DeMask", build_model)
