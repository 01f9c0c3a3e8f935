"""Datasets of your own WAV folders: both layouts against the files, and every folder problem."""

import os
import shutil

import numpy as np
import pytest
import soundfile as sf
import torch
from scipy.signal import correlate

from asteroid.data.dynamic_mixing import DynamicMixing
from asteroid.data.folder_dataset import (
    MAX_PROBLEMS,
    FolderError,
    FolderMixtures,
    FolderUtterances,
    FrozenMixtures,
    detect_layout,
    scan_folder,
    validate_folder,
)
from asteroid.data.synthetic import (
    SentenceSource,
    UtterancePool,
    make_librimix_corpus,
    split_speakers,
    write_wav,
)

SR = 8000


@pytest.fixture(scope="module")
def mixtures_dir(tmp_path_factory):
    """Four 2-speaker mixtures of synthetic speech: mix/, s1/, s2/ (read-only for tests)."""
    root = tmp_path_factory.mktemp("own_mixtures")
    out = make_librimix_corpus(root / "corpus", 4, 1, 1, min_duration=None)
    folder = root / "mixtures"
    shutil.copytree(os.path.join(out["root"], "train-360"), folder)
    os.rename(folder / "mix_clean", folder / "mix")
    return folder


@pytest.fixture(scope="module")
def utterances_dir(tmp_path_factory):
    """Three speakers' folders of two utterances each; one speaker keeps one in a subfolder."""
    folder = tmp_path_factory.mktemp("own_utterances") / "utts"
    speakers = split_speakers(["train", "test"])["train"][:3]
    pool = UtterancePool(speakers, 6, SR, SentenceSource(3))
    for k in range(len(pool)):
        spk = f"speaker{speakers.index(pool.speakers[k])}"
        sub = "chapter" if k == 5 else ""
        os.makedirs(folder / spk / sub, exist_ok=True)
        write_wav(str(folder / spk / sub / f"{pool.ids[k]}.wav"), pool.wav(k), SR)
    return folder


@pytest.fixture
def broken(mixtures_dir, tmp_path):
    """A fresh copy of the mixtures folder to break."""
    folder = tmp_path / "copy"
    shutil.copytree(mixtures_dir, folder)
    return folder


def names(folder):
    return sorted(os.listdir(folder / "mix"))


def read(path):
    return sf.read(path, dtype="float32")[0]


# ----------------------------------------------------------------------------- layout (a)


def test_mixtures_items_are_the_files(mixtures_dir):
    dataset = FolderMixtures(mixtures_dir, return_id=True)
    assert (len(dataset), dataset.n_src, dataset.sample_rate) == (4, 2, SR)
    for idx, name in enumerate(names(mixtures_dir)):
        mixture, sources, mix_id = dataset[idx]
        assert mix_id == name[:-4]
        assert mixture.dtype == sources.dtype == torch.float32
        assert sources.shape == (2, mixture.shape[0])
        np.testing.assert_array_equal(mixture.numpy(), read(mixtures_dir / "mix" / name))
        for k in range(2):
            np.testing.assert_array_equal(
                sources[k].numpy(), read(mixtures_dir / f"s{k + 1}" / name)
            )
        # The generator's mixtures are the exact sum of their sources.
        np.testing.assert_allclose(mixture.numpy(), sources.sum(0).numpy(), atol=1e-6)
    assert dataset.get_infos()["dataset"] == "own data (mixtures)"


def test_mixtures_directly_in_the_folder(broken):
    for name in names(broken):
        os.rename(broken / "mix" / name, broken / name)
    os.rmdir(broken / "mix")
    assert detect_layout(broken) == "mixtures"
    dataset = FolderMixtures(broken)
    first = sorted(p for p in os.listdir(broken) if p.endswith(".wav"))[0]
    np.testing.assert_array_equal(dataset[0][0].numpy(), read(broken / first))


def test_segments_are_slices_of_the_files(mixtures_dir):
    whole = FolderMixtures(mixtures_dir)
    lengths = [whole[i][0].shape[0] for i in range(len(whole))]
    seg = min(lengths) / SR - 0.5
    seg_len = int(round(seg * SR))
    torch.manual_seed(0)
    np.random.seed(0)
    cropped = FolderMixtures(mixtures_dir, segment=seg)
    middle = FolderMixtures(mixtures_dir, segment=seg, random_crop=False)
    starts = set()
    for idx in range(len(whole)):
        full_mix, full_src = whole[idx]
        mix, src = cropped[idx]
        assert mix.shape == (seg_len,) and src.shape == (2, seg_len)
        start = next(
            s
            for s in range(full_mix.shape[0] - seg_len + 1)
            if torch.equal(full_mix[s : s + seg_len], mix)
        )
        starts.add(start)
        assert torch.equal(full_src[:, start : start + seg_len], src)
        centre = (full_mix.shape[0] - seg_len) // 2
        assert torch.equal(middle[idx][0], full_mix[centre : centre + seg_len])
        assert torch.equal(middle[idx][1], full_src[:, centre : centre + seg_len])
    assert starts != {0}  # random starts


