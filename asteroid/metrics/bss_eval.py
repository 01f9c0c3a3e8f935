r"""Batched BSS-eval (SDR, SIR, SAR) on PyTorch: the same numbers as ``mir_eval``, faster.

BSS-eval decomposes an estimate :math:`\hat{s}` of source :math:`j` by least-squares projections
on delayed copies (delays :math:`0 .. L-1`, :math:`L` = 512 taps) of the references:
:math:`P_j \hat{s}` on the copies of :math:`s_j` alone, :math:`P \hat{s}` on the copies of all
references. Then :math:`s_{target} = P_j \hat{s}`, :math:`e_{interf} = P\hat{s} - P_j\hat{s}`,
:math:`e_{artif} = \hat{s} - P\hat{s}` and

* :math:`SDR = 10 \log_{10} \|s_{target}\|^2 / \|e_{interf} + e_{artif}\|^2`,
* :math:`SIR = 10 \log_{10} \|s_{target}\|^2 / \|e_{interf}\|^2`,
* :math:`SAR = 10 \log_{10} \|s_{target} + e_{interf}\|^2 / \|e_{artif}\|^2`.

This is the time-invariant-filter decomposition of ``bss_eval_sources`` in ``mir_eval`` (which
``pb_bss_eval`` wraps). The published implementation rebuilds the Gram matrix of the delayed
references and solves a dense system for every (estimate, source) pair. Here, for a batch of
mixtures at once:

1. every correlation (reference/reference and reference/estimate) comes from one FFT per
   signal;
2. the normal equations (block-Toeplitz: their blocks are those correlations) are solved
   once per mixture for every estimate (and the mixture channels) as extra right-hand sides,
   by the block Levinson recursion in :math:`O(L^2 S^3)` instead of the :math:`O(L^3 S^3)`
   of a dense solve; the per-source systems are the same recursion on the diagonal parts;
3. the projections are synthesised and their energies measured in the frequency domain.

Everything runs in float64, on the device of the inputs (CPU or GPU). Zero-padding signals at
the end does not change any value, which is what allows batching utterances of different
lengths.

References:
    Vincent, Gribonval and Févotte, "Performance measurement in blind audio source
    separation", IEEE TASLP, 2006.
"""

import itertools

import numpy as np
import torch

__all__ = ["bss_eval_sources", "pairwise_bss_eval", "best_permutation", "si_sdr"]

FILTER_LENGTH = 512


