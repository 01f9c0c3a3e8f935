"""Mixture invariant training (MixIT) for the shared training script (``--system mixit``).

Training: the batch's mixtures are paired (first half with second half) and summed into
mixtures of mixtures; the model separates them into ``n_src`` (4) sources, and the MixIT loss
(``--loss mixit``) finds the best assignment of those sources to the two mixtures. No source
reference is used. Validation and evaluation: the model separates the real mixtures, the two
estimates of highest energy are kept and compared to the references with PIT SI-SDR.

References:
    Scott Wisdom et al., "Unsupervised Sound Separation Using Mixture Invariant Training",
    NeurIPS 2020. https://arxiv.org/abs/2006.12701
"""

import torch

from asteroid.losses import PITLossWrapper, pairwise_neg_sisdr
from asteroid.scripts.recipe_parts import register_separator, register_system

_pit = PITLossWrapper(pairwise_neg_sisdr, pit_from="pw_mtx")


def loudest(est_sources, n_keep):
    """The ``n_keep`` estimates of highest energy, in their original order.

    Shape:
        - est_sources: :math:`(B, S, T)`; output :math:`(B, n_{keep}, T)`.
    """
    energy = est_sources.pow(2).mean(-1)  # B, S
    idx = energy.topk(n_keep, dim=1).indices.sort(dim=1).values  # B, n_keep
    return est_sources.gather(1, idx.unsqueeze(-1).expand(-1, -1, est_sources.shape[-1]))


def mixit_step(system, batch, train):
    mixtures, sources = batch[0], batch[1]
    if not train:
        est = loudest(system(mixtures), sources.shape[1])
        return _pit(est, sources)
    if mixtures.shape[0] % 2:
        raise ValueError(
            f"MixIT pairs the mixtures of a batch: use an even batch_size, got {mixtures.shape[0]}."
        )
    half = mixtures.shape[0] // 2
    first, second = mixtures[:half], mixtures[half:]
    est = system(first + second)  # B/2, S, T
    return system.loss_func(est, torch.stack([first, second], dim=1))


def mixit_separator(model, item, device):
    mix, sources = item[0], item[1]
    est = loudest(model(mix[None].to(device)).cpu(), sources.shape[0])[0]
    return mix.numpy(), sources.numpy(), est.numpy(), True


register_system("mixit", mixit_step)
register_separator("mixit", mixit_separator)
