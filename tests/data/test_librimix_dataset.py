"""LibriMix: the generator's layout and CSVs, every task, ids, MiniLibriMix over local HTTP."""

import functools
import http.server
import os
import threading

import pandas as pd
import pytest
import soundfile as sf
import torch

from asteroid.data import LibriMix
from asteroid.data import librimix_dataset as librimix_module
from asteroid.data.metadata import MetadataError
from asteroid.data.synthetic import make_librimix_corpus, make_mini_librimix_zip


def _read(path):
    return torch.from_numpy(sf.read(path, dtype="float32")[0])


def test_layout_and_metadata(corpora):
    out = corpora("librimix")
    assert out["root"].endswith(os.path.join("Libri2Mix", "wav8k", "min"))
    for split, n in (("train-360", 6), ("dev", 2), ("test", 2)):
        folders = sorted(os.listdir(os.path.join(out["root"], split)))
        assert folders == ["mix_both", "mix_clean", "mix_single", "noise", "s1", "s2"]
        df = pd.read_csv(os.path.join(out["metadata"], f"mixture_{split}_mix_both.csv"))
        assert list(df.columns) == [
            "mixture_ID",
            "mixture_path",
            "source_1_path",
            "source_2_path",
            "noise_path",
            "length",
        ]
        assert len(df) == n and df["mixture_ID"].is_unique
        assert all(sf.info(p).frames == n for p, n in zip(df["mixture_path"], df["length"]))
        single = pd.read_csv(os.path.join(out["metadata"], f"mixture_{split}_mix_single.csv"))
        assert list(single.columns) == [
            "mixture_ID",
            "mixture_path",
            "source_1_path",
            "noise_path",
            "length",
        ]
        assert os.path.isfile(os.path.join(out["metadata"], f"metrics_{split}_mix_clean.csv"))
        assert sorted(os.listdir(out["local"][split])) == sorted(
            f"mixture_{split}_{t}.csv" for t in ("mix_clean", "mix_both", "mix_single")
        )


def test_splits_have_disjoint_speakers_and_text(corpora):
    out = corpora("librimix")
    speakers = {
        split: {utt.split("-")[0] for utt in texts} for split, texts in out["texts"].items()
    }
    assert not speakers["train-360"] & speakers["dev"] and not speakers["dev"] & speakers["test"]
    sentences = {split: set(texts.values()) for split, texts in out["texts"].items()}
    assert not sentences["train-360"] & sentences["test"]
    assert not sentences["train-360"] & sentences["dev"]


@pytest.mark.parametrize(
    "task, n_targets", [("sep_clean", 2), ("sep_noisy", 2), ("enh_single", 1), ("enh_both", 1)]
)
def test_tasks(corpora, task, n_targets):
    out = corpora("librimix")
    dset = LibriMix(out["local"]["test"], task=task, sample_rate=8000, segment=None)
    assert len(dset) == 2
    mix, sources = dset[0]
    assert sources.shape == (n_targets, mix.shape[0]) and mix.dtype == torch.float32
    row = dset.df.iloc[0]
    noise = _read(row["noise_path"]) if "noise_path" in row else None
    expected = {
        "sep_clean": lambda: sources.sum(0),
        "sep_noisy": lambda: sources.sum(0) + noise,
        "enh_single": lambda: sources[0] + noise,
        "enh_both": lambda: sources[0] + noise,
    }[task]()
    torch.testing.assert_close(mix, expected, atol=1e-6, rtol=0)
    infos = dset.get_infos()
    assert infos["dataset"] == "Libri2Mix" and infos["task"] == task
    assert len(infos["licenses"]) == (1 if task == "sep_clean" else 2)


def test_segments_ids_and_drop(corpora, caplog):
    out = corpora("librimix")
    dset = LibriMix(out["local"]["train-360"], sample_rate=8000, segment=1.0, return_id=True)
    mix, sources, ids = dset[3]
    assert mix.shape == (8000,) and sources.shape == (2, 8000)
    assert "_".join(ids) == dset.df.iloc[3]["mixture_ID"] and len(ids) == 2
    lengths = sorted(pd.read_csv(out["csv"]["train-360"]["mix_clean"])["length"])
    with caplog.at_level("WARNING", logger="asteroid.data"):
        dset = LibriMix(
            out["local"]["train-360"], sample_rate=8000, segment=(lengths[0] + 1) / 8000
        )
    assert len(dset) == 6 - lengths.count(lengths[0]) and "Drop" in caplog.text
    with pytest.raises(ValueError, match="longer than every utterance"):
        LibriMix(out["local"]["train-360"], sample_rate=8000, segment=60)


