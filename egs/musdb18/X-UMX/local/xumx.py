"""X-UMX for the shared scripts: its multi-domain loss, its input statistics, its evaluation.

- Loss (``--loss xumx_mdl``): the frequency-domain MSE between the estimated and the target
  magnitude spectrograms, plus ``mix_coef`` times a time-domain weighted SDR loss (Choi et
  al. 2019); with ``loss_combine_sources``, every sum of 2 to ``S - 1`` sources is compared
  too (the combination scheme of the paper). ``loss_use_multidomain: no`` keeps the MSE only.
- Model builder: the per-bin mean and standard deviation of the training mixtures'
  magnitude (mono down-mix) initialise the input normalisation; the network reads the bins
  below ``bandwidth`` Hz.
- Evaluation (``--system music``): whole test tracks are separated; for every source the
  SDR of BSS-eval (channels concatenated) is computed on ``eval_window``-second windows and
  its median over the windows kept (windows where the source is silent are left out). The
  final score of a source is the median over tracks (``sdr_<source>``), and ``sdr`` their
  mean: the "median of medians" of SiSEC 2018.

References:
    Ryosuke Sawata, Stefan Uhlich, Shusuke Takahashi and Yuki Mitsufuji, "All for One and One
    for All: Improving Music Separation by Bridging Networks", ICASSP 2021.
    https://arxiv.org/abs/2010.04228
"""

import itertools
import os

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from asteroid.data import MUSDB18Dataset
from asteroid.metrics import bss_eval_sources
from asteroid.models import XUMX
from asteroid.scripts.eval import choose_examples, write_example
from asteroid.scripts.recipe_parts import (
    default_step,
    register_evaluator,
    register_loss,
    register_model_builder,
    register_system,
)

EPS = 1e-10


def _subsets(n_src, combine):
    """Index tuples of the source groups compared by the loss."""
    groups = [(i,) for i in range(n_src)]
    if combine:
        for size in range(2, n_src):
            groups += list(itertools.combinations(range(n_src), size))
    return groups


def weighted_sdr_loss(est, target, mix):
    """Weighted SDR loss of Choi et al.: flattened :math:`(N, T)` signals, returns a scalar."""
    noise, noise_est = mix - target, mix - est
    energy_t = (target**2).sum(-1)
    alpha = energy_t / (energy_t + (noise**2).sum(-1) + EPS)

    def cosine(a, b):
        return (a * b).sum(-1) / (
            torch.sqrt((a**2).sum(-1) + EPS) * torch.sqrt((b**2).sum(-1) + EPS) + EPS
        )

    return torch.mean(-alpha * cosine(est, target) - (1 - alpha) * cosine(noise_est, noise))


class MultiDomainLoss(nn.Module):
    """The X-UMX loss (see the module description).

    Args:
        model_encoder (nn.Module): the model's STFT + magnitude encoder.
        loss_combine_sources (bool): also compare the sums of sources.
        loss_use_multidomain (bool): add the time-domain loss.
        mix_coef (float): weight of the time-domain loss.

    Shape:
        - est_targets: ``(spectrograms (S, L, B, C, F), time signals (S, B, C, T))``.
        - targets: :math:`(B, S, C, T)`.
    """

    def __init__(
        self, model_encoder, loss_combine_sources=True, loss_use_multidomain=True, mix_coef=10.0
    ):
        super().__init__()
        self.encoder = model_encoder
        self.combine = loss_combine_sources
        self.multidomain = loss_use_multidomain
        self.mix_coef = mix_coef

    def forward(self, est_targets, targets):
        spec_hat, time_hat = est_targets
        batch, n_src, n_chan, length = targets.shape
        spec = self.encoder(targets.reshape(batch, n_src * n_chan, length))[0]  # L, B, S*C, F
        spec = spec.reshape(*spec.shape[:2], n_src, n_chan, -1).permute(
            2, 0, 1, 3, 4
        )  # S, L, B, C, F
        groups = _subsets(n_src, self.combine)
        loss_f = sum(
            (spec_hat[list(g)].sum(0) - spec[list(g)].sum(0)).pow(2).mean() for g in groups
        ) / len(groups)
        if not self.multidomain:
            return loss_f
        time_ref = targets.transpose(0, 1)[..., : time_hat.shape[-1]]  # S, B, C, T
        mix = time_ref.sum(0)
        est = torch.stack([time_hat[list(g)].sum(0) for g in groups])  # G, B, C, T
        ref = torch.stack([time_ref[list(g)].sum(0) for g in groups])
        mixes = mix.expand_as(ref)
        loss_t = 1.0 + weighted_sdr_loss(est.flatten(0, 2), ref.flatten(0, 2), mixes.flatten(0, 2))
        return loss_f + self.mix_coef * loss_t


