"""WHAMR!: reverberant and anechoic tasks on a generated corpus."""

import os

import pytest
import soundfile as sf
import torch

from asteroid.data import WhamRDataset


def _read(path):
    return torch.from_numpy(sf.read(path, dtype="float32")[0])


@pytest.mark.parametrize(
    "task", ["sep_clean", "sep_noisy", "sep_reverb", "sep_reverb_noisy", "sep_noisy_reverb"]
)
def test_tasks(corpora, task):
    out = corpora("whamr")
    dset = WhamRDataset(out["json"]["tt"], task, segment=None)
    mix, sources = dset[0]
    assert len(dset) == 2 and sources.shape == (2, mix.shape[0])
    # Targets are always the anechoic sources.
    assert "s1_anechoic" in dset.sources[0][0][0]
    split_dir = os.path.dirname(os.path.dirname(dset.mix[0][0]))
    name = os.path.basename(dset.mix[0][0])
    reverb = "reverb" in task
    images = sources
    if reverb:
        images = torch.stack([_read(os.path.join(split_dir, f"s{i}_reverb", name)) for i in (1, 2)])
        # The reverberant images differ from the dry targets.
        assert (images - sources).abs().max() > 1e-3
    expected = images.sum(0)
    if "noisy" in task:
        expected = expected + _read(os.path.join(split_dir, "noise", name))
    torch.testing.assert_close(mix, expected, atol=1e-6, rtol=0)
    assert dset.get_infos()["dataset"] == "WHAMR"


def test_segment_and_folders(corpora):
    out = corpora("whamr")
    assert len(os.listdir(os.path.join(out["root"], "tr"))) == 11
    assert len(os.listdir(out["json"]["tr"])) == 11
    dset = WhamRDataset(out["json"]["tr"], "sep_reverb", segment=0.5, nondefault_nsrc=3)
    mix, sources = dset[0]
    assert mix.shape == (4000,) and sources.shape == (3, 4000)
    with pytest.raises(ValueError, match="Unexpected task"):
        WhamRDataset(out["json"]["tr"], "enh_single")
