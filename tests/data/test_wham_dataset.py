"""WHAM!: every task on a generated corpus, normalization, concatenation, bad inputs."""

import os

import pytest
import soundfile as sf
import torch

from asteroid.data import WhamDataset
from asteroid.data.wham_dataset import WHAM_TASKS, normalize_tensor_wav


def _read(path):
    return torch.from_numpy(sf.read(path, dtype="float32")[0])


def test_layout(corpora):
    out = corpora("wham")
    folders = ["mix_clean", "mix_both", "mix_single", "s1", "s2", "noise"]
    assert sorted(os.listdir(os.path.join(out["root"], "tr"))) == sorted(folders)
    assert sorted(os.listdir(out["json"]["tr"])) == sorted(f + ".json" for f in folders)


@pytest.mark.parametrize(
    "task, n_src", [("sep_clean", 2), ("sep_noisy", 2), ("enh_single", 1), ("enh_both", 1)]
)
def test_tasks_shapes_and_sums(corpora, task, n_src):
    out = corpora("wham")
    dset = WhamDataset(out["json"]["tt"], task, segment=None)
    assert len(dset) == 2 and dset.n_src == n_src
    mix, sources = dset[0]
    assert sources.shape == (n_src, mix.shape[0])
    noise = _read(dset.mix[0][0].replace(WHAM_TASKS[task]["mixture"], "noise"))
    if task == "sep_clean":
        expected = sources.sum(0)
    elif task == "sep_noisy":
        expected = sources.sum(0) + noise
    else:  # enh_single: s1 + noise; enh_both: mix_clean + noise.
        expected = sources[0] + noise
    torch.testing.assert_close(mix, expected, atol=1e-6, rtol=0)
    infos = dset.get_infos()
    assert infos["dataset"] == "WHAM" and infos["task"] == task
    assert len(infos["licenses"]) == (1 if task == "sep_clean" else 2)


def test_enhance_aliases_and_segment(corpora):
    out = corpora("wham")
    a = WhamDataset(out["json"]["tr"], "enhance_single", segment=0.5)
    b = WhamDataset(out["json"]["tr"], "enh_single", segment=0.5)
    assert len(a) == len(b) and a.mix == b.mix
    mix, sources = a[0]
    assert mix.shape == (4000,) and sources.shape == (1, 4000)


def test_nondefault_nsrc_zero_sources(corpora):
    out = corpora("wham")
    dset = WhamDataset(out["json"]["tt"], "sep_clean", segment=None, nondefault_nsrc=3)
    mix, sources = dset[1]
    assert sources.shape == (3, mix.shape[0]) and sources.dtype == torch.float32
    assert torch.count_nonzero(sources[2]) == 0
    with pytest.raises(ValueError, match="smaller than the 2 source"):
        WhamDataset(out["json"]["tt"], "sep_clean", nondefault_nsrc=1)


def test_normalize_audio(corpora):
    out = corpora("wham")
    raw = WhamDataset(out["json"]["tt"], "sep_noisy", segment=None)
    norm = WhamDataset(out["json"]["tt"], "sep_noisy", segment=None, normalize_audio=True)
    (mix, sources), (nmix, nsources) = raw[0], norm[0]
    std = mix.std()
    torch.testing.assert_close(nmix, (mix - mix.mean()) / (std + 1e-8))
    torch.testing.assert_close(nsources, normalize_tensor_wav(sources, std=std))
    assert abs(nmix.std().item() - 1) < 1e-4


def test_add_concatenates(corpora):
    out = corpora("wham")
    a = WhamDataset(out["json"]["tr"], "sep_clean", segment=0.5)
    b = WhamDataset(out["json"]["cv"], "sep_clean", segment=0.25)
    n_a, n_b = len(a), len(b)
    c = a + b
    assert c is a and len(a) == n_a + n_b and a.seg_len == 2000
    assert a[len(a) - 1][0].shape == (2000,)
    with pytest.raises(ValueError, match="same number of sources"):
        a + WhamDataset(out["json"]["cv"], "enh_single", segment=0.25)


def test_unknown_task(corpora):
    with pytest.raises(ValueError, match="Unexpected task 'sep_loud'.*sep_clean"):
        WhamDataset(corpora("wham")["json"]["tr"], "sep_loud")
