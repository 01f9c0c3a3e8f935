"""Mixture-model separation of SMS-WSJ: complex angular central Gaussian mixture model (cACGMM)
masks, then a Souden MVDR beamformer per speaker; evaluated like the shared recipes.

For each example, the 6-channel STFT observation is normalised to unit norm per bin, and a
cACGMM with one class per speaker plus one noise class is fitted by EM on every frequency
at once; the mixture weights depend on time but not on frequency (``weight_constant_axis:
-3``). Random initial posteriors leave the classes permuted between frequencies: after the
EM iterations, the frequencies are aligned on the classes' time activities and EM goes on
from there. The noise class is the one whose weights vary least in time. Each speaker's spatial covariance
comes from its posteriors, the interference's from the other classes', and a Souden MVDR
beamformer gives the speaker at the reference microphone.

Writes ``<exp_dir>/<out_dir>/``: ``all_metrics.csv``, ``final_metrics.json`` (mean of each
metric and of its improvement) and a few examples, against the early speech images at the
reference microphone.

    python local/cacgmm.py --json_path data/sms_wsj.json --dset test_eval92 \\
        --exp_dir exp/cacgmm --out_dir eval_test_eval92 [--conf conf.yml] [--<key> value]

References:
    Nobutaka Ito, Shoko Araki and Tomohiro Nakatani, "Complex angular central Gaussian
    mixture model for directional statistics in mask-based microphone array signal
    processing", EUSIPCO 2016.
    Lukas Drude, Jens Heitkaemper, Christoph Boeddeker and Reinhold Haeb-Umbach, "SMS-WSJ:
    Database, performance measures, and baseline recipe for multi-channel source separation
    and recognition", 2019. https://arxiv.org/abs/1910.13934
"""

import argparse
import itertools
import json
import os
import sys

import numpy as np
import torch
import yaml
from scipy.signal import istft, stft
from tqdm import tqdm

from asteroid.data import SmsWsjDataset
from asteroid.dsp.beamforming import SoudenMVDRBeamformer
from asteroid.metrics import MetricTracker
from asteroid.scripts.eval import choose_examples, pit_reorder, write_example
from asteroid.utils import parse_args_as_dict, prepare_parser_from_dict

EPS = 1e-10


def _em(z, gamma, iterations):
    """EM iterations of the cACGMM from posteriors ``gamma`` :math:`(K, F, L)` of unit vectors ``z``."""
    n_classes, n_freqs, n_frames = gamma.shape
    n_chan = z.shape[-1]
    quad = np.ones((n_classes, n_freqs, n_frames))
    eye = np.eye(n_chan)
    for _ in range(iterations):
        # M-step: weights shared by all frequencies, one shape matrix per class and frequency.
        weights = gamma.mean(axis=1)  # K, L
        shape = np.einsum("kfl,flc,fld->kfcd", gamma / quad, z, z.conj())
        shape = n_chan * shape / (gamma.sum(axis=2)[..., None, None] + EPS)
        shape = 0.5 * (shape + shape.conj().swapaxes(-1, -2)) + 1e-6 * eye
        # E-step.
        inv = np.linalg.inv(shape)
        quad = np.maximum(np.einsum("flc,kfcd,fld->kfl", z.conj(), inv, z).real, EPS)
        logdet = np.linalg.slogdet(shape)[1]  # K, F
        log_post = np.log(weights + EPS)[:, None, :] - logdet[..., None] - n_chan * np.log(quad)
        log_post -= log_post.max(axis=0, keepdims=True)
        gamma = np.exp(log_post)
        gamma /= gamma.sum(axis=0, keepdims=True)
    return gamma


def align_permutations(gamma, iterations=20):
    """Permute the classes of each frequency so that their time activities agree.

    Each frequency takes the permutation whose (centred, normalised) posteriors correlate best
    with the mean activity of every class over frequencies; repeated until nothing changes.

    Args:
        gamma (np.ndarray): posteriors :math:`(K, F, L)`.

    Returns:
        np.ndarray: the aligned posteriors.
    """

    def normed(x):
        x = x - x.mean(-1, keepdims=True)
        return x / (np.linalg.norm(x, axis=-1, keepdims=True) + EPS)

    n_classes, n_freqs, _ = gamma.shape
    perms = [list(p) for p in itertools.permutations(range(n_classes))]
    gamma = gamma.copy()
    for _ in range(iterations):
        profiles = normed(gamma)
        centroid = normed(profiles.mean(axis=1))  # K, L
        scores = np.stack([np.einsum("kfl,kl->f", profiles[p], centroid) for p in perms])  # P, F
        best = scores.argmax(axis=0)
        moved = best != 0  # perms[0] is the identity
        if not moved.any():
            break
        for f in np.nonzero(moved)[0]:
            gamma[:, f] = gamma[perms[best[f]], f]
    return gamma


