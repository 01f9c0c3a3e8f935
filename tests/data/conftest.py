"""Tiny corpora in every supported layout, written once per test session by the generator."""

import pytest

from asteroid.data import synthetic


@pytest.fixture(scope="session")
def corpora(tmp_path_factory):
    """Build corpora lazily: ``corpora("wham")`` returns the writer's output dict."""
    root = tmp_path_factory.mktemp("corpora")
    built = {}
    writers = {
        "wsj0mix": lambda p: synthetic.make_wsj0mix_corpus(p, {"tr": 4, "cv": 2, "tt": 2}),
        "wsj0mix3": lambda p: synthetic.make_wsj0mix_corpus(
            p, {"tr": 2, "cv": 1, "tt": 1}, n_src=3
        ),
        "wham": lambda p: synthetic.make_wham_corpus(p),
        "whamr": lambda p: synthetic.make_whamr_corpus(p),
        "kinect": lambda p: synthetic.make_kinect_wsj_corpus(p),
        "sms_wsj": lambda p: synthetic.make_sms_wsj_corpus(p),
        "librimix": lambda p: synthetic.make_librimix_corpus(
            p, 6, 2, 2, noise=True, min_duration=2.0, local_dir=str(p / "local")
        ),
        "librimix_flac16k": lambda p: synthetic.make_librimix_corpus(
            p,
            3,
            1,
            1,
            sample_rate=16000,
            mode="max",
            min_duration=None,
            audio_format="flac",
            local_dir=str(p / "local"),
        ),
        "dns": lambda p: synthetic.make_dns_corpus(p, n_files=3),
        "musdb18": lambda p: synthetic.make_musdb18_corpus(p, sample_rate=16000, duration=1.0),
        "fuss": lambda p: synthetic.make_fuss_corpus(p, n_mixtures=4, duration=1.0),
        "dampvsep": lambda p: synthetic.make_dampvsep_corpus(p, duration=1.5),
        "avspeech": lambda p: synthetic.make_avspeech_corpus(
            p, duration=1.0, embed_shape=(4, 1, 8)
        ),
        "librivad": lambda p: synthetic.make_librivad_corpus(p),
    }

    def get(name):
        if name not in built:
            built[name] = writers[name](root / name)
        return built[name]

    return get