def test_mixtures_shorter_than_the_segment_are_dropped(mixtures_dir):
    lengths = sorted(m.length for m in validate_folder(mixtures_dir).mixtures)
    assert lengths[0] < lengths[-1]
    seg_len = (lengths[0] + lengths[-1]) // 2
    kept = FolderMixtures(mixtures_dir, segment=seg_len / SR)
    assert len(kept) == sum(n >= seg_len for n in lengths) < 4
    assert all(m.length >= seg_len for m in kept.mixtures)
    with pytest.raises(ValueError, match="longer than every utterance"):
        FolderMixtures(mixtures_dir, segment=lengths[-1] / SR + 1)


# ----------------------------------------------------------------------------- layout (b)


def test_utterances_items_are_the_files(utterances_dir):
    assert detect_layout(utterances_dir) == "utterances"
    dataset = FolderUtterances(utterances_dir, n_src=2)
    assert len(dataset) == 6 and dataset.sample_rate == SR
    assert sorted(set(dataset.speakers)) == ["speaker0", "speaker1", "speaker2"]
    assert any(os.sep + "chapter" + os.sep in p for p in dataset.paths)  # nested files found
    for idx, path in enumerate(dataset.paths):
        utt, as_source = dataset[idx]
        np.testing.assert_array_equal(utt.numpy(), read(path))
        assert as_source.shape == (1, utt.shape[0]) and torch.equal(as_source[0], utt)
        rel = os.path.relpath(path, utterances_dir)
        assert dataset.source_speaker(idx, 0) == rel.split(os.sep)[0]
        assert dataset.lengths[idx] == utt.shape[0]


def test_dynamic_mixtures_of_utterances_use_distinct_speakers(utterances_dir):
    base = FolderUtterances(utterances_dir, n_src=2)
    mixing = DynamicMixing(base, n_src=2, segment=0.5, sample_rate=SR, n_items=12, seed=1)
    # Each source is a scaled crop of one utterance: find which (and so its speaker).
    wavs = [base[i][0].numpy().astype(np.float64) for i in range(len(base))]

    def speaker_of_source(src):
        src = src.astype(np.float64)
        for i, wav in enumerate(wavs):
            start = int(np.argmax(np.abs(correlate(wav, src, mode="valid"))))
            crop = wav[start : start + len(src)]
            scale = np.dot(crop, src) / max(np.dot(crop, crop), 1e-12)
            if np.allclose(crop * scale, src, atol=1e-5):
                return base.speakers[i]
        return None

    frozen = FrozenMixtures(mixing)
    for idx in range(len(frozen)):
        mixture, sources = frozen[idx]
        assert mixture.shape == (4000,) and sources.shape == (2, 4000)
        np.testing.assert_allclose(mixture.numpy(), sources.sum(0).numpy(), atol=1e-6)
        assert torch.equal(frozen[idx][0], mixture)  # the same mixture every time
        spk = [speaker_of_source(s.numpy()) for s in sources]
        assert None not in spk and spk[0] != spk[1]
    other = FrozenMixtures(DynamicMixing(base, n_src=2, segment=0.5, n_items=12, seed=1))
    assert torch.equal(other[3][0], frozen[3][0])
    # Worker processes draw the same mixtures (validation losses do not depend on them).
    loader = torch.utils.data.DataLoader(frozen, batch_size=12, num_workers=2)
    batch_mix, batch_src = next(iter(loader))
    assert torch.equal(batch_mix[7], frozen[7][0]) and torch.equal(batch_src[11], frozen[11][1])


# ----------------------------------------------------------------------------- problems


