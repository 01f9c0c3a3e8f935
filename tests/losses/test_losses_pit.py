"""Permutation invariant wrappers: PIT modes, permutation searches, MixIT and SinkPIT."""

import itertools

import pytest
import torch

from asteroid.losses import (
    MixITLossWrapper,
    PITLossWrapper,
    PITReorder,
    SinkPITLossWrapper,
    multisrc_mse,
    multisrc_neg_sisdr,
    pairwise_mse,
    pairwise_neg_sisdr,
    singlesrc_mse,
    singlesrc_neg_sisdr,
)


def shuffled_problem(n_src, batch=3, time=160, seed=0):
    """Targets and noisy estimates whose order is a known random permutation per example."""
    gen = torch.Generator().manual_seed(seed)
    targets = torch.randn(batch, n_src, time, generator=gen, dtype=torch.float64)
    perms = torch.stack([torch.randperm(n_src, generator=gen) for _ in range(batch)])
    # est[b, perms[b, t]] is a noisy copy of target t
    est = torch.empty_like(targets)
    for b in range(batch):
        est[b, perms[b]] = targets[b] + 0.3 * torch.randn(
            n_src, time, generator=gen, dtype=torch.float64
        )
    return est, targets, perms


@pytest.mark.parametrize(
    "pairs",
    [
        [
            ("pw_mtx", pairwise_neg_sisdr),
            ("pw_pt", singlesrc_neg_sisdr),
            ("perm_avg", multisrc_neg_sisdr),
        ],
        [("pw_mtx", pairwise_mse), ("pw_pt", singlesrc_mse), ("perm_avg", multisrc_mse)],
    ],
)
def test_three_modes_agree(pairs):
    est, targets, perms = shuffled_problem(3)
    results = [PITLossWrapper(f, pit_from=mode)(est, targets, return_est=True) for mode, f in pairs]
    for loss, reordered in results[1:]:
        torch.testing.assert_close(loss, results[0][0])
        torch.testing.assert_close(reordered, results[0][1])
    # return_est gives the estimates in target order
    expected = torch.stack([est[b, perms[b]] for b in range(est.shape[0])])
    torch.testing.assert_close(results[0][1], expected)


@pytest.mark.parametrize("n_src", [2, 3, 4, 5, 6])
def test_exhaustive_and_hungarian_agree(n_src):
    est, targets, perms = shuffled_problem(n_src, seed=n_src)
    pw = pairwise_neg_sisdr(est, targets)
    loss_f, idx_f = PITLossWrapper.find_best_perm(pw, perm_search="factorial")
    loss_h, idx_h = PITLossWrapper.find_best_perm(pw, perm_search="hungarian")
    torch.testing.assert_close(loss_f, loss_h)
    assert torch.equal(idx_f, idx_h) and torch.equal(idx_f, perms)
    # And both are the true minimum over all permutations.
    all_losses = torch.stack(
        [
            pw.transpose(1, 2)[:, torch.arange(n_src), list(p)].mean(-1)
            for p in itertools.permutations(range(n_src))
        ],
        dim=1,
    )
    torch.testing.assert_close(loss_f, all_losses.min(dim=1).values)


