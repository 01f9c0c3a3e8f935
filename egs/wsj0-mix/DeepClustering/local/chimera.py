"""Deep clustering and Chimera++ for the shared training script (``--system chimera``).

:class:`ChimeraPP` is a BLSTM on the log-magnitude STFT of the mixture with two heads: an
embedding of every time-frequency bin (deep clustering head, unit-norm ``tanh`` features)
and one sigmoid mask per source (mask-inference head). The loss is
``loss_alpha * DC + (1 - loss_alpha) * MI``: DC is the deep clustering loss of the embeddings
against the dominant source of each bin (bins within 40 dB of the loudest one count), MI the
permutation-invariant MSE between the masked mixture magnitude and the sources' ideal ratio
masks applied to it. ``loss_alpha: 1.0`` trains deep clustering alone; the model then
separates by k-means on the embeddings of the active bins (binary masks), otherwise with the
mask-inference head. Multichannel corpora (Kinect-WSJ) use their first channel.

References:
    John R. Hershey, Zhuo Chen, Jonathan Le Roux and Shinji Watanabe, "Deep clustering:
    Discriminative embeddings for segmentation and separation", ICASSP 2016.
    Zhong-Qiu Wang, Jonathan Le Roux and John R. Hershey, "Alternative Objective Functions
    for Deep Clustering", ICASSP 2018 (Chimera++).
"""

import torch
from torch import nn

from asteroid.dsp.vad import ebased_vad
from asteroid.filterbanks import make_enc_dec
from asteroid.filterbanks.transforms import apply_mag_mask, mag
from asteroid.losses import PITLossWrapper, deep_clustering_loss, pairwise_mse
from asteroid.masknn.rnn import SingleRNN
from asteroid.models import BaseModel, register_model
from asteroid.scripts.recipe_parts import (
    register_model_builder,
    register_separator,
    register_system,
)
from asteroid.utils.torch_utils import pad_x_to_y

__all__ = ["ChimeraPP", "kmeans"]

EPS = 1e-8


def kmeans(points, n_clusters, n_iter=30):
    """Cluster ``points`` :math:`(N, E)` with Lloyd's algorithm; returns labels :math:`(N,)`.

    Deterministic: the first centre is the first point, each next one the point farthest
    from the centres chosen so far.
    """
    centres = [points[0]]
    for _ in range(1, n_clusters):
        dist = torch.cdist(points, torch.stack(centres)).min(dim=1).values
        centres.append(points[dist.argmax()])
    centres = torch.stack(centres)
    for _ in range(n_iter):
        labels = torch.cdist(points, centres).argmin(dim=1)
        for k in range(n_clusters):
            members = points[labels == k]
            if len(members):
                centres[k] = members.mean(dim=0)
    return torch.cdist(points, centres).argmin(dim=1)


