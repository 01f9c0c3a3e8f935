"""Universal sound separation on FUSS for the shared scripts (``--system fuss``).

A mixture holds a background and zero to three foreground sounds; the model always outputs
four sources. The loss is the FUSS baseline's: for each reference, a thresholded log-MSE,
``10 log10(|s - ŝ|² + τ |ref|²)``, where the reference of an active source is itself
(``τ`` for a maximum SNR of 30 dB) and that of a silent source the mixture (20 dB), so that
silent outputs are pushed toward silence without an infinite loss; the estimates are
matched to the references (PIT) on that loss. The evaluation matches them the same way and
scores the active sources only.

References:
    Scott Wisdom et al., "What's All the FUSS About Free Universal Sound Separation Data?",
    ICASSP 2021. https://arxiv.org/abs/2011.00803
"""

import torch

from asteroid.data import FUSSDataset
from asteroid.losses import PITLossWrapper
from asteroid.scripts.recipe_parts import (
    register_dataset,
    register_loss,
    register_separator,
    register_system,
)

SILENT = 1e-8


class PairwiseThresholdedLogMSE(torch.nn.Module):
    """Pairwise FUSS loss :math:`(B, S, S)` (estimate ``i`` against reference ``j``).

    Args:
        active_max_snr (float): Best SNR (dB) rewarded for an active reference.
        silent_max_snr (float): Best SNR (dB), relative to the mixture, for a silent one.
    """

    def __init__(self, active_max_snr=30.0, silent_max_snr=20.0):
        super().__init__()
        self.active_tau = 10 ** (-active_max_snr / 10)
        self.silent_tau = 10 ** (-silent_max_snr / 10)

    def forward(self, est, ref, mixture):
        err = (est.unsqueeze(2) - ref.unsqueeze(1)).pow(2).sum(-1)  # B, S_est, S_ref
        ref_pow = ref.pow(2).sum(-1)  # B, S
        mix_pow = mixture.pow(2).sum(-1, keepdim=True).expand_as(ref_pow)
        silent = ref_pow < SILENT
        bias = torch.where(silent, self.silent_tau * mix_pow, self.active_tau * ref_pow)
        return 10 * torch.log10(err + bias.unsqueeze(1) + SILENT)


class FUSSLoss(torch.nn.Module):
    """PIT over :class:`PairwiseThresholdedLogMSE`; ``forward(est, ref, mixture)``."""

    def __init__(self):
        super().__init__()
        self.pairwise = PairwiseThresholdedLogMSE()

    def matched(self, est, ref, mixture):
        """Loss of the best assignment :math:`(B,)` and the estimates reordered to match ``ref``."""
        loss, perm = PITLossWrapper.find_best_perm(self.pairwise(est, ref, mixture))
        return loss, PITLossWrapper.reorder_source(est, perm)

    def forward(self, est, ref, mixture):
        return self.matched(est, ref, mixture)[0].mean()


class FUSSWithBackground(FUSSDataset):
    """FUSS items as ``(mixture, sources)`` with the background first: ``(4, time)``."""

    def __init__(self, file_list_path):
        super().__init__(file_list_path, return_bg=True)
        self.n_src = self.max_n_fg + 1

    def __getitem__(self, idx):
        mix, foregrounds, background = super().__getitem__(idx)
        return mix, torch.cat([background[None], foregrounds])


def fuss_step(system, batch, train):
    mixture, sources = batch[0], batch[1]
    return system.loss_func(system(mixture), sources, mixture)


def fuss_separator(model, item, device):
    mixture, sources = item
    est = model(mixture[None].to(device)).cpu()
    est = FUSSLoss().matched(est, sources[None], mixture[None])[1][0]
    active = sources.pow(2).sum(-1) >= SILENT
    return mixture.numpy(), sources[active].numpy(), est[active].numpy(), False


register_dataset("FUSSWithBackground", lambda conf, split, folder: FUSSWithBackground(folder))
register_loss("fuss_log_mse", lambda conf: FUSSLoss())
register_system("fuss", fuss_step)
register_separator("fuss", fuss_separator)
