"""AVSpeech: mixture table, face embeddings, compressed STFT equal to asteroid 0.7.0."""

import numpy as np
import pandas as pd
import pytest
import torch

from asteroid.data import AVSpeechDataset


def test_items(corpora):
    out = corpora("avspeech")
    dset = AVSpeechDataset(out["csv"], out["embed_dir"])
    assert len(dset) == 2
    specs, embeddings, mixed = dset[1]
    assert specs.shape == (2, 514, 98) and mixed.shape == (514, 98)
    assert [e.shape for e in embeddings] == [(4, 1, 8), (4, 1, 8)]
    row = dset.input_df.iloc[1]
    part = row["audio_1"].rsplit("_part", 1)[1][0]
    expected = np.load(f"{out['embed_dir']}/{row['video_1'].rsplit('/', 1)[1][:-4]}_part{part}.npy")
    np.testing.assert_array_equal(embeddings[0].numpy(), expected)


def test_encode_decode_match_published_numbers():
    t = np.arange(16000) / 16000
    x = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 1234 * t)).astype(np.float32)
    spec = AVSpeechDataset.encode(x)
    # Numbers computed with asteroid 0.7.0's AVSpeechDataset.encode / decode.
    assert spec.shape == (514, 98)
    assert spec.sum().item() == pytest.approx(7.450891017913818, rel=1e-5)
    assert spec.abs().sum().item() == pytest.approx(4447.6669921875, rel=1e-5)
    assert spec[10, 5].item() == pytest.approx(0.08598414808511734, rel=1e-4)
    wav = AVSpeechDataset.decode(spec.numpy(), final_len=16000)
    expected = [0.06737217, 0.04185820, -0.00314977, -0.06686158, -0.14361000]
    np.testing.assert_allclose(wav[1000:1005].numpy(), expected, atol=1e-5)


def test_missing_embedding_and_column(corpora, tmp_path):
    out = corpora("avspeech")
    df = pd.read_csv(out["csv"])
    df.loc[0, "video_2"] = "/videos/unknown.mp4"
    df.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(FileNotFoundError, match="unknown_part"):
        AVSpeechDataset(tmp_path / "t.csv", out["embed_dir"])[0]
    df.drop(columns=["mixed_audio"]).to_csv(tmp_path / "u.csv", index=False)
    with pytest.raises(ValueError, match="mixed_audio"):
        AVSpeechDataset(tmp_path / "u.csv", out["embed_dir"])


def test_three_sources_spec_stack():
    specs = torch.stack([AVSpeechDataset.encode(np.zeros(8000, np.float32)) for _ in range(3)])
    assert specs.shape == (3, 514, 48)