def test_hungarian_on_random_costs_matches_exhaustive():
    """Without a planted answer: the same minimum (ties aside) on random costs."""
    pw = torch.rand(20, 5, 5, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    loss_f, _ = PITLossWrapper.find_best_perm_factorial(pw)
    loss_h, _ = PITLossWrapper.find_best_perm_hungarian(pw)
    torch.testing.assert_close(loss_f, loss_h)


def test_gradient_flows_through_best_permutation():
    est, targets, _ = shuffled_problem(4)
    est = est.clone().requires_grad_()
    for search in ["factorial", "hungarian"]:
        est.grad = None
        PITLossWrapper(pairwise_neg_sisdr, perm_search=search)(est, targets).backward()
        assert torch.isfinite(est.grad).all() and est.grad.abs().sum() > 0


def test_perm_reduce_weights_pairs():
    est, targets, _ = shuffled_problem(3)

    def weighted(pwl_set, weights):
        return torch.mean(pwl_set * weights[:, None], dim=-1)

    weights = torch.tensor([[1.0, 0.0, 0.0]] * est.shape[0], dtype=torch.float64)
    loss_func = PITLossWrapper(pairwise_neg_sisdr, perm_reduce=weighted)
    loss = loss_func(est, targets, reduce_kwargs={"weights": weights})
    # Only target 0 counts: the best pick is the best estimate for target 0, divided by 3.
    pw = pairwise_neg_sisdr(est, targets)
    torch.testing.assert_close(loss, (pw[:, :, 0].min(dim=1).values / 3).mean())
    with pytest.raises(ValueError, match="exhaustive"):
        PITLossWrapper(pairwise_neg_sisdr, perm_reduce=weighted, perm_search="hungarian")


def test_pit_reorder_and_extra_dims():
    est, targets, perms = shuffled_problem(2)
    reordered = PITReorder(pairwise_neg_sisdr)(est, targets)
    torch.testing.assert_close(reordered, torch.stack([est[b, perms[b]] for b in range(3)]))
    # Sources with extra dimensions (e.g. spectrograms) reorder the same way.
    spec = torch.randn(3, 2, 4, 5)
    idx = torch.tensor([[1, 0], [0, 1], [1, 0]])
    out = PITLossWrapper.reorder_source(spec, idx)
    torch.testing.assert_close(out[0], spec[0].flip(0))
    torch.testing.assert_close(out[1], spec[1])


def test_pit_errors():
    with pytest.raises(ValueError, match="pit_from"):
        PITLossWrapper(pairwise_neg_sisdr, pit_from="pairwise")
    with pytest.raises(ValueError, match="perm_search"):
        PITLossWrapper(pairwise_neg_sisdr, perm_search="greedy")
    with pytest.raises(ValueError, match="fewer than 10"):
        PITLossWrapper(pairwise_neg_sisdr)(torch.randn(1, 10, 50), torch.randn(1, 10, 50))
    with pytest.raises(ValueError, match="same batch size and number of sources"):
        PITLossWrapper(pairwise_neg_sisdr)(torch.randn(2, 3, 50), torch.randn(2, 2, 50))
    with pytest.raises(ValueError, match="pairwise"):
        PITLossWrapper(multisrc_neg_sisdr, pit_from="pw_mtx")(
            torch.randn(2, 3, 50), torch.randn(2, 3, 50)
        )


def test_mixit_finds_the_planted_partition():
    gen = torch.Generator().manual_seed(0)
    sources = torch.randn(2, 4, 300, generator=gen, dtype=torch.float64)
    # mixture 0 = sources 1 + 3, mixture 1 = sources 0 + 2
    mixtures = torch.stack([sources[:, 1] + sources[:, 3], sources[:, 0] + sources[:, 2]], dim=1)
    for generalized in [True, False]:
        loss, remixed = MixITLossWrapper(multisrc_mse, generalized=generalized)(
            sources, mixtures, return_est=True
        )
        assert loss.item() < 1e-20
        torch.testing.assert_close(remixed, mixtures)
    # Generalized MixIT also allows an empty side.
    silent_second = torch.stack([sources.sum(1), torch.zeros(2, 300, dtype=torch.float64)], dim=1)
    loss, remixed = MixITLossWrapper(multisrc_mse)(sources, silent_second, return_est=True)
    assert loss.item() < 1e-20
    with pytest.raises(ValueError, match="two mixtures"):
        MixITLossWrapper(multisrc_mse)(sources, torch.randn(2, 3, 300, dtype=torch.float64))
    with pytest.raises(ValueError, match="split evenly"):
        MixITLossWrapper(multisrc_mse, generalized=False)(sources[:, :3], mixtures)


def test_sinkpit_approaches_pit():
    est, targets, _ = shuffled_problem(4, seed=5)
    exact = PITLossWrapper(pairwise_neg_sisdr)(est, targets)
    sink = SinkPITLossWrapper(pairwise_neg_sisdr, n_iter=400)
    sink.beta = 50.0
    torch.testing.assert_close(sink(est, targets), exact, rtol=1e-3, atol=1e-2)
    pw = pairwise_neg_sisdr(est, targets)
    _, soft = sink.best_softperm_sinkhorn(pw, beta=50.0, n_iter=400)
    # Doubly stochastic
    torch.testing.assert_close(
        soft.sum(1), torch.ones(3, 4, dtype=torch.float64), atol=1e-6, rtol=0
    )
    torch.testing.assert_close(
        soft.sum(2), torch.ones(3, 4, dtype=torch.float64), atol=1e-6, rtol=0
    )
    # Evaluation mode and return_est use the exact search
    torch.testing.assert_close(sink.eval()(est, targets), exact)
    loss, reordered = sink(est, targets, return_est=True)
    torch.testing.assert_close(
        reordered, PITLossWrapper(pairwise_neg_sisdr)(est, targets, return_est=True)[1]
    )
    with pytest.raises(ValueError, match="strictly positive"):
        sink.beta = 0