def pairwise_bss_eval(reference, estimate, filter_length=FILTER_LENGTH, solver="levinson"):
    r"""SDR, SIR and SAR of every estimate against every reference source, in dB.

    Args:
        reference (torch.Tensor or np.ndarray): reference sources.
        estimate (torch.Tensor or np.ndarray): estimates (any number of them, e.g. separated
            sources and mixture channels together).
        filter_length (int): number of taps :math:`L` of the allowed distortion filters.
        solver (str): ``"levinson"`` (block Levinson recursion, :math:`O(L^2 S^3)`, default)
            or ``"cholesky"`` (dense factorisation, :math:`O(L^3 S^3)`).

    Returns:
        tuple: ``(sdr, sir, sar)`` float64 tensors on the inputs' device, entry
        :math:`[b, e, j]` being the metric of estimate :math:`e` for source :math:`j`.

    Shape:
        - reference: :math:`(B, S, T)`.
        - estimate: :math:`(B, E, T)`.
        - Outputs: :math:`(B, E, S)`.

    Raises:
        ValueError: on shape mismatches, non-finite values or all-zero signals.
    """
    reference = _as_float64_tensor(reference, "reference")
    estimate = _as_float64_tensor(estimate, "estimate", device=reference.device)
    if reference.ndim != 3 or estimate.ndim != 3:
        raise ValueError(
            f"Expected reference (batch, n_src, time) and estimate (batch, n_est, time), got "
            f"shapes {list(reference.shape)} and {list(estimate.shape)}."
        )
    if reference.shape[0] != estimate.shape[0] or reference.shape[-1] != estimate.shape[-1]:
        raise ValueError(
            f"reference and estimate must have the same batch size and length, got shapes "
            f"{list(reference.shape)} and {list(estimate.shape)}."
        )
    _check_signals(reference, "reference")
    _check_signals(estimate, "estimate")
    if solver not in _SOLVERS:
        raise ValueError(f"Unknown solver {solver!r}; expected one of {list(_SOLVERS)}.")

    batch, n_src, n_samples = reference.shape
    L = int(filter_length)
    n_fft = _fft_size(n_samples + L - 1)
    ref_f = torch.fft.rfft(reference, n=n_fft)  # B, S, F
    est_f = torch.fft.rfft(estimate, n=n_fft)  # B, E, F

    # Correlations at lags -(L-1) .. L-1: corr[k] = sum_n x[n + k] y[n]
    ref_corr = _lagged(torch.fft.irfft(ref_f[:, :, None] * ref_f[:, None].conj(), n=n_fft), L)
    # Block-Toeplitz normal equations, unknowns indexed (delay a, source i):
    # M[a, c] = T_{c - a} with T_k[i, j] = <s_i(. + k), s_j> = ref_corr[i, j, L - 1 + k]
    toeplitz = ref_corr.permute(0, 3, 1, 2)  # B, 2L-1, S, S
    # D[a, i, e] = <s_i(. - a), est_e> = corr_{i,e}[-a]
    cross = torch.fft.irfft(ref_f[:, :, None] * est_f[:, None].conj(), n=n_fft)  # B, S, E, n
    lag = torch.arange(L, device=reference.device)
    rhs = cross[..., (-lag) % n_fft].permute(0, 3, 1, 2)  # B, L, S, E
    # Solve the projection on all references and, with the diagonal part of the blocks, the
    # projections on each reference alone, in one batch of 2B systems.
    own = torch.diag_embed(torch.diagonal(toeplitz, dim1=-2, dim2=-1))
    solve = _SOLVERS[solver]
    coefs = solve(torch.cat([toeplitz, own]), torch.cat([rhs, rhs]))  # 2B, L, S, E
    coef_all, coef_own = coefs[:batch], coefs[batch:]

    # Synthesise the projections in the frequency domain (the FFT size holds the full linear
    # convolutions) and measure every energy there (Parseval), like mir_eval does in time.
    coef_all_f = torch.fft.rfft(coef_all.permute(0, 2, 1, 3), n=n_fft, dim=2)  # B, S, F, E
    coef_own_f = torch.fft.rfft(coef_own.permute(0, 2, 1, 3), n=n_fft, dim=2)
    proj_own = coef_own_f * ref_f[..., None]  # P_j s_hat: B, S, F, E
    proj_all = (coef_all_f * ref_f[..., None]).sum(1)  # P s_hat: B, F, E
    est_spec = est_f.transpose(1, 2)  # B, F, E
    weights = torch.full((n_fft // 2 + 1, 1), 2.0 / n_fft, dtype=torch.float64, device=est_f.device)
    weights[0] = weights[-1] = 1.0 / n_fft

    def energy(spec):
        return ((spec.real**2 + spec.imag**2) * weights).sum(-2)

    target = energy(proj_own)  # ||P_j s_hat||^2: B, S, E
    interf = energy(proj_all[:, None] - proj_own)  # ||P s_hat - P_j s_hat||^2
    distortion = energy(est_spec[:, None] - proj_own)  # ||s_hat - P_j s_hat||^2
    artif = energy(est_spec - proj_all)  # ||s_hat - P s_hat||^2: B, E
    sdr = _safe_db(target, distortion)
    sir = _safe_db(target, interf)
    sar = _safe_db(energy(proj_all), artif)[:, None].expand_as(sdr)
    return sdr.transpose(1, 2), sir.transpose(1, 2), sar.transpose(1, 2)


def best_permutation(sir):
    r"""Estimate-to-source assignment maximising the mean SIR (``mir_eval``'s rule).

    Permutations are tried in :func:`itertools.permutations` order and the first maximum wins,
    as in ``mir_eval``. With one estimate more than sources (e.g. a noise estimate), the
    estimate left out is ignored.

    Args:
        sir (torch.Tensor): pairwise SIR :math:`(B, E, S)` with :math:`E \in \{S, S + 1\}`.

    Returns:
        torch.Tensor: long :math:`(B, S)`, the estimate index of each source.
    """
    n_est, n_src = sir.shape[-2:]
    perms = torch.tensor(
        list(itertools.permutations(range(n_est), n_src)), dtype=torch.long, device=sir.device
    )  # P, S
    src = torch.arange(n_src, device=sir.device)
    mean_sir = sir[:, perms, src].mean(-1)  # B, P
    # argmax returns the first maximum; NaN-free inputs are checked upstream.
    return perms[torch.argmax(mean_sir, dim=-1)]


def bss_eval_sources(
    reference, estimate, compute_permutation=True, filter_length=FILTER_LENGTH, solver="levinson"
):
    r"""SDR, SIR, SAR of separated sources, batched (``mir_eval.separation.bss_eval_sources``).

    Args:
        reference (torch.Tensor or np.ndarray): reference sources.
        estimate (torch.Tensor or np.ndarray): estimates, as many as sources (or one more
            with ``compute_permutation``).
        compute_permutation (bool): match estimates to sources by the best mean SIR;
            otherwise estimate :math:`j` is scored against source :math:`j`.
        filter_length (int): number of taps of the distortion filters.
        solver (str): see :func:`pairwise_bss_eval`.

    Returns:
        tuple: ``(sdr, sir, sar, perm)``; the metrics :math:`(B, S)` (float64, dB) and
        ``perm`` :math:`(B, S)` the estimate index used for each source.

    Shape:
        - reference: :math:`(B, S, T)` or :math:`(S, T)` (then outputs drop the batch axis).
        - estimate: :math:`(B, E, T)` or :math:`(E, T)`.

    Examples:
        >>> ref = torch.randn(4, 2, 8000, dtype=torch.float64)
        >>> est = ref.flip(1) + 0.1 * torch.randn_like(ref)
        >>> sdr, sir, sar, perm = bss_eval_sources(ref, est)
        >>> perm[0].tolist()
        [1, 0]
    """
    reference = _as_float64_tensor(reference, "reference")
    estimate = _as_float64_tensor(estimate, "estimate", device=reference.device)
    unbatched = reference.ndim == 2 and estimate.ndim == 2
    if unbatched:
        reference, estimate = reference[None], estimate[None]
    if reference.ndim != 3 or estimate.ndim != 3:
        raise ValueError(
            f"Expected (n_src, time) or (batch, n_src, time) inputs, got shapes "
            f"{list(reference.shape)} and {list(estimate.shape)}."
        )
    n_src, n_est = reference.shape[1], estimate.shape[1]
    allowed = (n_src, n_src + 1) if compute_permutation else (n_src,)
    if n_est not in allowed:
        raise ValueError(
            f"Expected {' or '.join(map(str, allowed))} estimates for {n_src} reference sources, "
            f"got estimate of shape {list(estimate.shape)}."
        )
    sdr, sir, sar = pairwise_bss_eval(
        reference, estimate, filter_length=filter_length, solver=solver
    )
    if compute_permutation:
        perm = best_permutation(sir)
    else:
        perm = torch.arange(n_src, device=sdr.device).expand(sdr.shape[0], n_src)
    src = torch.arange(n_src, device=sdr.device)
    batch_idx = torch.arange(sdr.shape[0], device=sdr.device)[:, None]
    picked = [m[batch_idx, perm, src] for m in (sdr, sir, sar)]
    if unbatched:
        return picked[0][0], picked[1][0], picked[2][0], perm[0]
    return picked[0], picked[1], picked[2], perm


def si_sdr(reference, estimate, eps=1e-8):
    r"""Scale-invariant SDR in dB, as ``pb_bss_eval.evaluation.si_sdr``.

    :math:`10 \log_{10}(\|\alpha s\|^2 / (\|\hat{s} - \alpha s\|^2 + \epsilon) + \epsilon)` with
    zero-mean signals and :math:`\alpha = \langle \hat{s}, s\rangle / (\|s\|^2 + \epsilon)`.

    Args:
        reference (np.ndarray): references, time on the last axis.
        estimate (np.ndarray): estimates, broadcastable against ``reference``.
        eps (float): :math:`\epsilon`.

    Returns:
        np.ndarray: float64, the broadcast shape without the time axis.
    """
    estimate, reference = np.broadcast_arrays(
        np.asarray(estimate, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    )
    estimate = estimate - estimate.mean(-1, keepdims=True)
    reference = reference - reference.mean(-1, keepdims=True)
    scale = (reference * estimate).sum(-1, keepdims=True) / (
        (reference**2).sum(-1, keepdims=True) + eps
    )
    projection = scale * reference
    noise = estimate - projection
    ratio = (projection**2).sum(-1) / ((noise**2).sum(-1) + eps)
    return np.asarray(10 * np.log10(ratio + eps), dtype=np.float64)


# ------------------------------------------------------------------------------------ helpers
def _as_float64_tensor(x, name, device=None):
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or a np.ndarray, got {type(x).__name__}.")
    return x.to(device=device if device is not None else x.device, dtype=torch.float64)


def _check_signals(x, name):
    finite = torch.isfinite(x).all(dim=-1)
    if not bool(finite.all()):
        bad = torch.nonzero(~finite)[0].tolist()
        raise ValueError(f"{name} has NaN or infinite values (signal at index {bad}).")
    silent = (x == 0).all(dim=-1)
    if bool(silent.any()):
        bad = torch.nonzero(silent)[0].tolist()
        raise ValueError(
            f"{name} has an all-zero signal (index {bad}); BSS-eval is undefined for silent "
            f"signals."
        )


def _fft_size(n):
    """Smallest power of two at least ``n`` (any size >= n gives the same correlations)."""
    return 1 << int(np.ceil(np.log2(n)))


def _lagged(corr, L):
    """Lags -(L-1) .. L-1 of circular correlations (last axis), in that order."""
    return torch.cat([corr[..., -(L - 1) :], corr[..., :L]], dim=-1)


def _block_levinson(toeplitz, rhs):
    """Solve symmetric block-Toeplitz systems by the block Levinson recursion.

    Args:
        toeplitz (torch.Tensor): :math:`(B, 2L-1, S, S)`, ``toeplitz[:, L - 1 + k]`` is the block
            :math:`T_k` (with :math:`T_{-k} = T_k^T`); the matrix has block :math:`T_{c-a}` at
            block row :math:`a`, block column :math:`c`.
        rhs (torch.Tensor): :math:`(B, L, S, E)` right-hand sides.

    Returns:
        torch.Tensor: :math:`(B, L, S, E)` solutions.

    The forward vectors :math:`f` (:math:`M_n f = [I, 0, ..]^T`) and backward vectors
    :math:`b` (:math:`M_n b = [.., 0, I]^T`) of the leading :math:`n`-block sections grow one
    block per step, and so does the solution. Each step costs :math:`O(n S^3)`; the loop is
    over the :math:`L` delays, so small per-step tensors run single-threaded.
    """
    batch, two_l, n_src, _ = toeplitz.shape
    L = (two_l + 1) // 2
    S = n_src
    n_rhs = rhs.shape[-1]
    # Row layout: rows[:, i, k * S + j] = T_{k - (L - 1)}[i, j]
    rows = toeplitz.permute(0, 2, 1, 3).reshape(batch, S, two_l * S)
    eye = torch.eye(S, dtype=toeplitz.dtype, device=toeplitz.device)
    t0_inv = torch.linalg.inv(toeplitz[:, L - 1])
    fwd = toeplitz.new_zeros(batch, L * S, S)
    bwd = toeplitz.new_zeros(batch, L * S, S)
    sol = toeplitz.new_zeros(batch, L * S, n_rhs)
    fwd[:, :S] = t0_inv
    bwd[:, :S] = t0_inv
    sol[:, :S] = t0_inv @ rhs[:, 0]
    for n in range(1, L):
        k = n * S
        t_before = rows[:, :, (L - 1 - n) * S : (L - 1) * S]  # [T_-n .. T_-1]
        t_after = rows[:, :, L * S : (L + n) * S]  # [T_1 .. T_n]
        err_f = t_before @ fwd[:, :k]  # row n of M_{n+1} [f; 0]
        err_b = t_after @ bwd[:, :k]  # row 0 of M_{n+1} [0; b]
        err_x = t_before @ sol[:, :k]
        alpha = torch.linalg.inv_ex(eye - err_b @ err_f)[0]
        delta = torch.linalg.inv_ex(eye - err_f @ err_b)[0]
        new_fwd = torch.zeros_like(fwd[:, : k + S])
        new_bwd = torch.zeros_like(new_fwd)
        new_fwd[:, :k] = fwd[:, :k] @ alpha
        new_fwd[:, S:] -= bwd[:, :k] @ (err_f @ alpha)
        new_bwd[:, S:] = bwd[:, :k] @ delta
        new_bwd[:, :k] -= fwd[:, :k] @ (err_b @ delta)
        fwd[:, : k + S] = new_fwd
        bwd[:, : k + S] = new_bwd
        sol[:, : k + S] += new_bwd @ (rhs[:, n] - err_x)
    return sol.reshape(batch, L, S, n_rhs)


def _levinson_solve(toeplitz, rhs):
    if toeplitz.device.type == "cpu":
        # Hundreds of tiny steps: threads only add synchronisation.
        n_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return _block_levinson(toeplitz, rhs)
        finally:
            torch.set_num_threads(n_threads)
    return _block_levinson(toeplitz, rhs)


def _cholesky_solve(toeplitz, rhs):
    """Dense solve of the same systems (Cholesky; LU then least squares where it fails)."""
    batch, two_l, S, _ = toeplitz.shape
    L = (two_l + 1) // 2
    lag = torch.arange(L, device=toeplitz.device)
    index = lag[None, :] - lag[:, None] + (L - 1)  # [a, c] -> c - a
    matrix = toeplitz[:, index].permute(0, 1, 3, 2, 4).reshape(batch, L * S, L * S)
    flat_rhs = rhs.reshape(batch, L * S, -1)
    chol, info = torch.linalg.cholesky_ex(matrix)  # reads the lower triangle only
    half = torch.linalg.solve_triangular(chol, flat_rhs, upper=False)
    out = torch.linalg.solve_triangular(chol.transpose(-1, -2), half, upper=True)
    failed = info != 0
    if bool(failed.any()):
        sub_m, sub_r = matrix[failed], flat_rhs[failed]
        sol = torch.linalg.solve_ex(sub_m, sub_r)[0]
        if not bool(torch.isfinite(sol).all()):
            sol = torch.linalg.lstsq(sub_m.cpu(), sub_r.cpu()).solution.to(sub_m.device)
        out[failed] = sol
    return out.reshape(rhs.shape)


_SOLVERS = {"levinson": _levinson_solve, "cholesky": _cholesky_solve}


def _safe_db(num, den):
    """``10 log10(num / den)``; +inf where the denominator is exactly zero (as mir_eval)."""
    ratio = num / den
    return torch.where(den == 0, torch.full_like(ratio, float("inf")), 10 * torch.log10(ratio))
