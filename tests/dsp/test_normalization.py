import numpy as np

from asteroid.dsp.normalization import normalize_estimates


def test_peaks_set_to_the_mixture_peak():
    rng = np.random.default_rng(0)
    est, mix = rng.standard_normal((3, 100)).astype("float32"), rng.standard_normal(100)
    out = normalize_estimates(est, mix)
    assert out.shape == est.shape and out.dtype == est.dtype
    np.testing.assert_allclose(np.abs(out).max(-1), np.abs(mix).max(), rtol=1e-6)
    np.testing.assert_allclose(out / est, (out / est)[:, :1] * np.ones((1, 100)), rtol=1e-5)


def test_silent_estimate_stays_silent():
    out = normalize_estimates(np.stack([np.zeros(10), np.ones(10)]), np.full(10, -2.0))
    np.testing.assert_array_equal(out, np.stack([np.zeros(10), np.full(10, 2.0)]))


def test_matches_published(published):
    ref = published["norm"]
    out = normalize_estimates(ref["est"].numpy(), ref["mix"].numpy())
    np.testing.assert_allclose(out, ref["out"].numpy(), rtol=1e-6)
