"""Write ``reference_outputs.pt``: outputs of the published asteroid 0.7.0 maskers.

Run with the interpreter where asteroid 0.7.0 is installed, from the repository root::

    /tmp/ast07/bin/python tests/masknn/data/make_reference.py [path/to/shared/compat]

Two kinds of cases are written, each with the masker class name, its keyword
arguments, a seeded input and the published output:

- ``compat/<Model>``: the masker of a published model file in ``shared/compat``;
  the tests load the weights from that file.
- ``own/<name>``: a tiny masker whose weights are filled by
  ``masknn_reference.fill_weights`` (seeded values in ``state_dict`` order, so the
  tests rebuild them without storing them), covering the options the model
  files do not (causal convolutions, GRU, MulCat, odd sizes, ...).

The published DCCRMaskNet does not build on current torch (a numpy integer given
to the LSTM); this script casts it to ``int`` to get the reference.
"""

import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from masknn_reference import fill_weights, seeded_input  # noqa: E402

PUBLISHED = {}


def _load_published():
    from asteroid.masknn import attention, convolutional, recurrent, tac
    from asteroid.models.demask import build_demask_masker

    PUBLISHED.update(
        {
            "TDConvNet": convolutional.TDConvNet,
            "TDConvNetpp": convolutional.TDConvNetpp,
            "SuDORMRF": convolutional.SuDORMRF,
            "SuDORMRFImproved": convolutional.SuDORMRFImproved,
            "DCUMaskNet": convolutional.DCUMaskNet.default_architecture,
            "DPRNN": recurrent.DPRNN,
            "LSTMMasker": recurrent.LSTMMasker,
            "DCCRMaskNet": recurrent.DCCRMaskNet.default_architecture,
            "DPRNNBlock": recurrent.DPRNNBlock,
            "StackedResidualRNN": recurrent.StackedResidualRNN,
            "StackedResidualBiRNN": recurrent.StackedResidualBiRNN,
            "DPTransformer": attention.DPTransformer,
            "TAC": tac.TAC,
            "DeMaskMasker": build_demask_masker,
        }
    )
    _patch_dccrn(recurrent)


def _patch_dccrn(recurrent):
    """Cast the LSTM input size of the published DCCRMaskNetRNN to int."""
    original = recurrent.DCCRMaskNetRNN.__init__

    def patched(self, in_size, *args, **kwargs):
        original(self, int(in_size), *args, **kwargs)

    recurrent.DCCRMaskNetRNN.__init__ = patched


def _run(masker, x, call_kwargs):
    masker.eval()
    with torch.no_grad():
        out = masker(x, **call_kwargs)
    return out


