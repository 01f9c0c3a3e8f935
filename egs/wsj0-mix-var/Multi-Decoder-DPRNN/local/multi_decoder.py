"""Multi-Decoder DPRNN: separation of an unknown number of speakers (``--system multi_decoder``).

A DPRNN masker is shared by several decoders, one per speaker count (2 to 5 in wsj0-{2..5}mix),
and a count head (convolution, average pooling, convolution) picks the decoder. Training
uses the oracle count: every DPRNN block's output is decoded by the right decoder, and the
loss sums over blocks, weighted ``(k + 1) / K`` for block ``k`` of ``K``, the PIT SI-SDR loss
(times the speaker count) and ``lambda`` times the cross-entropy of the count head. In
evaluation the last block's output goes to the decoder the count head picks.

The evaluation (:func:`evaluate_counts`) reports the count accuracy, the confusion matrix
(``confusion.csv``), and the SI-SDR of the estimates of the oracle-count decoder (so that
every mixture is scored, whatever the count head says).

References:
    Junzhe Zhu, Raymond Yeh and Mark Hasegawa-Johnson, "Multi-Decoder DPRNN: Source Separation
    for Variable Number of Speakers", ICASSP 2021. https://arxiv.org/abs/2011.12022
"""

import os

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import Dataset
from tqdm import tqdm

from asteroid.data import Wsj0mixDataset
from asteroid.filterbanks import make_enc_dec
from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
from asteroid.masknn import norms
from asteroid.masknn._chunking import chunk, overlap_add
from asteroid.masknn.dprnn import DPRNNBlock
from asteroid.metrics import MetricTracker
from asteroid.models import BaseModel, register_model
from asteroid.scripts.eval import choose_examples, write_example
from asteroid.scripts.recipe_parts import (
    register_dataset,
    register_evaluator,
    register_model_builder,
    register_system,
)
from asteroid.utils.torch_utils import pad_x_to_y

__all__ = ["MultiDecoderDPRNN", "VariableSpeakers"]


class _CountDecoder(nn.Module):
    """Masks and waveforms of ``n_src`` sources from the DPRNN output."""

    def __init__(self, n_src, n_filters, kernel_size, stride, bn_chan, chunk_size, hop_size):
        super().__init__()
        self.n_src, self.bn_chan = n_src, bn_chan
        self.chunk_size, self.hop_size = chunk_size, hop_size
        self.first_out = nn.Sequential(nn.PReLU(), nn.Conv2d(bn_chan, n_src * bn_chan, 1))
        self.net_out = nn.Sequential(nn.Conv1d(bn_chan, bn_chan, 1), nn.Tanh())
        self.net_gate = nn.Sequential(nn.Conv1d(bn_chan, bn_chan, 1), nn.Sigmoid())
        self.mask_net = nn.Conv1d(bn_chan, n_filters, 1, bias=False)
        _, self.decoder = make_enc_dec(
            "free", n_filters=n_filters, kernel_size=kernel_size, stride=stride
        )

    def forward(self, chunks, tf_rep):
        """``chunks`` :math:`(B, C, K, P)`, ``tf_rep`` :math:`(B, N, L)` -> :math:`(B, S, T)`."""
        batch, _, _, n_chunks = chunks.shape
        n_frames = tf_rep.shape[-1]
        out = self.first_out(chunks).reshape(
            batch * self.n_src, self.bn_chan, self.chunk_size, n_chunks
        )
        out = overlap_add(out, n_frames, self.chunk_size, self.hop_size)  # B*S, C, L
        out = self.net_out(out) * self.net_gate(out)
        masks = torch.sigmoid(self.mask_net(out)).view(
            batch, self.n_src, -1, n_frames
        )  # B, S, N, L
        return self.decoder(masks * tf_rep.unsqueeze(1))  # B, S, T'