def fit_cacgmm(obs, n_classes, iterations, rng):
    """Class posteriors of a cACGMM fitted to a multichannel STFT.

    ``iterations`` EM iterations from random posteriors, a permutation alignment of the
    frequencies, then ``iterations // 2`` more EM iterations.

    Args:
        obs (np.ndarray): complex STFT :math:`(F, L, C)`.
        n_classes (int): mixture components :math:`K`.
        iterations (int): EM iterations.
        rng (np.random.Generator): for the random initial posteriors.

    Returns:
        tuple: posteriors :math:`(K, F, L)` and mixture weights :math:`(K, L)`.
    """
    n_freqs, n_frames, _ = obs.shape
    z = obs / (np.linalg.norm(obs, axis=-1, keepdims=True) + EPS)
    gamma = rng.dirichlet(np.ones(n_classes), size=(n_freqs, n_frames)).transpose(2, 0, 1)
    gamma = _em(z, gamma, iterations)
    gamma = _em(z, align_permutations(gamma), iterations // 2)
    return gamma, gamma.mean(axis=1)


def separate(observation, mm_config, n_src, rng):
    """Speaker estimates :math:`(S, T)` at the reference microphone of ``observation`` :math:`(C, T)`."""
    size, shift = mm_config["stft_size"], mm_config["stft_shift"]
    window_length = mm_config.get("stft_window_length") or size
    window = mm_config["stft_window"]
    kwargs = dict(nperseg=window_length, noverlap=window_length - shift, nfft=size, window=window)
    _, _, spec = stft(observation, **kwargs)  # C, F, L
    posteriors, weights = fit_cacgmm(
        spec.transpose(1, 2, 0), n_src + 1, mm_config["iterations"], rng
    )
    variation = weights.std(axis=1) / (weights.mean(axis=1) + EPS)
    noise = int(variation.argmin())
    speakers = [k for k in range(n_src + 1) if k != noise]
    mix = torch.from_numpy(spec)[None]  # 1, C, F, L
    scms = [
        torch.from_numpy(
            np.einsum("fl,cfl,dfl->cdf", g, spec, spec.conj()) / (g.sum(axis=1) + EPS)
        )[None]
        for g in posteriors
    ]
    beamformer = SoudenMVDRBeamformer()
    estimates = []
    for k in speakers:
        interference = sum(scms[j] for j in range(n_src + 1) if j != k)
        out = beamformer(mix, scms[k], interference, ref_mic=0)[0].numpy()  # F, L
        wav = istft(out, **kwargs)[1][: observation.shape[-1]]
        estimates.append(np.pad(wav, (0, observation.shape[-1] - len(wav))))
    return np.stack(estimates).astype(np.float32)


def evaluate(conf, args):
    out_dir = os.path.join(args["exp_dir"], args["out_dir"])
    final_path = os.path.join(out_dir, "final_metrics.json")
    if os.path.isfile(final_path) and not args["force"]:
        print(f"{final_path} exists: evaluation is done (pass --force to evaluate again).")
        return
    mm_config, sample_rate = conf["mm_config"], conf["data"]["sample_rate"]
    test_set = SmsWsjDataset(
        args["json_path"],
        "early",
        args["dset"],
        sample_rate=sample_rate,
        single_channel=False,
        segment=None,
    )
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(args["exp_dir"], "conf.yml"), "w") as fh:
        yaml.safe_dump({**conf, "main_args": args}, fh)
    rng = np.random.default_rng(args["seed"])
    tracker = MetricTracker(sample_rate=sample_rate, metrics_list=conf["eval"]["metrics"])
    save_idx = choose_examples(len(test_set), args["n_save_ex"], args["seed"])
    for idx in tqdm(range(len(test_set)), desc=f"CACGMM on {args['dset']}", unit="utt"):
        observation, images = test_set[idx]  # C, T and S, C, T
        refs = images[:, 0].numpy()  # the early images at the reference microphone
        est = pit_reorder(
            separate(observation.numpy().astype(np.float64), mm_config, len(refs), rng), refs
        )
        utt = tracker(
            mix=observation[0].numpy(), clean=refs, estimate=est, filename=f"{args['dset']}_{idx}"
        )
        if idx in save_idx:
            write_example(
                os.path.join(out_dir, "examples", f"ex_{idx}"),
                sample_rate,
                observation[0].numpy(),
                refs,
                est,
                metrics=utt,
            )
    tracker.as_df().to_csv(os.path.join(out_dir, "all_metrics.csv"), index=False)
    final = tracker.final_report(dump_path=final_path)
    print(json.dumps(final, indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description="cACGMM + MVDR separation of SMS-WSJ, evaluated.")
    parser.add_argument("--conf", default="conf.yml")
    parser.add_argument("--json_path", required=True, help="the SMS-WSJ database JSON")
    parser.add_argument("--dset", default="test_eval92", help="cv_dev93 or test_eval92")
    parser.add_argument("--exp_dir", required=True)
    parser.add_argument("--out_dir", default="eval")
    parser.add_argument("--n_save_ex", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true")
    known, _ = parser.parse_known_args(argv)
    with open(known.conf) as fh:
        conf = yaml.safe_load(fh)
    conf = parse_args_as_dict(prepare_parser_from_dict(conf, parser=parser), args=argv)
    args = conf.pop("main_args")
    try:
        evaluate(conf, args)
    except (FileNotFoundError, ValueError) as err:
        print(f"cacgmm: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
