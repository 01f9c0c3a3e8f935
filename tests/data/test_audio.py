"""Checked audio reading: every problem is an error naming the file."""

import numpy as np
import pytest
import soundfile as sf

from asteroid.data.audio import AudioFileError, audio_info, random_start, read_audio
from asteroid.data.metadata import MetadataError, drop_short, load_wav_list, read_table


@pytest.fixture
def wav(tmp_path):
    x = (np.arange(8000) % 100 / 200).astype(np.float32)
    path = tmp_path / "a.wav"
    sf.write(path, x, 8000, subtype="FLOAT")
    return path, x


def test_read_range_and_formats(wav, tmp_path):
    path, x = wav
    np.testing.assert_array_equal(read_audio(path, 100, 300, sample_rate=8000), x[100:300])
    assert read_audio(path).shape == (8000,)
    assert read_audio(path, always_2d=True).shape == (8000, 1)
    flac = tmp_path / "a.flac"
    sf.write(flac, x, 8000, subtype="PCM_16")
    np.testing.assert_allclose(read_audio(flac, 0, 50), x[:50], atol=1 / 32768)
    stereo = tmp_path / "s.wav"
    sf.write(stereo, np.stack([x, -x], 1), 8000)
    assert read_audio(stereo, 0, 10).shape == (10, 2)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        read_audio(tmp_path / "nope.wav")


def test_corrupt_file(tmp_path):
    path = tmp_path / "bad.wav"
    path.write_bytes(b"RIFF\x00\x01garbage" * 10)
    with pytest.raises(AudioFileError, match="bad.wav.*corrupt"):
        read_audio(path)


def test_truncated_wav_and_flac(wav, tmp_path):
    path, _ = wav
    data = path.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(AudioFileError, match="cut.wav is truncated"):
        audio_info(cut)
    flac = tmp_path / "cut.flac"
    sf.write(tmp_path / "full.flac", np.random.default_rng(0).uniform(-0.5, 0.5, 8000), 8000)
    flac.write_bytes((tmp_path / "full.flac").read_bytes()[:3000])
    with pytest.raises(AudioFileError, match="cut.flac"):
        read_audio(flac, 0, 8000)


def test_samples_past_the_end(wav):
    path, _ = wav
    with pytest.raises(AudioFileError, match=r"a.wav has 8000 samples, samples \[7000, 9000\)"):
        read_audio(path, 7000, 9000)


def test_sample_rate_check_and_resampling(wav):
    path, x = wav
    with pytest.raises(AudioFileError, match="a.wav is sampled at 8000 Hz, expected 16000 Hz"):
        read_audio(path, sample_rate=16000)
    up = read_audio(path, sample_rate=16000, resample_to_rate=True)
    assert up.shape == (16000,)
    np.testing.assert_allclose(up[2000:4000:2], x[1000:2000], atol=0.05)
    assert read_audio(path, 100, 200, sample_rate=16000, resample_to_rate=True).shape == (100,)


def test_channel_check(wav):
    path, _ = wav
    with pytest.raises(AudioFileError, match="1 channel.*expected 2"):
        read_audio(path, channels=2)


def test_random_start_bounds():
    rng = np.random.RandomState(0)
    starts = {random_start(10, 8, rng) for _ in range(200)}
    assert starts == {0, 1, 2}
    assert random_start(5, 8) == 0 and random_start(5, None) == 0


def test_metadata_errors(tmp_path, caplog):
    bad = tmp_path / "bad.json"
    bad.write_text("[[1, 2]]")
    with pytest.raises(MetadataError, match="Entry 0 of .*bad.json"):
        load_wav_list(bad)
    bad.write_text("{not json")
    with pytest.raises(MetadataError, match="bad.json is not valid JSON"):
        load_wav_list(bad)
    with pytest.raises(FileNotFoundError, match="none.json"):
        load_wav_list(tmp_path / "none.json")
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(MetadataError, match=r"t.csv lacks column\(s\) \['length'\]"):
        read_table(csv, ["a", "length"])
    with caplog.at_level("WARNING", logger="asteroid.data"):
        assert drop_short([10, 3, 12, 2], 5, 1, "x.json") == [0, 2]
    assert "Drop 2 utts" in caplog.text and "x.json" in caplog.text
    with pytest.raises(ValueError, match="longer than every utterance of y.json"):
        drop_short([1, 2], 5, 1, "y.json")
