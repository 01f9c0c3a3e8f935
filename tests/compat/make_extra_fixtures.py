"""Write the extra compatibility fixtures of ``tests/compat/data/extra`` with asteroid 0.7.0.

Run with an environment where the published asteroid 0.7.0 is installed (not this
checkout!), e.g. ``/path/to/venv-asteroid-0.7.0/bin/python tests/compat/make_extra_fixtures.py``.
Each fixture is a model file written by 0.7.0's ``serialize()`` and an
``<name>.io.pt`` holding a random input and the model's output (eval mode).

Two published models do not run on current torch; their references are made by
patching the one defect each (asteroid-api §14):

- DCCRNet: the LSTM input size is a numpy integer; it is cast to ``int``.
- XUMX: ``XUMX`` raises; its implementation ``BrokenXUMX`` is used with its STFT and
  inverse STFT switched to complex tensors (``view_as_real``/``view_as_complex``),
  as asteroid's master branch does.
"""

import json
import os
import sys

import torch

import asteroid
from asteroid import models

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "extra")

# name: (class name, constructor kwargs, input shape)
CONFIGS = {
    "ConvTasNet_causal_stft": (
        "ConvTasNet",
        dict(
            n_src=3,
            n_blocks=2,
            n_repeats=2,
            bn_chan=8,
            hid_chan=16,
            skip_chan=0,
            conv_kernel_size=3,
            norm_type="cLN",
            mask_act="relu",
            causal=True,
            fb_name="stft",
            kernel_size=32,
            n_filters=32,
            stride=16,
            encoder_activation="relu",
        ),
        (2, 1, 3001),
    ),
    "ConvTasNet_param_sinc": (
        "ConvTasNet",
        dict(
            n_src=2,
            n_blocks=2,
            n_repeats=1,
            bn_chan=8,
            hid_chan=16,
            skip_chan=8,
            norm_type="fgLN",
            fb_name="param_sinc",
            kernel_size=33,
            n_filters=32,
            stride=16,
            sample_rate=16000,
        ),
        (1, 2999),
    ),
    "ConvTasNet_analytic_bN": (
        "ConvTasNet",
        dict(
            n_src=1,
            n_blocks=2,
            n_repeats=1,
            bn_chan=8,
            hid_chan=16,
            skip_chan=8,
            norm_type="bN",
            mask_act="softmax",
            fb_name="analytic_free",
            kernel_size=16,
            n_filters=32,
            stride=8,
        ),
        (2, 2000),
    ),
    "DPRNNTasNet_gru_mulcat": (
        "DPRNNTasNet",
        dict(
            n_src=3,
            bn_chan=8,
            hid_size=8,
            chunk_size=10,
            hop_size=4,
            n_repeats=2,
            norm_type="cLN",
            mask_act="relu",
            bidirectional=False,
            rnn_type="GRU",
            num_layers=2,
            use_mulcat=True,
            n_filters=16,
            kernel_size=8,
            stride=4,
        ),
        (2, 2001),
    ),
    "DPTNet_uneven_heads": (
        "DPTNet",
        dict(
            n_src=3,
            n_heads=3,
            ff_hid=8,
            chunk_size=10,
            hop_size=3,
            n_repeats=1,
            norm_type="cLN",
            ff_activation="gelu",
            bidirectional=False,
            n_filters=16,
            kernel_size=8,
            stride=4,
        ),
        (1, 1, 1999),
    ),
    "LSTMTasNet_causal": (
        "LSTMTasNet",
        dict(n_src=1, n_layers=1, hid_size=8, bidirectional=False, n_filters=16, mask_act="relu"),
        (2, 2001),
    ),
    "SuDORMRFNet_odd_kernel": (
        "SuDORMRFNet",
        dict(
            n_src=3,
            bn_chan=8,
            num_blocks=2,
            upsampling_depth=3,
            mask_act="sigmoid",
            kernel_size=17,
            n_filters=16,
        ),
        (2, 2003),
    ),
    "SuDORMRFImprovedNet_stride": (
        "SuDORMRFImprovedNet",
        dict(
            n_src=1,
            bn_chan=8,
            num_blocks=1,
            upsampling_depth=3,
            kernel_size=8,
            stride=6,
            n_filters=16,
            fb_name="analytic_free",
        ),
        (2, 1997),
    ),
    "DCUNet_mini_trim": (
        "DCUNet",
        dict(
            architecture="mini",
            fix_length_mode="trim",
            n_src=2,
            mask_bound="sigmoid",
            stft_n_filters=128,
            stft_kernel_size=128,
            stft_stride=32,
            sample_rate=8000,
        ),
        (2, 4001),
    ),
    "DCCRNet_mini": (
        "DCCRNet",
        dict(architecture="mini", stft_n_filters=32, stft_kernel_size=32, stft_stride=8),
        (2, 4000),
    ),
    "DeMask_cat_prelu": (
        "DeMask",
        dict(
            input_type="cat",
            output_type="mag",
            hidden_dims=(16, 8),
            activation="prelu",
            norm_type="cLN",
            fb_name="free",
            n_filters=32,
            kernel_size=32,
            stride=16,
        ),
        (2, 3000),
    ),
    "DeMask_reim": (
        "DeMask",
        dict(
            input_type="reim",
            output_type="reim",
            hidden_dims=(16,),
            n_filters=64,
            kernel_size=64,
            stride=32,
        ),
        (1, 3000),
    ),
    "FasNetTAC_no_tac": (
        "FasNetTAC",
        dict(
            n_src=1,
            enc_dim=8,
            feature_dim=8,
            hidden_dim=8,
            n_layers=1,
            window_ms=8,
            context_ms=8,
            tac_hidden_dim=8,
            chunk_size=10,
            hop_size=5,
            rnn_type="GRU",
            use_tac=False,
            sample_rate=8000,
        ),
        (2, 3, 4000),
    ),
    "FasNetTAC_3src": (
        "FasNetTAC",
        dict(
            n_src=3,
            enc_dim=8,
            feature_dim=8,
            hidden_dim=8,
            n_layers=1,
            window_ms=4,
            context_ms=4,
            tac_hidden_dim=16,
            chunk_size=10,
            hop_size=5,
            bidirectional=False,
        ),
        (2, 2, 3000),
    ),
    "XUMX_stereo": (
        "XUMX",
        dict(
            sources=["bass", "vocals", "other"],
            window_length=256,
            in_chan=256,
            n_hop=64,
            hidden_size=8,
            nb_channels=2,
            nb_layers=2,
            max_bin=100,
            return_time_signals=True,
        ),
        (1, 2, 2000),
    ),
}