def bandwidth_to_max_bin(sample_rate, n_fft, bandwidth):
    """Number of STFT bins at or below ``bandwidth`` Hz."""
    freqs = np.linspace(0, sample_rate / 2, n_fft // 2 + 1, endpoint=True)
    return int(np.max(np.where(freqs <= bandwidth)[0]) + 1)


def spectrogram_encoder(model_conf, mono):
    """The STFT-magnitude encoder of an X-UMX of ``model_conf`` (the ``model`` group)."""
    model = XUMX(
        ["any"],
        window_length=model_conf["window_length"],
        in_chan=model_conf["in_chan"],
        n_hop=model_conf["nhop"],
        hidden_size=2,
        nb_channels=1 if mono else 2,
        nb_layers=1,
        spec_power=model_conf["spec_power"],
    )
    return model.encoder


def input_statistics(model_conf, dataset):
    """Per-bin mean and standard deviation of the mono magnitude of the training mixtures."""
    encoder = spectrogram_encoder(model_conf, mono=True)
    whole_tracks = MUSDB18Dataset(
        dataset.root,
        sources=dataset.sources,
        targets=dataset.sources,
        split=dataset.split,
        subset=[track["path"].name for track in dataset.tracks],
        sample_rate=dataset.sample_rate,
    )
    total, total_sq, count = 0.0, 0.0, 0
    with torch.no_grad():
        for idx in tqdm(range(len(whole_tracks)), desc="Input statistics", unit="track"):
            mix = whole_tracks[idx][0]  # C, T
            mag = encoder(mix[None])[0][:, 0, 0].double()  # L, F
            total, total_sq, count = (
                total + mag.sum(0),
                total_sq + (mag**2).sum(0),
                count + len(mag),
            )
    mean = total / count
    std = torch.sqrt(torch.clamp(total_sq / count - mean**2, min=0))
    std = torch.maximum(std, 1e-4 * std.max())
    return mean.float().numpy(), std.float().numpy()


def build_model(conf, train_set):
    model_conf = conf["model"]
    sample_rate = conf["data"]["sample_rate"]
    mean, std = input_statistics(model_conf, train_set)
    max_bin = bandwidth_to_max_bin(sample_rate, model_conf["in_chan"], model_conf["bandwidth"])
    model = XUMX(
        sources=list(conf["data"]["sources"]),
        window_length=model_conf["window_length"],
        in_chan=model_conf["in_chan"],
        n_hop=model_conf["nhop"],
        hidden_size=model_conf["hidden_size"],
        nb_channels=model_conf["nb_channels"],
        sample_rate=sample_rate,
        input_mean=mean,
        input_scale=std,
        max_bin=max_bin,
        bidirectional=model_conf["bidirectional"],
        spec_power=model_conf["spec_power"],
        return_time_signals=conf["training"]["loss_use_multidomain"],
    )
    return model


def build_loss(conf):
    model_conf, training = conf["model"], conf["training"]
    encoder = spectrogram_encoder(model_conf, mono=model_conf["nb_channels"] == 1)
    return MultiDomainLoss(
        encoder,
        training["loss_combine_sources"],
        training["loss_use_multidomain"],
        training["mix_coef"],
    )


def track_sdr(reference, estimate, window):
    """Median over windows of the SDR of each source: arrays :math:`(S, C, T)` -> :math:`(S,)`."""
    n_src, _, length = reference.shape
    scores = []
    for start in range(0, length - window + 1, window):
        ref = reference[..., start : start + window].reshape(n_src, -1)
        est = estimate[..., start : start + window].reshape(n_src, -1)
        sdr = bss_eval_sources(ref, est, compute_permutation=False)[0].numpy()
        silent = (ref**2).sum(-1) < EPS
        scores.append(np.where(silent, np.nan, sdr))
    if not scores:
        raise ValueError(f"A track of {length} samples is shorter than the {window}-sample window.")
    return np.nanmedian(np.stack(scores), axis=0)


def evaluate_music(args, conf, model, test_set, out_dir, device):
    sources = list(conf["data"]["sources"])
    sample_rate = int(model.sample_rate)
    window = int(conf["training"].get("eval_window", 1.0) * sample_rate)
    save_idx = choose_examples(len(test_set), args.n_save_ex, args.seed)
    rows = []
    for idx in tqdm(range(len(test_set)), desc="Evaluating", unit="track"):
        mix, refs = test_set[idx]  # C, T and S, C, T
        est = model.forward_wav(mix[None].to(device))[0].cpu()  # S, C, T
        scores = track_sdr(refs.double().numpy(), est.double().numpy(), window)
        row = {f"sdr_{s}": float(v) for s, v in zip(sources, scores)}
        rows.append({**row, "track": test_set.tracks[idx]["path"]})
        if idx in save_idx:
            write_example(
                os.path.join(out_dir, "examples", f"ex_{idx}"),
                sample_rate,
                mix.numpy(),
                refs.numpy(),
                est.numpy(),
                metrics=row,
                names=sources,
            )
    df = pd.DataFrame(rows)
    df.to_csv(os.path.join(out_dir, "all_metrics.csv"), index=False)
    final = {f"sdr_{s}": float(np.nanmedian(df[f"sdr_{s}"])) for s in sources}
    final["sdr"] = float(np.mean(list(final.values())))
    return final


register_model_builder("XUMX", build_model)
register_loss("xumx_mdl", build_loss)
register_system("music", default_step)
register_evaluator("music", evaluate_music)