# name: (class, kwargs, input shape, complex input, forward kwargs)
OWN_CASES = {
    "tdconvnet_causal_cln": (
        "TDConvNet",
        dict(
            in_chan=12,
            n_src=2,
            out_chan=10,
            n_blocks=3,
            n_repeats=2,
            bn_chan=8,
            hid_chan=10,
            skip_chan=6,
            norm_type="cLN",
            causal=True,
            mask_act="softmax",
        ),
        (2, 12, 23),
        False,
        {},
    ),
    "tdconvnet_causal_cgln_noskip": (
        "TDConvNet",
        dict(
            in_chan=12,
            n_src=3,
            n_blocks=3,
            n_repeats=1,
            bn_chan=8,
            hid_chan=10,
            skip_chan=0,
            norm_type="cgLN",
            causal=True,
            conv_kernel_size=5,
        ),
        (2, 12, 23),
        False,
        {},
    ),
    "tdconvnet_bn": (
        "TDConvNet",
        dict(
            in_chan=12,
            n_src=2,
            n_blocks=2,
            n_repeats=2,
            bn_chan=8,
            hid_chan=10,
            skip_chan=6,
            norm_type="bN",
            mask_act="tanh",
        ),
        (3, 12, 17),
        False,
        {},
    ),
    "tdconvnetpp": (
        "TDConvNetpp",
        dict(in_chan=12, n_src=2, n_blocks=3, n_repeats=2, bn_chan=8, hid_chan=10, skip_chan=6),
        (2, 12, 19),
        False,
        {},
    ),
    "sudormrf_odd": (
        "SuDORMRF",
        dict(in_chan=15, n_src=2, bn_chan=15, num_blocks=2, upsampling_depth=3),
        (2, 15, 21),
        False,
        {},
    ),
    "sudormrf_improved_depth3": (
        "SuDORMRFImproved",
        dict(in_chan=12, n_src=3, bn_chan=8, num_blocks=2, upsampling_depth=3, mask_act="softmax"),
        (2, 12, 21),
        False,
        {},
    ),
    "dprnn_gru_mulcat": (
        "DPRNN",
        dict(
            in_chan=12,
            n_src=2,
            out_chan=10,
            bn_chan=8,
            hid_size=6,
            chunk_size=10,
            hop_size=7,
            n_repeats=2,
            norm_type="cLN",
            mask_act="softmax",
            bidirectional=False,
            rnn_type="GRU",
            use_mulcat=True,
        ),
        (2, 12, 33),
        False,
        {},
    ),
    "dprnn_rnn_2layers": (
        "DPRNN",
        dict(
            in_chan=12,
            n_src=2,
            bn_chan=8,
            hid_size=6,
            chunk_size=8,
            n_repeats=1,
            rnn_type="RNN",
            num_layers=2,
        ),
        (1, 12, 29),
        False,
        {},
    ),
    "dptransformer_input_layer": (
        "DPTransformer",
        dict(
            in_chan=10,
            n_src=2,
            n_heads=4,
            ff_hid=6,
            chunk_size=8,
            hop_size=3,
            n_repeats=1,
            mask_act="softmax",
            bidirectional=False,
            ff_activation="gelu",
        ),
        (2, 10, 27),
        False,
        {},
    ),
    "lstm_masker_causal": (
        "LSTMMasker",
        dict(
            in_chan=12,
            n_src=2,
            out_chan=8,
            n_layers=2,
            hid_size=6,
            bidirectional=False,
            mask_act="relu",
        ),
        (2, 12, 19),
        False,
        {},
    ),
    "dcunet_mini_trim_sigmoid": (
        "DCUMaskNet",
        dict(architecture="mini", n_src=2, fix_length_mode="trim", mask_bound="sigmoid"),
        (1, 33, 19),
        True,
        {},
    ),
    "dcunet_mini_unbounded": (
        "DCUMaskNet",
        dict(architecture="mini", fix_length_mode="pad", mask_bound=None),
        (1, 17, 13),
        True,
        {},
    ),
    "dccrn_mini": (
        "DCCRMaskNet",
        dict(architecture="mini", n_freqs=8),
        (2, 8, 7),
        True,
        {},
    ),
    "dprnn_block_cln": (
        "DPRNNBlock",
        dict(in_chan=8, hid_size=5, norm_type="cLN", bidirectional=False),
        (2, 8, 6, 4),
        False,
        {},
    ),
    "tac_valid_mics": (
        "TAC",
        dict(input_dim=8, hidden_dim=6),
        (2, 3, 8, 5, 4),
        False,
        {"valid_mics": torch.tensor([3, 2])},
    ),
    "stacked_residual_rnn": (
        "StackedResidualRNN",
        dict(rnn_type="GRU", n_units=6, n_layers=2),
        (2, 7, 6),
        False,
        {},
    ),
    "stacked_residual_birnn": (
        "StackedResidualBiRNN",
        dict(rnn_type="LSTM", n_units=6, n_layers=2),
        (2, 7, 6),
        False,
        {},
    ),
}


def _build(cls_name, kwargs):
    kwargs = dict(kwargs)
    if cls_name in ("DCUMaskNet", "DCCRMaskNet"):
        return PUBLISHED[cls_name](kwargs.pop("architecture"), **kwargs)
    return PUBLISHED[cls_name](**kwargs)