def assert_problem(folder, *fragments, **kwargs):
    with pytest.raises(FolderError) as info:
        validate_folder(folder, **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def test_sample_rate_mix_names_the_files(broken):
    name = names(broken)[1]
    wav = read(broken / "s2" / name)
    sf.write(broken / "s2" / name, wav, 16000)
    err = assert_problem(broken, "different sample rates", "16000 Hz: 1 file", f"s2/{name}")
    assert "8000 Hz: 11 files" in str(err)
    # The mixture with a file at another rate is left out of the usable ones.
    assert len(scan_folder(broken).mixtures) == 3


def test_requested_rate_names_the_files(broken):
    assert_problem(
        broken,
        "12 files at 8000 Hz instead of the requested 16000 Hz",
        f"mix/{names(broken)[0]}",
        sample_rate=16000,
    )


def test_missing_reference_names_the_file(broken):
    name = names(broken)[2]
    os.remove(broken / "s2" / name)
    err = assert_problem(broken, "1 mixture without a reference in s2/", f"s2/{name} missing")
    assert len(err.problems) == 1


def test_reference_without_mixture(broken):
    shutil.copy(broken / "s1" / names(broken)[0], broken / "s1" / "stray.wav")
    assert_problem(broken, "1 file in s1/ without a mixture of the same name: s1/stray.wav")


def test_unequal_lengths_name_the_files(broken):
    name = names(broken)[0]
    wav = read(broken / "s1" / name)
    sf.write(broken / "s1" / name, wav[:-100], SR)
    assert_problem(
        broken,
        "1 mixture whose references differ in length",
        f"mix/{name} {len(wav)} vs s1/{name} {len(wav) - 100}",
    )


def test_empty_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    assert_problem(tmp_path, "1 problem", "no WAV file in the folder or its subfolders")
    assert_problem(tmp_path / "nowhere", "no such folder")
    with pytest.raises(FolderError, match="no WAV file"):
        detect_layout(tmp_path)


def test_neither_layout(tmp_path, mixtures_dir):
    shutil.copy(mixtures_dir / "mix" / names(mixtures_dir)[0], tmp_path / "a.wav")
    with pytest.raises(FolderError, match="1 WAV file directly in the folder \\(a.wav\\) but no"):
        detect_layout(tmp_path)
    assert_problem(tmp_path, "no reference folder s1/", layout="mixtures")


def test_unreadable_and_stereo_files(broken):
    name0, name1 = names(broken)[:2]
    (broken / "s1" / name0).write_bytes(b"not a wav file at all")
    wav = read(broken / "mix" / name1)
    sf.write(broken / "mix" / name1, np.stack([wav, wav], 1), SR)
    assert_problem(
        broken,
        f"s1/{name0} cannot be read",
        f"1 file not mono (only single-channel files are supported): mix/{name1} (2 channels)",
    )


def test_source_folders_against_n_src(broken):
    assert_problem(broken, "2 reference folders (s1/ to s2/) but 3 sources", n_src=3)
    os.rename(broken / "s2", broken / "s3")
    assert_problem(broken, "reference folders s1/, s3/ skip s2/")


def test_both_mix_and_top_level_mixtures(broken):
    shutil.copy(broken / "mix" / names(broken)[0], broken / "extra.wav")
    assert_problem(broken, "WAV files both in mix/ and directly in the folder (extra.wav)")


def test_long_lists_are_capped(broken):
    mixture = read(broken / "mix" / names(broken)[0])
    for k in range(MAX_PROBLEMS + 7):
        sf.write(broken / "mix" / f"extra{k:02d}.wav", mixture, SR)
    err = assert_problem(broken, "27 mixtures without a reference in s1/", "and 22 more")
    for k in range(3, 3 + MAX_PROBLEMS + 7):  # 3 more folders of their own problem each
        (broken / f"s{k}").mkdir()
        sf.write(broken / f"s{k}" / "x.wav", mixture, SR)
    err = assert_problem(broken, "... and ")
    assert len(err.problems) > MAX_PROBLEMS
    assert f"... and {len(err.problems) - MAX_PROBLEMS} more problems" in str(err)
    assert str(err).count("\n  - ") == MAX_PROBLEMS


def test_utterance_problems(utterances_dir, tmp_path):
    folder = tmp_path / "utts"
    shutil.copytree(utterances_dir, folder)
    wav_name = sorted(os.listdir(folder / "speaker0"))[0]
    shutil.copy(folder / "speaker0" / wav_name, folder / "loose.wav")
    assert_problem(
        folder,
        "1 WAV file directly in the folder belong to no speaker (loose.wav)",
        "3 speaker folders (speaker0, speaker1, speaker2) but mixtures of 4 distinct speakers",
        layout="utterances",
        n_src=4,
    )
    with pytest.raises(FolderError, match="at 8000 Hz instead of the requested 16000 Hz"):
        FolderUtterances(utterances_dir, sample_rate=16000)


def test_scan_returns_problems_and_bad_layout_name(broken):
    assert scan_folder(broken).problems == []
    os.remove(broken / "s1" / names(broken)[0])
    problems = scan_folder(broken).problems
    assert len(problems) == 1 and "s1/" in problems[0]
    with pytest.raises(ValueError, match="Unknown layout 'flat'"):
        scan_folder(broken, layout="flat")
    assert issubclass(FolderError, ValueError)


def test_one_source_folder(broken):
    shutil.rmtree(broken / "s2")
    dataset = FolderMixtures(broken)
    mixture, sources = dataset[0]
    assert dataset.n_src == 1 and sources.shape == (1, mixture.shape[0])
    np.testing.assert_array_equal(sources[0].numpy(), read(broken / "s1" / names(broken)[0]))
    assert dataset.get_infos()["task"] == "enh_single"
    assert_problem(broken, "1 reference folder (s1/) but 2 sources were asked for", n_src=2)
