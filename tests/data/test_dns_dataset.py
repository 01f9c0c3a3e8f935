"""DNS Challenge: generated layout and file_infos.json, full-length triplets."""

import json
import os

import pytest
import torch

from asteroid.data import DNSDataset
from asteroid.data.metadata import MetadataError


def test_items(corpora):
    out = corpora("dns")
    dset = DNSDataset(out["json_dir"])
    assert len(dset) == 3
    for i in range(len(dset)):
        mix, clean, noise = dset[i]
        assert mix.shape == clean.shape == noise.shape and mix.ndim == 1
        torch.testing.assert_close(mix, clean + noise, atol=1e-6, rtol=0)
        infos = dset.mix_infos[dset.wav_ids[i]]
        assert infos["file_len"] == mix.shape[0]
        assert f"snr{infos['snr']}_" in os.path.basename(infos["mix"])
    infos = dset.get_infos()
    assert infos["task"] == "enhancement"
    # CC BY-NC is non-commercial (the published flag said otherwise).
    assert infos["licenses"][0]["non_commercial"] is True


def test_bad_metadata(corpora, tmp_path):
    infos = json.load(open(os.path.join(corpora("dns")["json_dir"], "file_infos.json")))
    key = next(iter(infos))
    del infos[key]["noise"]
    json.dump(infos, open(tmp_path / "file_infos.json", "w"))
    with pytest.raises(MetadataError, match=r"lacks field\(s\) \['noise'\]"):
        DNSDataset(tmp_path)
    with pytest.raises(FileNotFoundError, match="file_infos.json"):
        DNSDataset(tmp_path / "missing")