def own_cases():
    cases = {}
    for idx, (name, (cls_name, kwargs, shape, is_complex, call_kwargs)) in enumerate(
        OWN_CASES.items()
    ):
        masker = _build(cls_name, kwargs)
        fill_weights(masker, seed=100 + idx)
        x = seeded_input(shape, seed=200 + idx, complex_input=is_complex)
        out = _run(masker, x, call_kwargs)
        cases[f"own/{name}"] = dict(
            cls=cls_name,
            kwargs=kwargs,
            input=x,
            call_kwargs=call_kwargs,
            output=out,
            weight_seed=100 + idx,
        )
    return cases


# Model file -> (masker class, masker kwargs from model_args, input shape, complex input)
def compat_cases(compat_dir):
    from asteroid import models

    cases = {}
    for idx, path in enumerate(sorted(Path(compat_dir).glob("*.pth"))):
        with torch.serialization.safe_globals([torch.torch_version.TorchVersion]):
            conf = torch.load(path, weights_only=True)
        model = getattr(models, conf["model_name"]).from_pretrained(conf).eval()
        args = conf["model_args"]
        x_seed = 300 + idx
        name = conf["model_name"]
        if name == "FasNetTAC":
            block, tac_block = model.DPRNN_TAC[0][0], model.DPRNN_TAC[0][1]
            feat = args["feature_dim"]
            x_block = seeded_input((2 * 3, feat, 5, 4), x_seed)
            x_tac = seeded_input((2, 3, feat, 5, 3), x_seed + 1)
            cases["compat/FasNetTAC/DPRNNBlock"] = dict(
                cls="DPRNNBlock",
                kwargs=dict(in_chan=feat, hid_size=args["hidden_dim"], norm_type="gLN"),
                prefix="DPRNN_TAC.0.0.",
                input=x_block,
                call_kwargs={},
                output=_run(block, x_block, {}),
            )
            cases["compat/FasNetTAC/TAC"] = dict(
                cls="TAC",
                kwargs=dict(input_dim=feat, hidden_dim=args["tac_hidden_dim"], norm_type="gLN"),
                prefix="DPRNN_TAC.0.1.",
                input=x_tac,
                call_kwargs={"valid_mics": torch.tensor([3, 2])},
                output=_run(tac_block, x_tac, {"valid_mics": torch.tensor([3, 2])}),
            )
            continue
        masker = model.masker
        if name == "DCUNet":
            n_freqs = args["stft_n_filters"] // 2 + 1
            x = seeded_input((1, n_freqs, 10), x_seed, complex_input=True)
            kwargs = dict(
                architecture=args["architecture"], fix_length_mode=args["fix_length_mode"]
            )
            cls_name = "DCUMaskNet"
        elif name == "DeMask":
            n_bins = args["n_filters"] // 2 + 1
            x = seeded_input((1, n_bins, 16), x_seed).abs()
            kwargs = dict(
                n_in=n_bins,
                n_out=n_bins,
                hidden_dims=list(args["hidden_dims"]),
                dropout=args["dropout"],
                activation=args["activation"],
                mask_act=args["mask_act"],
                norm_type=args["norm_type"],
            )
            cls_name = "DeMaskMasker"
        else:
            cls_name = type(masker).__name__
            kwargs = masker.get_config()
            x = seeded_input((1, args["n_filters"], 16), x_seed)
        cases[f"compat/{name}"] = dict(
            cls=cls_name,
            kwargs=kwargs,
            prefix="masker.",
            input=x,
            call_kwargs={},
            output=_run(masker, x, {}),
        )
    return cases


def main(argv):
    compat_dir = argv[0] if argv else str(HERE.parents[3] / "shared" / "compat")
    _load_published()
    cases = {**compat_cases(compat_dir), **own_cases()}
    torch.save(cases, HERE / "reference_outputs.pt")
    for name, case in cases.items():
        print(name, tuple(case["input"].shape))


if __name__ == "__main__":
    main(sys.argv[1:])
