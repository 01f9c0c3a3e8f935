import pytest
import torch

from asteroid.dsp import mixture_consistency


@pytest.mark.parametrize("mix_has_src_axis", [False, True])
@pytest.mark.parametrize("weights", [None, "given"])
def test_outputs_sum_to_mixture(mix_has_src_axis, weights):
    torch.manual_seed(0)
    mix, est = torch.randn(4, 1000), torch.randn(4, 3, 1000)
    src_weights = torch.rand(4, 3, 1) if weights else None
    out = mixture_consistency(mix[:, None] if mix_has_src_axis else mix, est, src_weights)
    assert out.shape == est.shape
    torch.testing.assert_close(out.sum(1), mix, atol=1e-5, rtol=0)


def test_sources_on_another_axis_and_spectrograms():
    mix, est = torch.randn(2, 10, 20), torch.randn(2, 10, 20, 3)
    torch.testing.assert_close(
        mixture_consistency(mix, est, dim=-1).sum(-1), mix, atol=1e-5, rtol=0
    )
    spec_mix = torch.randn(2, 10, 20, dtype=torch.complex64)
    spec_est = torch.randn(2, 2, 10, 20, dtype=torch.complex64)
    out = mixture_consistency(spec_mix, spec_est)
    torch.testing.assert_close(out.sum(1), spec_mix, atol=1e-5, rtol=0)


def test_residual_is_shared_by_the_weights():
    mix, est = torch.randn(1, 50), torch.randn(1, 2, 50)
    # All the residual goes to the source with all the weight.
    out = mixture_consistency(mix, est, src_weights=torch.tensor([[[0.0], [2.0]]]))
    torch.testing.assert_close(out[:, 0], est[:, 0])
    torch.testing.assert_close(out[:, 1], mix - est[:, 0], atol=1e-5, rtol=0)
    # Consistent estimates are left alone.
    torch.testing.assert_close(mixture_consistency(est.sum(1), est), est)


def test_matches_published(published):
    ref = published["mc"]
    mix, est = ref["mix"], ref["est"]
    torch.testing.assert_close(mixture_consistency(mix, est), ref["out_default"])
    torch.testing.assert_close(mixture_consistency(mix, est, ref["w"]), ref["out_weights"])
    torch.testing.assert_close(mixture_consistency(mix[:, None], est), ref["out_3d"])
    torch.testing.assert_close(
        mixture_consistency(ref["spec_mix"], ref["spec_est"]), ref["out_spec"]
    )
    torch.testing.assert_close(mixture_consistency(mix, ref["last_est"], dim=-1), ref["out_last"])


def test_bad_shapes():
    with pytest.raises(ValueError, match="3 or 2 dimensions"):
        mixture_consistency(torch.randn(2, 1, 1, 100), torch.randn(2, 3, 100))
    with pytest.raises(ValueError, match="batch axis"):
        mixture_consistency(torch.randn(2, 100), torch.randn(2, 3, 100), dim=0)
    with pytest.raises(ValueError, match="out of range"):
        mixture_consistency(torch.randn(2, 100), torch.randn(2, 3, 100), dim=3)