def test_flac_16k_max_mode(corpora):
    out = corpora("librimix_flac16k")
    assert "wav16k" in out["root"] and os.path.join("wav16k", "max") in out["root"]
    dset = LibriMix(out["local"]["train-360"], sample_rate=16000, segment=None)
    mix, sources = dset[0]
    assert dset.df.iloc[0]["mixture_path"].endswith(".flac")
    torch.testing.assert_close(mix, sources.sum(0), atol=1e-6, rtol=0)
    # "max" mode: the shorter sources are zero-padded.
    assert any((dset[i][1][:, -10:] == 0).all(dim=1).any() for i in range(len(dset)))
    with pytest.raises(ValueError, match="sampled at 16000 Hz, expected 8000 Hz"):
        LibriMix(out["local"]["train-360"], sample_rate=8000, segment=None)[0]


def test_three_sources(tmp_path):
    out = make_librimix_corpus(
        tmp_path, 2, 1, 1, n_src=3, min_duration=None, local_dir=tmp_path / "l"
    )
    dset = LibriMix(
        out["local"]["train-360"], n_src=3, sample_rate=8000, segment=None, return_id=True
    )
    mix, sources, ids = dset[0]
    assert sources.shape == (3, mix.shape[0]) and len(ids) == 3
    assert dset.get_infos()["dataset"] == "Libri3Mix"


def test_bad_metadata(corpora, tmp_path):
    out = corpora("librimix")
    with pytest.raises(ValueError, match="Unexpected task 'sep_dirty'"):
        LibriMix(out["local"]["dev"], task="sep_dirty")
    with pytest.raises(MetadataError, match="Several metadata CSVs"):
        LibriMix(out["metadata"], sample_rate=8000)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LibriMix(tmp_path / "nothing_here")
    df = pd.read_csv(out["csv"]["dev"]["mix_clean"]).drop(columns=["length"])
    (tmp_path / "a").mkdir()
    df.to_csv(tmp_path / "a" / "mixture_dev_mix_clean.csv", index=False)
    with pytest.raises(MetadataError, match=r"lacks column\(s\) \['length'\]"):
        LibriMix(tmp_path / "a", sample_rate=8000)
    df = pd.read_csv(out["csv"]["dev"]["mix_clean"])
    df.loc[1, "source_2_path"] = "/no/such/source.wav"
    (tmp_path / "b").mkdir()
    df.to_csv(tmp_path / "b" / "mixture_dev_mix_clean.csv", index=False)
    dset = LibriMix(tmp_path / "b", sample_rate=8000, segment=None)
    dset[0]
    with pytest.raises(FileNotFoundError, match="/no/such/source.wav does not exist"):
        dset[1]


@pytest.fixture
def http_server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_loaders_from_mini_over_http(http_server, tmp_path, monkeypatch):
    served, url = http_server
    make_mini_librimix_zip(served / "MiniLibriMix.zip", n_train=4, n_val=2)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(librimix_module, "MINI_URL", f"{url}/MiniLibriMix.zip")
    train_loader, val_loader = LibriMix.loaders_from_mini(task="sep_noisy", batch_size=2, segment=1)
    assert len(train_loader.dataset) == 4 and len(val_loader.dataset) == 2
    mix, sources = next(iter(train_loader))
    assert mix.shape == (2, 8000) and sources.shape == (2, 2, 8000)
    assert (work / "MiniLibriMix" / "metadata" / "train" / "mixture_train_mix_both.csv").is_file()
    # Second call: the archive is cached, nothing is downloaded again.
    os.remove(served / "MiniLibriMix.zip")
    train_set, _ = LibriMix.mini_from_download(task="sep_clean", segment=None)
    assert len(train_set) == 4
    with pytest.raises(ValueError, match="8000 Hz only"):
        LibriMix.mini_from_download(sample_rate=16000)
    with pytest.raises(ValueError, match="sep_clean"):
        LibriMix.mini_from_download(task="enh_single")
