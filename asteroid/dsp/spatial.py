"""Cross-correlation between multichannel signals (used by FasNet-TAC)."""

import torch
import torch.nn.functional as F

__all__ = ["xcorr"]


def xcorr(inp, ref, normalized=True, eps=1e-8):
    r"""Channel-wise sliding cross-correlation of ``ref`` along ``inp``.

    For every batch item and channel :math:`m`,
    :math:`c_m[\tau] = \sum_t x_m[\tau + t]\, r_m[t]`, for all lags where ``ref`` fits
    inside ``inp``. Channels are paired, not crossed; a single-channel input or reference
    is broadcast to the other's channels. With ``normalized``, each lag is divided by
    :math:`(\lVert x_m[\tau:\tau+T_r] \rVert + \epsilon)(\lVert r_m \rVert + \epsilon)`,
    a cosine similarity.

    Args:
        inp (torch.Tensor): the longer signal :math:`x`.
        ref (torch.Tensor): the reference :math:`r`, at most as long as ``inp``.
        normalized (bool): divide by the norms (cosine similarity).
        eps (float): added to each norm.

    Returns:
        torch.Tensor: the correlations.

    Shape:
        - inp: :math:`(B, M_x, T_x)`
        - ref: :math:`(B, M_r, T_r)` with :math:`T_r \le T_x` and :math:`M_r = M_x`, or one
          of them 1
        - output: :math:`(B, \max(M_x, M_r), T_x - T_r + 1)`
    """
    if inp.ndim != 3 or ref.ndim != 3:
        raise ValueError(
            f"Expected inp and ref of shape (batch, mics, time), found {tuple(inp.shape)} "
            f"and {tuple(ref.shape)}."
        )
    if inp.shape[0] != ref.shape[0]:
        raise ValueError(f"Batch sizes differ: inp {inp.shape[0]}, ref {ref.shape[0]}.")
    if inp.shape[-1] < ref.shape[-1]:
        raise ValueError(
            f"ref ({ref.shape[-1]} samples) must not be longer than inp ({inp.shape[-1]})."
        )
    n_mics = max(inp.shape[1], ref.shape[1])
    if min(inp.shape[1], ref.shape[1]) != 1 and inp.shape[1] != ref.shape[1]:
        raise ValueError(
            f"Channel counts must match or one be 1, found inp {inp.shape[1]}, ref {ref.shape[1]}."
        )
    batch, ref_len = inp.shape[0], ref.shape[-1]
    inp = inp.expand(batch, n_mics, inp.shape[-1]).reshape(1, batch * n_mics, -1)
    ref = ref.expand(batch, n_mics, ref_len).reshape(batch * n_mics, 1, ref_len)
    # One group per (batch item, channel): a channel is only correlated with its pair.
    out = F.conv1d(inp, ref, groups=batch * n_mics)  # 1, B*M, T_x - T_r + 1
    if normalized:
        ones = torch.ones(batch * n_mics, 1, ref_len, dtype=inp.dtype, device=inp.device)
        energy = F.conv1d(inp.pow(2), ones, groups=batch * n_mics)  # 1, B*M, lags
        inp_norm = energy.clamp_min(0).sqrt() + eps
        ref_norm = ref.norm(p=2, dim=-1).reshape(1, -1, 1) + eps  # 1, B*M, 1
        out = out / (inp_norm * ref_norm)
    return out.reshape(batch, n_mics, -1)
