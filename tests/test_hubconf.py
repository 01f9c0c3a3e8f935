"""Every entry of hubconf.py through torch.hub.load(source="local") on the repository."""

import pathlib

import pytest
import torch

from asteroid.models.model_file import save_model_file

REPO = str(pathlib.Path(__file__).resolve().parents[1])

# entry -> (tiny constructor kwargs, input shape)
ENTRIES = {
    "conv_tasnet": (
        dict(n_src=2, n_blocks=2, n_repeats=1, bn_chan=8, hid_chan=16, skip_chan=8, n_filters=16),
        (1, 800),
    ),
    "dprnn_tasnet": (
        dict(n_src=2, bn_chan=8, hid_size=8, chunk_size=10, n_repeats=1, n_filters=16),
        (1, 800),
    ),
    "dpt_net": (
        dict(n_src=2, n_heads=2, ff_hid=8, chunk_size=10, n_repeats=1, n_filters=16),
        (1, 800),
    ),
    "lstm_tasnet": (dict(n_src=2, n_layers=1, hid_size=8, n_filters=16), (1, 800)),
    "sudormrf_net": (
        dict(n_src=2, bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16),
        (1, 800),
    ),
    "sudormrf_improved_net": (
        dict(n_src=2, bn_chan=8, num_blocks=1, upsampling_depth=2, n_filters=16),
        (1, 800),
    ),
    "demask": (dict(hidden_dims=[8], n_filters=64, kernel_size=64, stride=32), (1, 1600)),
    "dcunet": (
        dict(architecture="mini", stft_n_filters=64, stft_kernel_size=64, stft_stride=16),
        (1, 1600),
    ),
    "dccrnet": (
        dict(architecture="mini", stft_n_filters=64, stft_kernel_size=64, stft_stride=16),
        (1, 1600),
    ),
    "fasnet_tac": (
        dict(
            n_src=2,
            enc_dim=8,
            feature_dim=8,
            hidden_dim=8,
            n_layers=1,
            tac_hidden_dim=8,
            chunk_size=10,
            hop_size=5,
        ),
        (1, 2, 1600),
    ),
    "tfgridnet": (
        dict(
            n_src=2,
            n_blocks=1,
            emb_dim=8,
            hid_size=8,
            n_heads=2,
            qk_channels=2,
            stft_n_filters=64,
            stft_kernel_size=64,
            stft_stride=16,
        ),
        (1, 800),
    ),
    "sepformer": (
        dict(n_src=2, n_filters=16, n_repeats=1, n_layers=1, n_heads=2, ff_hid=16, chunk_size=10),
        (1, 800),
    ),
    "x_umx": (
        dict(
            sources=["vocals", "other"],
            window_length=256,
            in_chan=256,
            n_hop=64,
            hidden_size=8,
            nb_layers=1,
        ),
        (1, 2, 4096),
    ),
}


def test_every_entry_is_tested():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hubconf", f"{REPO}/hubconf.py")
    hubconf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hubconf)
    names = [n for n in dir(hubconf) if callable(getattr(hubconf, n)) and not n.startswith("_")]
    assert sorted(names) == sorted(ENTRIES)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_fresh_and_pretrained(entry, tmp_path):
    kwargs, shape = ENTRIES[entry]
    torch.manual_seed(0)
    model = torch.hub.load(REPO, entry, source="local", **kwargs).eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        out = model(x)
    out = out[0] if isinstance(out, tuple) else out
    assert torch.isfinite(out).all()
    path = tmp_path / "model.pth"
    save_model_file(model.serialize(), path)
    reloaded = torch.hub.load(REPO, entry, str(path), source="local").eval()
    with torch.no_grad():
        out2 = reloaded(x)
    out2 = out2[0] if isinstance(out2, tuple) else out2
    torch.testing.assert_close(out, out2, rtol=0, atol=0)
    assert type(reloaded) is type(model)