class ChimeraPP(BaseModel):
    """Chimera++ network: BLSTM, deep clustering head and mask-inference head on the STFT.

    Args:
        n_src (int): Number of sources.
        n_filters (int): STFT size (``n_filters // 2 + 1`` frequencies).
        kernel_size (int): STFT window length (samples).
        stride (int): STFT hop (samples).
        rnn_type (str): ``"lstm"``, ``"gru"`` or ``"rnn"``.
        n_layers (int): Bidirectional recurrent layers.
        hidden_size (int): Units per direction.
        dropout (float): Dropout after the recurrent layers and between them.
        embedding_dim (int): Dimension of the deep clustering embeddings.
        take_log (bool): Feed the log-magnitude (else the magnitude).
        inference_head (str): ``"mask"`` or ``"embedding"`` (k-means), used by ``forward``.
        sample_rate (float): Sample rate (Hz).

    Shape:
        - input: :math:`(B, T)`; output: :math:`(B, S, T)`.
    """

    # fmt: off
    def __init__(
        self,
        n_src=2,
        n_filters=256, kernel_size=256, stride=64,  # the STFT
        rnn_type="lstm", n_layers=4, hidden_size=600, dropout=0.3,  # the BLSTM
        embedding_dim=40, take_log=True, inference_head="mask",
        sample_rate=8000,
    ):
        # fmt: on
        self.args = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(sample_rate=self.args.pop("sample_rate"))
        if inference_head not in ("mask", "embedding"):
            raise ValueError(f"inference_head must be 'mask' or 'embedding', got {inference_head!r}.")
        self.args["take_log"] = bool(take_log)
        self.encoder, self.decoder = make_enc_dec(
            "stft", n_filters=n_filters, kernel_size=kernel_size, stride=stride, sample_rate=sample_rate
        )
        n_freqs = self.encoder.n_feats_out // 2
        self.n_freqs = n_freqs
        self.rnn = SingleRNN(rnn_type, n_freqs, hidden_size, n_layers=n_layers, dropout=dropout, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.embedding_layer = nn.Linear(2 * hidden_size, n_freqs * embedding_dim)
        self.mask_layer = nn.Linear(2 * hidden_size, n_freqs * n_src)

    def heads(self, wav):
        """Embeddings :math:`(B, F L, E)`, masks :math:`(B, S, F, L)`, mixture STFT and magnitude."""
        tf_rep = self.encoder(wav.unsqueeze(1))  # B, 2F, L
        mix_mag = mag(tf_rep)  # B, F, L
        feats = torch.log(mix_mag + EPS) if self.args["take_log"] else mix_mag
        out = self.dropout(self.rnn(feats.transpose(1, 2)))  # B, L, 2H
        batch, frames = out.shape[:2]
        emb = torch.tanh(self.embedding_layer(out))
        emb = emb.view(batch, frames, self.n_freqs, -1).transpose(1, 2)  # B, F, L, E
        emb = emb.reshape(batch, self.n_freqs * frames, -1)
        emb = emb / (emb.norm(dim=-1, keepdim=True) + EPS)
        masks = torch.sigmoid(self.mask_layer(out))  # B, L, S*F
        masks = masks.view(batch, frames, self.args["n_src"], self.n_freqs).permute(0, 2, 3, 1)
        return emb, masks, tf_rep, mix_mag

    def cluster_masks(self, emb, mix_mag):
        """Binary masks :math:`(B, S, F, L)` from k-means on the embeddings of active bins."""
        n_src = self.args["n_src"]
        active = ebased_vad(mix_mag).flatten(1)  # B, F*L
        masks = []
        for emb_b, act_b in zip(emb, active):
            labels = torch.zeros(emb_b.shape[0], dtype=torch.long)
            if act_b.sum() >= n_src:
                labels[act_b] = kmeans(emb_b[act_b], n_src).cpu()
            one_hot = torch.nn.functional.one_hot(labels, n_src).T.float()  # S, F*L
            masks.append(one_hot.to(emb.device))
        return torch.stack(masks).view(emb.shape[0], n_src, *mix_mag.shape[-2:])

    def forward(self, wav):
        squeeze = wav.ndim == 1
        wav = wav.reshape(-1, wav.shape[-1])  # B, T
        emb, masks, tf_rep, mix_mag = self.heads(wav)
        if self.args["inference_head"] == "embedding":
            masks = self.cluster_masks(emb, mix_mag)
        est = pad_x_to_y(self.decoder(apply_mag_mask(tf_rep.unsqueeze(1), masks)), wav)
        return est[0] if squeeze else est

    def get_model_args(self):
        return {**self.args, "sample_rate": self.sample_rate}


_mask_pit = PITLossWrapper(pairwise_mse, pit_from="pw_mtx")


def _first_channel(mixture, sources):
    """Kinect-WSJ items are time-major multichannel: keep the reference (first) channel."""
    if mixture.ndim == 3:  # B, T, C
        return mixture[..., 0], sources[..., 0]
    return mixture, sources


def chimera_step(system, batch, train):
    mixture, sources = _first_channel(batch[0], batch[1])
    model = system.model
    emb, masks, _, mix_mag = model.heads(mixture)
    batch_size, n_src, n_samples = sources.shape
    src_mag = mag(model.encoder(sources.reshape(-1, 1, n_samples)))
    src_mag = src_mag.view(batch_size, n_src, *src_mag.shape[-2:])  # B, S, F, L
    ratio = src_mag / (src_mag.sum(1, keepdim=True) + EPS)
    alpha = float(system.config["training"]["loss_alpha"])
    dc = deep_clustering_loss(emb, ratio.argmax(1), binary_mask=ebased_vad(mix_mag)).mean()
    mi = _mask_pit(masks * mix_mag.unsqueeze(1), ratio * mix_mag.unsqueeze(1))
    return alpha * dc + (1 - alpha) * mi


def chimera_separator(model, item, device):
    mixture, sources = _first_channel(item[0][None], item[1][None])
    est = model(mixture.to(device)).cpu()
    return mixture[0].numpy(), sources[0].numpy(), est[0].numpy(), True


def build(conf, train_set):
    head = "embedding" if float(conf["training"]["loss_alpha"]) >= 1.0 else "mask"
    return ChimeraPP(
        n_src=train_set.n_src,
        sample_rate=conf["data"]["sample_rate"],
        inference_head=head,
        **conf["filterbank"],
        **conf["masknet"],
    )


register_model(ChimeraPP)
register_model_builder("ChimeraPP", build)
register_system("chimera", chimera_step)
register_separator("chimera", chimera_separator)