class MultiDecoderDPRNN(BaseModel):
    """DPRNN encoder-masker with one decoder per speaker count and a count head.

    Args:
        n_srcs (list of int): The speaker counts, one decoder each.
        bn_chan, hid_size, chunk_size, hop_size, n_repeats, norm_type, bidirectional,
            rnn_type, num_layers, dropout: The DPRNN masker's (see
            :class:`asteroid.masknn.DPRNN`).
        n_filters, kernel_size, stride (int): The free filterbank's.
        sample_rate (float): Sample rate (Hz).

    Shape:
        - input: :math:`(B, T)`.
        - output of ``forward``: :math:`(B, \\max(n_{srcs}), T)`, the sources of the
          count the count head picks, zero-padded.
    """

    # fmt: off
    def __init__(
        self,
        n_srcs=(2, 3, 4, 5),
        # the DPRNN masker
        bn_chan=128, hid_size=128, chunk_size=128, hop_size=64, n_repeats=8, norm_type="gLN",
        bidirectional=True, rnn_type="LSTM", num_layers=1, dropout=0.0,
        n_filters=64, kernel_size=8, stride=4,  # the free filterbank
        sample_rate=8000,
    ):
        # fmt: on
        self.args = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(sample_rate=self.args.pop("sample_rate"))
        self.n_srcs = self.args["n_srcs"] = [int(n) for n in n_srcs]
        self.chunk_size, self.hop_size = chunk_size, hop_size
        self.encoder, _ = make_enc_dec(
            "free", n_filters=n_filters, kernel_size=kernel_size, stride=stride
        )
        self.bottleneck = nn.Sequential(
            norms.get(norm_type)(n_filters), nn.Conv1d(n_filters, bn_chan, 1)
        )
        self.blocks = nn.ModuleList(
            DPRNNBlock(
                bn_chan,
                hid_size,
                norm_type=norm_type,
                bidirectional=bidirectional,
                rnn_type=rnn_type,
                num_layers=num_layers,
                dropout=dropout,
            )
            for _ in range(n_repeats)
        )
        self.decoders = nn.ModuleList(
            _CountDecoder(n, n_filters, kernel_size, stride, bn_chan, chunk_size, hop_size)
            for n in self.n_srcs
        )
        self.count_head = nn.Sequential(
            nn.Conv2d(bn_chan, n_filters, 1),
            nn.AdaptiveAvgPool2d(1),
            nn.ReLU(),
            nn.Conv2d(n_filters, len(self.n_srcs), 1),
        )

    def stages(self, wav):
        """The encoding :math:`(B, N, L)` and every block's output :math:`(B, C, K, P)`."""
        tf_rep = self.encoder(wav.unsqueeze(1))
        out = chunk(self.bottleneck(tf_rep), self.chunk_size, self.hop_size)
        outputs = []
        for block in self.blocks:
            out = block(out)
            outputs.append(out)
        return tf_rep, outputs

    def count_logits(self, chunks):
        """Scores of the speaker counts, :math:`(B, n_{decoders})`."""
        return self.count_head(chunks).flatten(1)

    def decode(self, chunks, tf_rep, count, like):
        """Sources :math:`(B, count, T)` from the decoder of ``count`` speakers."""
        return pad_x_to_y(self.decoders[self.n_srcs.index(count)](chunks, tf_rep), like)

    def forward(self, wav):
        squeeze = wav.ndim == 1
        wav = wav.reshape(-1, wav.shape[-1])
        tf_rep, outputs = self.stages(wav)
        counts = self.count_logits(outputs[-1]).argmax(1)
        est = wav.new_zeros(wav.shape[0], max(self.n_srcs), wav.shape[-1])
        for b, idx in enumerate(counts.tolist()):
            n = self.n_srcs[idx]
            est[b, :n] = self.decode(outputs[-1][b : b + 1], tf_rep[b : b + 1], n, wav[b : b + 1])[
                0
            ]
        return est[0] if squeeze else est

    def get_model_args(self):
        return {**self.args, "sample_rate": self.sample_rate}


class VariableSpeakers(Dataset):
    """wsj0-{n}mix mixtures of several speaker counts together.

    Items are ``(mixture (T,), sources (max_n, T) zero-padded, n_src, length)``; training and
    validation items are cut to ``segment`` seconds (mixtures shorter than ``min_length`` are
    left out, shorter than ``segment`` zero-padded).
    """

    def __init__(self, json_dirs, n_srcs, sample_rate=8000, segment=4.0, min_length=2.0):
        self.max_n = max(n_srcs)
        self.seg_len = int(segment * sample_rate) if segment else None
        min_len = int(min_length * sample_rate) if segment else 0
        parts = []
        for folder, n in zip(json_dirs, n_srcs):
            dataset = Wsj0mixDataset(folder, n_src=n, sample_rate=sample_rate, segment=None)
            keep = [i for i, (_, length) in enumerate(dataset.mix) if length >= min_len]
            parts.append((dataset, n, keep))
        self.items = [(d, n, i) for d, n, keep in parts for i in keep]
        if not self.items:
            raise ValueError(f"No mixture of at least {min_length} s in {json_dirs}.")

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        dataset, n_src, i = self.items[idx]
        mix, sources = dataset[i]
        length = mix.shape[-1]
        if self.seg_len is not None:
            start = int(torch.randint(0, max(1, length - self.seg_len + 1), ()))
            mix, sources = (
                mix[start : start + self.seg_len],
                sources[:, start : start + self.seg_len],
            )
            length = mix.shape[-1]
            pad = self.seg_len - length
            mix, sources = nn.functional.pad(mix, [0, pad]), nn.functional.pad(sources, [0, pad])
        sources = nn.functional.pad(sources, [0, 0, 0, self.max_n - n_src])
        return mix, sources, n_src, length

    def get_infos(self):
        return {**self.items[0][0].get_infos(), "dataset": "wsj0-mix (2 to 5 speakers)"}


