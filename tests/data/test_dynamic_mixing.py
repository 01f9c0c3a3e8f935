"""Dynamic mixing on a generated LibriMix corpus: draws, levels, seeding, epochs and workers."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from asteroid.data import LibriMix, WhamDataset
from asteroid.data.dynamic_mixing import DynamicMixing, speed_perturb
from asteroid.engine.loaders import ResumableDataLoader

SEG = 0.5  # seconds
SR = 8000


@pytest.fixture(scope="module")
def base(corpora):
    out = corpora("librimix")
    return LibriMix(out["local"]["train-360"], task="sep_noisy", sample_rate=SR, segment=None)


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_items_are_new_sums_of_sources_at_the_drawn_levels(base):
    dm = DynamicMixing(base, segment=SEG, global_db_range=(-30, -3), seed=1)
    assert len(dm) == len(base) and dm.n_src == 2
    for epoch in range(3):
        for idx in range(len(dm)):
            mixture, sources = dm[(epoch, idx)]
            assert mixture.shape == (int(SEG * SR),) and sources.shape == (2, int(SEG * SR))
            assert mixture.dtype == sources.dtype == torch.float32
            torch.testing.assert_close(mixture, sources.sum(0), rtol=0, atol=1e-6)
            peaks_db = 20 * torch.log10(sources.abs().amax(-1))
            assert (peaks_db > -30.01).all() and (peaks_db < -2.99).all()
            # a new mixture, not one of the corpus' own
            assert not any(torch.equal(mixture, base[i][0][: mixture.shape[0]]) for i in range(3))


def test_sources_come_from_different_speakers(base):
    dm = DynamicMixing(base, segment=SEG, seed=0)
    rng = np.random.default_rng(0)
    n_speakers = len({base.source_speaker(i, k) for i in range(len(base)) for k in range(2)})
    assert len(dm._speakers) == n_speakers >= 3
    for _ in range(200):
        picks = dm._pick_sources(rng)
        speakers = [base.source_speaker(i, k) for i, k in picks]
        assert len(set(speakers)) == 2


def test_same_seed_same_mixtures_new_epoch_new_mixtures(base):
    a = DynamicMixing(base, segment=SEG, speed_perturb=(0.9, 1.1), seed=3)
    b = DynamicMixing(base, segment=SEG, speed_perturb=(0.9, 1.1), seed=3)
    c = DynamicMixing(base, segment=SEG, speed_perturb=(0.9, 1.1), seed=4)
    for idx in range(len(a)):
        assert same(a[(0, idx)], b[(0, idx)])
        assert not same(a[(0, idx)], a[(1, idx)])
        assert not same(a[(0, idx)], c[(0, idx)])
    # integer indices draw from a stream: the same from the same seed, never repeated
    stream_a = [a[i] for i in range(4)]
    stream_b = [b[i] for i in range(4)]
    assert all(same(x, y) for x, y in zip(stream_a, stream_b))
    assert not same(stream_a[0], stream_a[1]) and not same(stream_a[0], a[0])


def epoch_batches(loader, epoch):
    loader.sampler.set_epoch(epoch)
    return [batch[0] for batch in loader]


def test_loader_epochs_differ_and_workers_do_not_change_the_mixtures(base):
    dm = DynamicMixing(base, segment=SEG, n_items=8, seed=5)

    def loader(workers):
        return ResumableDataLoader(
            dm, batch_size=2, shuffle=True, seed=0, pass_epoch=True, num_workers=workers
        )

    serial, parallel = loader(0), loader(2)
    for epoch in range(2):
        a, b = epoch_batches(serial, epoch), epoch_batches(parallel, epoch)
        assert len(a) == 4 and all(torch.equal(x, y) for x, y in zip(a, b))
    e0 = torch.cat(epoch_batches(serial, 0))
    e1 = torch.cat(epoch_batches(serial, 1))
    assert not any(torch.equal(x, y) for x in e0 for y in e1)
    # every mixture of an epoch is different
    assert len({tuple(x[:50].tolist()) for x in e0}) == len(e0) == 8


def test_two_plain_workers_draw_distinct_streams(base):
    dm = DynamicMixing(base, segment=SEG, n_items=8, seed=6)

    def run():
        torch.manual_seed(0)
        loader = DataLoader(dm, batch_size=1, num_workers=2)
        return torch.cat([batch[0] for batch in loader])

    first, second = run(), run()
    assert torch.equal(first, second)  # same torch seed, same worker seeds, same streams
    # Worker 0 serves items 0, 2, 4, 6 and worker 1 items 1, 3, 5, 7: no mixture repeats.
    assert len({tuple(x[:50].tolist()) for x in first}) == 8


def test_noise_is_taken_from_the_corpus(base):
    clean = DynamicMixing(base, segment=SEG, seed=2)
    noisy = DynamicMixing(base, segment=SEG, seed=2, noise=True, noise_stats=(-6, 0.1))
    mixture, sources = clean[(0, 0)]
    assert torch.allclose(mixture, sources.sum(0), atol=1e-6)
    mixture, sources = noisy[(0, 0)]
    noise = mixture - sources.sum(0)
    level = 20 * torch.log10(noise.abs().max() / sources[0].abs().max())
    assert -6.5 < float(level) < -5.5


def test_orig_percentage_returns_the_corpus_own_items(base):
    dm = DynamicMixing(base, segment=SEG, orig_percentage=1.0, seed=0)
    wholes = [base[i][0].numpy() for i in range(len(base))]
    for idx in range(4):
        mixture, sources = dm[(0, idx)]
        crop = mixture.numpy()
        # a crop of one of the corpus' noisy mixtures
        found = False
        for whole in wholes:
            hits = np.flatnonzero(np.isclose(whole, crop[0], atol=0))
            if any(np.array_equal(whole[h : h + len(crop)], crop) for h in hits):
                found = True
        assert found and not torch.allclose(mixture, sources.sum(0), atol=1e-4)


def test_speakers_of_wsj_names(corpora):
    out = corpora("wham")
    wham = WhamDataset(out["json"]["tr"], "sep_clean", segment=None)
    for i in range(len(wham)):
        names = wham.mix[i][0].rsplit("/", 1)[-1].split("_")
        assert wham.source_speaker(i, 0) == names[0][:3]
        assert wham.source_speaker(i, 1) == names[2][:3]
    dm = DynamicMixing(wham, segment=SEG, seed=0)
    assert dm[(0, 0)][1].shape == (2, int(SEG * SR))


def test_speed_perturb_scales_frequency_and_length():
    t = np.arange(8000) / 8000
    tone = np.sin(2 * np.pi * 200 * t).astype(np.float32)
    fast = speed_perturb(tone, 1.25)
    assert len(fast) == 6400
    spectrum = np.abs(np.fft.rfft(fast[1000:5400]))
    peak_hz = np.argmax(spectrum) * 8000 / len(fast[1000:5400])
    assert abs(peak_hz - 250) < 3
    np.testing.assert_array_equal(speed_perturb(tone, 1.0), tone)


def test_clear_errors(base):
    with pytest.raises(ValueError, match="empty"):
        DynamicMixing(torch.utils.data.TensorDataset(torch.zeros(0, 8), torch.zeros(0, 2, 8)))
    with pytest.raises(ValueError, match="at least 7 different speakers"):
        DynamicMixing(base, n_src=7, segment=SEG)
    with pytest.raises(ValueError, match="speed_perturb"):
        DynamicMixing(base, segment=SEG, speed_perturb=(1.1, 0.9))
    with pytest.raises(ValueError, match="sample rate"):
        DynamicMixing(
            torch.utils.data.TensorDataset(torch.zeros(3, 8), torch.zeros(3, 2, 8)), segment=1
        )


def test_reverberant_images_in_the_mixture_anechoic_targets(corpora):
    from asteroid.data import WhamRDataset

    out = corpora("whamr")
    base = WhamRDataset(out["json"]["tr"], "sep_reverb", segment=None)
    wet0 = base.reverberant_source(0, 0)
    assert wet0.shape[0] == base[0][1].shape[-1] and not np.allclose(wet0, base[0][1][0].numpy())
    with pytest.raises(ValueError, match="no reverberant_source"):
        DynamicMixing(
            WhamDataset(corpora("wham")["json"]["tr"], "sep_clean", segment=None), reverb=True
        )
    dm = DynamicMixing(base, n_src=1, reverb=True, seed=0)
    for idx in range(3):
        mixture, sources = dm[(0, idx)]
        target = sources[0].numpy()
        # find the corpus source this target was made from, and its gain
        matches = []
        for item in range(len(base)):
            for k in range(2):
                dry = base[item][1][k].numpy()
                n = min(len(dry), len(target))
                gain = target[np.argmax(np.abs(dry[:n]))] / dry[np.argmax(np.abs(dry[:n]))]
                if np.allclose(target[:n], gain * dry[:n], atol=1e-6):
                    matches.append((item, k, gain))
        assert len(matches) == 1
        item, k, gain = matches[0]
        wet = base.reverberant_source(item, k)
        n = min(len(wet), len(mixture))
        np.testing.assert_allclose(mixture.numpy()[:n], gain * wet[:n], atol=1e-6)
        assert not np.allclose(mixture.numpy(), target, atol=1e-3)


def test_noise_of_a_reverberant_corpus_is_its_noise_file(corpora):
    import soundfile as sf

    from asteroid.data import WhamRDataset

    out = corpora("whamr")
    base = WhamRDataset(out["json"]["tr"], "sep_reverb_noisy", segment=None)
    dm = DynamicMixing(base, n_src=1, reverb=True, noise=True, seed=0)
    for seed in range(4):
        idx = int(np.random.default_rng(seed).integers(len(base)))
        noise = dm._noise(np.random.default_rng(seed), 10**6, -10.0)  # longer: padded, not cut
        mix_path = base.mix[idx][0]
        noise_path = mix_path.replace("mix_both_reverb", "noise")
        expected, _ = sf.read(noise_path, dtype="float32")
        expected = expected * (10 ** (-10 / 20) / np.abs(expected).max())
        np.testing.assert_allclose(noise[: len(expected)], expected, atol=2e-4)
        assert not noise[len(expected) :].any()
