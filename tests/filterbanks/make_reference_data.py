"""Writes ``data/published_reference.pt``: outputs of the published asteroid-filterbanks 0.4.0.

Run with the interpreter of an environment where ``asteroid_filterbanks==0.4.0`` is installed
(not ours)::

    /path/to/published/venv/bin/python tests/filterbanks/make_reference_data.py

The file holds, for fixed seeded inputs, each published filterbank's weights (state dict), its
filters and its Encoder/Decoder outputs, plus reference values of the transforms, Griffin-Lim,
MISI, PCEN and ``perfect_synthesis_window``. ``test_published_reference.py`` loads the weights
into our classes and compares. Two adaptations to run 0.4.0 on NumPy 2: ``np.float`` and
``np.math`` (removed from NumPy) are put back for ``MultiphaseGammatoneFB``, and the MelGramFB
entries are written only when ``librosa.filters.mel`` can be imported.
"""

import math
import pathlib
import sys

import numpy as np
import torch

# The published MultiphaseGammatoneFB still calls np.float and np.math.factorial.
np.float = float
np.math = math

import asteroid_filterbanks as afb  # noqa: E402
from asteroid_filterbanks import transforms  # noqa: E402
from asteroid_filterbanks.pcen import PCEN, StatefulPCEN  # noqa: E402
from asteroid_filterbanks.stft_fb import perfect_synthesis_window  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "data" / "published_reference.pt"

# name -> (class name, positional args, keyword args)
CONFIGS = {
    "free": ("FreeFB", (16, 8), dict(stride=4)),
    "analytic_free": ("AnalyticFreeFB", (16, 8), dict(stride=4)),
    "param_sinc": ("ParamSincFB", (16, 15), dict(stride=5, sample_rate=8000.0)),
    "stft": ("STFTFB", (32, 32), dict(stride=8)),
    "stft_overcomplete": ("STFTFB", (64, 32), dict(stride=16)),
    "stft_hamming": ("STFTFB", (32, 32), dict(stride=8, window=np.hamming(32))),
    "torch_stft": ("TorchSTFTFB", (32, 32), dict(stride=8, window=np.hanning(33)[:-1])),
    "mpgtf": ("MultiphaseGammatoneFB", (32, 16), dict(stride=8, sample_rate=8000.0)),
    "melgram": ("MelGramFB", (32, 32), dict(stride=8, n_mels=6, sample_rate=8000.0)),
}


def filterbank_entries(ref):
    gen = torch.Generator().manual_seed(0)
    wav = torch.randn(2, 1, 128, generator=gen)
    ref["wav"] = wav
    for name, (cls_name, args, kwargs) in CONFIGS.items():
        if cls_name == "MelGramFB":
            try:
                from librosa.filters import mel  # noqa: F401
            except Exception as err:  # librosa is optional in the published package
                print(f"skipping {name}: librosa unavailable ({err})", file=sys.stderr)
                continue
        torch.manual_seed(1)
        fb = getattr(afb, cls_name)(*args, **kwargs)
        enc, dec = afb.Encoder(fb), afb.Decoder(fb)
        spec = enc(wav)
        entry = {
            "state_dict": {k: v.clone() for k, v in fb.state_dict().items()},
            "config": fb.get_config(),
            "parameters": sorted(n for n, _ in fb.named_parameters()),
            "buffers": sorted(n for n, _ in fb.named_buffers()),
            "enc": spec.detach().clone(),
        }
        if cls_name in ("AnalyticFreeFB", "ParamSincFB"):  # filters computed from the weights
            entry["filters"] = fb.filters().detach().clone()
        if cls_name != "MelGramFB":
            entry["dec"] = dec(spec).detach().clone()
            entry["enc_pinv"] = afb.Encoder(fb, is_pinv=True)(wav).detach().clone()
            entry["dec_pinv"] = afb.Decoder(fb, is_pinv=True)(spec).detach().clone()
        ref["fb"][name] = entry


# (sample_rate, n_fft, n_mels, fmin, fmax, norm) of the mel matrices compared with librosa.
MEL_CONFIGS = [
    (8000, 64, 10, 0.0, None, "slaney"),
    (16000, 64, 12, 100.0, 7000.0, None),
    (8000, 128, 20, 0.0, None, 1),
    (8000, 128, 20, 0.0, None, 2.0),
    (8000, 64, 8, 50.0, None, float("inf")),
]


def mel_entries(ref):
    try:
        from librosa.filters import mel
    except Exception as err:
        print(f"skipping the mel matrices: librosa unavailable ({err})", file=sys.stderr)
        return
    ref["mel"] = {
        cfg: torch.from_numpy(
            mel(sr=cfg[0], n_fft=cfg[1], n_mels=cfg[2], fmin=cfg[3], fmax=cfg[4], norm=cfg[5])
        )
        for cfg in MEL_CONFIGS
    }


def transform_entries(ref):
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, 10, 7, generator=gen)
    y = torch.randn(2, 10, 7, generator=gen)
    ref["tf_x"], ref["tf_y"] = x, y
    ref["tf_mag"] = transforms.mag(x)
    ref["tf_magreim"] = transforms.magreim(x)
    ref["tf_mul_c"] = transforms.mul_c(x, y)
    ref["tf_angle"] = transforms.angle(x)
    ref["tf_apply_mag_mask"] = transforms.apply_mag_mask(x, y[:, :5])
    ref["tf_centerfreq"] = transforms.centerfreq_correction(x, kernel_size=16, stride=4)
    ref["tf_to_torchaudio"] = transforms.to_torchaudio(x, dim=1)


def synthesis_entries(ref):
    ref["psw"] = {
        (k, s): torch.from_numpy(perfect_synthesis_window(np.hanning(k + 1)[:-1] ** 0.5, s))
        for k, s in [(32, 8), (32, 16), (64, 16), (30, 5)]
    }
    gen = torch.Generator().manual_seed(3)
    enc = afb.Encoder(afb.STFTFB(32, 32, stride=8))
    sources = torch.randn(1, 2, 200, generator=gen)
    mags = transforms.mag(enc(sources))
    angles = 2 * math.pi * torch.rand(mags.shape, generator=gen)
    ref["gl_sources"], ref["gl_angles"] = sources, angles
    ref["gl_out"] = afb.griffin_lim(mags, enc, angles=angles.clone(), n_iter=5)
    ref["misi_out"] = afb.misi(sources.sum(1), mags, enc, angles=angles.clone(), n_iter=5)


def pcen_entries(ref):
    gen = torch.Generator().manual_seed(4)
    spec = torch.rand(2, 3, 6, 20, generator=gen)
    ref["pcen_in"] = spec
    ref["pcen_out"] = PCEN(n_channels=3)(spec)
    pcen = PCEN(
        alpha=0.9, delta=1.5, root=3.0, smooth=0.1, n_channels=3, per_channel_smoothing=True
    )
    ref["pcen_custom_out"] = pcen(spec)
    stateful = StatefulPCEN(n_channels=3)
    out1, state = stateful(spec[..., :8])
    out2, state = stateful(spec[..., 8:], state)
    ref["pcen_stateful_out"] = torch.cat([out1, out2], dim=-1)
    ref["pcen_stateful_state"] = state


def main():
    ref = {"fb": {}}
    with torch.no_grad():
        filterbank_entries(ref)
        mel_entries(ref)
        transform_entries(ref)
        synthesis_entries(ref)
        pcen_entries(ref)
    OUT.parent.mkdir(exist_ok=True)
    torch.save(ref, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), filterbanks: {sorted(ref['fb'])}")


if __name__ == "__main__":
    main()