def multi_decoder_step(system, batch, train):
    mixtures, sources, n_srcs, lengths = batch
    model, lamb = system.model, float(system.config["loss"]["lambda"])
    tf_rep, outputs = model.stages(mixtures)
    n_stages = len(outputs)
    weights = [(k + 1) / n_stages for k in range(n_stages)]
    total = 0.0
    for b, (n, length) in enumerate(zip(n_srcs.tolist(), lengths.tolist())):
        target = torch.tensor([model.n_srcs.index(n)], device=mixtures.device)
        ref = sources[b : b + 1, :n, :length]
        for weight, out in zip(weights, outputs):
            est = model.decode(out[b : b + 1], tf_rep[b : b + 1], n, mixtures[b : b + 1])[
                ..., :length
            ]
            sdr_loss = PITLossWrapper.find_best_perm(pairwise_neg_sisdr(est, ref))[0].mean()
            ce = nn.functional.cross_entropy(model.count_logits(out[b : b + 1]), target)
            total = total + weight * (sdr_loss * n + lamb * ce)
    return total / len(n_srcs)


def evaluate_counts(args, conf, model, test_set, out_dir, device):
    sample_rate = int(model.sample_rate)
    tracker = MetricTracker(sample_rate=sample_rate, metrics_list=["si_sdr"])
    save_idx = choose_examples(len(test_set), args.n_save_ex, args.seed)
    pit = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")
    counts = []
    for idx in tqdm(range(len(test_set)), desc="Evaluating", unit="utt"):
        mix, sources, n, length = test_set[idx]
        wav = mix[None].to(device)
        tf_rep, outputs = model.stages(wav)
        n_est = model.n_srcs[int(model.count_logits(outputs[-1]).argmax())]
        est = model.decode(outputs[-1], tf_rep, n, wav).cpu()  # the oracle count's decoder
        refs = sources[None, :n]
        est = pit(est, refs, return_est=True)[1][0].numpy()
        utt = tracker(
            mix=mix.numpy(),
            clean=refs[0].numpy(),
            estimate=est,
            filename=f"utt_{idx}",
            n_src=n,
            n_src_estimate=n_est,
        )
        counts.append((n, n_est))
        if idx in save_idx:
            write_example(
                os.path.join(out_dir, "examples", f"ex_{idx}"),
                sample_rate,
                mix.numpy(),
                refs[0].numpy(),
                est,
                metrics={**utt, "n_src": n, "n_src_estimate": n_est},
            )
    tracker.as_df().to_csv(os.path.join(out_dir, "all_metrics.csv"), index=False)
    labels = model.n_srcs
    confusion = pd.DataFrame(
        0, index=[f"true_{n}" for n in labels], columns=[f"est_{n}" for n in labels]
    )
    for n, n_est in counts:
        confusion.loc[f"true_{n}", f"est_{n_est}"] += 1
    confusion.to_csv(os.path.join(out_dir, "confusion.csv"))
    final = tracker.final_report()
    final["accuracy"] = float(np.mean([n == n_est for n, n_est in counts]))
    return final


def _json_dirs(template, n_srcs):
    return [template.format(n) for n in n_srcs]


def build_dataset(conf, split, folder):
    data, n_srcs = conf["data"], conf["masknet"]["n_srcs"]
    segment = None if split == "test" else data["segment"]
    return VariableSpeakers(
        _json_dirs(folder, n_srcs), n_srcs, data["sample_rate"], segment, data["minlen"]
    )


def build_model(conf, train_set):
    return MultiDecoderDPRNN(
        sample_rate=conf["data"]["sample_rate"], **conf["filterbank"], **conf["masknet"]
    )


register_model(MultiDecoderDPRNN)
register_model_builder("MultiDecoderDPRNN", build_model)
register_dataset("VariableSpeakers", build_dataset)
register_system("multi_decoder", multi_decoder_step)
register_evaluator("multi_decoder", evaluate_counts)
