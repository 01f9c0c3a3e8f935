import torch

from asteroid.dsp.vad import ebased_vad


def test_threshold_relative_to_each_spectrogram_peak():
    mag = torch.tensor([[1.0, 0.5], [0.02, 0.005]])  # 0, -6, -34, -46 dB
    spec = torch.stack([mag, 100 * mag])[:, None]  # 2, 1, 2, 2: same shape, other level
    expected = torch.tensor([[True, True], [True, False]])
    out = ebased_vad(spec)
    assert out.dtype == torch.bool and out.shape == spec.shape
    assert (out == expected).all()
    assert (ebased_vad(spec, th_db=10) == torch.tensor([[True, True], [False, False]])).all()


def test_matches_published(published):
    ref = published["vad"]
    assert torch.equal(ebased_vad(ref["mag"]), ref["th40"])
    assert torch.equal(ebased_vad(ref["mag"], th_db=10), ref["th10"])
