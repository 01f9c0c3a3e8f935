"""FUSS: the tab-separated file list, 0 to 3 foregrounds, background."""

import pytest
import torch

from asteroid.data import FUSSDataset


def test_items(corpora):
    out = corpora("fuss")
    dset = FUSSDataset(out["file_list"], return_bg=True)
    assert len(dset) == 4 and dset.sample_rate == 16000 and dset.n_src == 3
    for i in range(4):
        mix, sources, bg = dset[i]
        assert mix.shape == (16000,) and sources.shape == (3, 16000) and bg.shape == (16000,)
        torch.testing.assert_close(mix, sources.sum(0) + bg, atol=1e-6, rtol=0)
        # Mixture i has i foreground sounds: the others are silent.
        silent = [bool(torch.count_nonzero(s) == 0) for s in sources]
        assert silent == [k >= i for k in range(3)]
    mix, sources = FUSSDataset(out["file_list"])[0]
    assert FUSSDataset(out["file_list"]).get_infos()["task"] == "sep_noisy"


def test_bad_list(tmp_path, corpora):
    lines = open(corpora("fuss")["file_list"]).read().splitlines()
    bad = tmp_path / "list.txt"
    bad.write_text(lines[0].split("\t")[0] + "\n")
    with pytest.raises(ValueError, match="Line 1 of .*list.txt has no background"):
        FUSSDataset(bad)
    fields = lines[2].split("\t")
    fields[2] = "/missing/fg.wav"
    bad.write_text("\t".join(fields) + "\n")
    with pytest.raises(FileNotFoundError, match="/missing/fg.wav"):
        FUSSDataset(bad)[0]