def _patch_published_defects():
    from asteroid.masknn import recurrent
    from asteroid.models import x_umx

    init = recurrent.DCCRMaskNetRNN.__init__

    def dccrn_rnn_init(self, in_size, *args, **kwargs):
        init(self, int(in_size), *args, **kwargs)

    recurrent.DCCRMaskNetRNN.__init__ = dccrn_rnn_init

    def stft_forward(self, x):
        nb_samples, nb_channels, _ = x.size()
        spec = torch.stft(
            x.reshape(nb_samples * nb_channels, -1),
            n_fft=self.n_fft,
            hop_length=self.n_hop,
            window=self.window,
            center=self.center,
            normalized=False,
            onesided=True,
            pad_mode="reflect",
            return_complex=True,
        )
        spec = torch.view_as_real(spec)
        return spec.contiguous().view(nb_samples, nb_channels, self.n_fft // 2 + 1, -1, 2)

    def istft_forward(self, spec, ang):
        sources, bsize, channels, fbins, frames = spec.shape
        x = torch.stack([spec * torch.cos(ang), spec * torch.sin(ang)], dim=-1)
        x = torch.view_as_complex(x.view(sources * bsize * channels, fbins, frames, 2))
        wav = torch.istft(
            x, n_fft=self.n_fft, hop_length=self.hop_length, window=self.window, center=self.center
        )
        return wav.view(sources, bsize, channels, wav.shape[-1])

    x_umx._STFT.forward = stft_forward
    x_umx._ISTFT.forward = istft_forward
    return {"XUMX": x_umx.BrokenXUMX}


def main():
    if not asteroid.__version__.startswith("0.7"):
        sys.exit(f"Run this with the published asteroid 0.7.0, found {asteroid.__version__}.")
    replacements = _patch_published_defects()
    os.makedirs(OUT, exist_ok=True)
    index = {}
    for i, (name, (cls_name, kwargs, shape)) in enumerate(CONFIGS.items()):
        torch.manual_seed(i)
        cls = replacements.get(cls_name, getattr(models, cls_name, None))
        model = cls(**kwargs)
        # Move every weight (and batch-norm statistic) away from its initial value.
        with torch.no_grad():
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.add_(0.05 * torch.randn_like(tensor))
                    if tensor.dim() == 1 and (tensor < 0).any() and "running_var" in str(tensor):
                        tensor.abs_()
            for mod in model.modules():
                if hasattr(mod, "running_var") and mod.running_var is not None:
                    mod.running_var.abs_().add_(0.5)
        model.eval()
        wav = 0.1 * torch.randn(*shape)
        with torch.no_grad():
            out = model(wav)
        if cls_name == "XUMX":
            out = {"spec": out[0], "time": out[1]}
        conf = model.serialize()
        conf["model_name"] = cls_name
        torch.save(conf, os.path.join(OUT, f"{name}.pth"))
        torch.save({"input": wav, "output": out}, os.path.join(OUT, f"{name}.io.pt"))
        index[name] = {"class": cls_name, "config": kwargs, "input_shape": list(shape)}
        print(name, sum(p.numel() for p in model.parameters()), "parameters")
    with open(os.path.join(OUT, "index.json"), "w") as fh:
        json.dump(index, fh, indent=1)


if __name__ == "__main__":
    main()
