"""SMS-WSJ: the database JSON, the three targets, single and multichannel items."""

import json

import numpy as np
import pytest
import soundfile as sf
import torch

from asteroid.data import SmsWsjDataset
from asteroid.data.metadata import MetadataError
from asteroid.data.sms_wsj_dataset import extract_piece


def test_extract_piece():
    np.testing.assert_array_equal(extract_piece(np.arange(4), -1, 5), [1, 2, 3, 0, 0])
    np.testing.assert_array_equal(extract_piece(np.arange(2), 1, 5), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(extract_piece(np.arange(6), -1, 5), [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(extract_piece(np.arange(2), 5, 5), [0, 0, 0, 0, 0])


@pytest.mark.parametrize("target", ["source", "early", "image"])
@pytest.mark.parametrize("single_channel", [True, False])
def test_shapes(corpora, target, single_channel):
    out = corpora("sms_wsj")
    dset = SmsWsjDataset(
        out["json"], target, "test_eval92", single_channel=single_channel, segment=None
    )
    mix, sources = dset[0]
    n = dset.dataset[0]["num_samples"]["observation"]
    if single_channel:
        assert mix.shape == (n,) and sources.shape == (2, n)
    else:
        assert mix.shape == (6, n)
        assert sources.shape == ((2, n) if target == "source" else (2, 6, n))


def test_observation_is_image_plus_noise_and_sources_aligned(corpora):
    out = corpora("sms_wsj")
    image = SmsWsjDataset(out["json"], "image", "cv_dev93", single_channel=False, segment=None)
    mix, sources = image[0]
    ex = image.dataset[0]
    noise = torch.from_numpy(sf.read(ex["audio_path"]["noise_image"], dtype="float32")[0].T)
    torch.testing.assert_close(mix, sources.sum(0) + noise, atol=1e-6, rtol=0)
    dry = SmsWsjDataset(out["json"], "source", "cv_dev93", segment=None)
    _, dry_sources = dry[0]
    for k, offset in enumerate(ex["offset"]):
        original = sf.read(ex["audio_path"]["speech_source"][k], dtype="float32")[0]
        torch.testing.assert_close(
            dry_sources[k, offset : offset + len(original)], torch.from_numpy(original)
        )
        assert torch.count_nonzero(dry_sources[k, :offset]) == 0


def test_segments_normalization_and_add(corpora):
    out = corpora("sms_wsj")
    dset = SmsWsjDataset(out["json"], "early", "train_si284", segment=0.5, normalize_audio=True)
    mix, sources = dset[0]
    assert mix.shape == (4000,) and sources.shape == (2, 4000)
    assert abs(mix.std().item() - 1) < 1e-3
    other = SmsWsjDataset(out["json"], "early", "cv_dev93", segment=0.25)
    n = len(dset)
    assert (dset + other) is dset and len(dset) == n + len(other) and dset.seg_len == 2000
    infos = dset.get_infos()
    assert infos["task_dataset"] == "train_si284" and infos["target"] == "early"
    assert len(infos["licenses"]) == 3


def test_bad_inputs(corpora, tmp_path):
    out = corpora("sms_wsj")
    with pytest.raises(ValueError, match="Unknown dset 'dev'.*cv_dev93"):
        SmsWsjDataset(out["json"], "early", "dev")
    with pytest.raises(ValueError, match="Unexpected target"):
        SmsWsjDataset(out["json"], "reverb", "cv_dev93")
    db = json.load(open(out["json"]))
    first = next(iter(db["datasets"]["cv_dev93"].values()))
    del first["audio_path"]["speech_reverberation_tail"]
    bad = tmp_path / "bad.json"
    json.dump(db, open(bad, "w"))
    with pytest.raises(MetadataError, match="lacks the field 'speech_reverberation_tail'"):
        SmsWsjDataset(bad, "image", "cv_dev93")
    with pytest.raises(ValueError, match="longer than every utterance"):
        SmsWsjDataset(out["json"], "early", "cv_dev93", segment=30.0)
