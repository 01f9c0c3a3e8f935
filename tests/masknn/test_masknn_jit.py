"""Eager, traced and scripted maskers agree, on inputs of other sizes than the trace's."""

import pytest
import torch

from asteroid.masknn import (
    DPRNN,
    DPTransformer,
    LSTMMasker,
    SuDORMRF,
    SuDORMRFImproved,
    TDConvNet,
    TDConvNetpp,
)
from asteroid.masknn.convolutional import DCUMaskNet
from asteroid.masknn.recurrent import DCCRMaskNet, DPRNNBlock
from asteroid.masknn.tac import TAC

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.*` is deprecated:DeprecationWarning",
    "ignore::torch.jit.TracerWarning",
)


def real(shape):
    return torch.randn(shape)


def cplx(shape):
    return torch.complex(torch.randn(shape), torch.randn(shape))


# name: (builder, input maker, trace shape, other shapes)
MASKERS = {
    "TDConvNet": (
        lambda: TDConvNet(12, 2, n_blocks=2, n_repeats=2, bn_chan=6, hid_chan=8, skip_chan=4),
        real,
        (1, 12, 20),
        [(3, 12, 33), (2, 12, 7)],
    ),
    "TDConvNet-causal-noskip": (
        lambda: TDConvNet(
            12,
            2,
            n_blocks=2,
            n_repeats=1,
            bn_chan=6,
            hid_chan=8,
            skip_chan=0,
            norm_type="cgLN",
            causal=True,
            mask_act="softmax",
        ),
        real,
        (1, 12, 20),
        [(2, 12, 31)],
    ),
    "TDConvNetpp": (
        lambda: TDConvNetpp(12, 2, n_blocks=2, n_repeats=2, bn_chan=6, hid_chan=8, skip_chan=4),
        real,
        (1, 12, 20),
        [(3, 12, 33)],
    ),
    "DPRNN": (
        lambda: DPRNN(12, 2, bn_chan=6, hid_size=5, chunk_size=6, n_repeats=2),
        real,
        (1, 12, 20),
        [(3, 12, 41), (2, 12, 4)],
    ),
    "DPRNN-mulcat-gru": (
        lambda: DPRNN(
            12,
            2,
            bn_chan=6,
            hid_size=5,
            chunk_size=6,
            hop_size=4,
            n_repeats=1,
            rnn_type="GRU",
            use_mulcat=True,
            bidirectional=False,
        ),
        real,
        (1, 12, 20),
        [(2, 12, 37)],
    ),
    "DPTransformer": (
        lambda: DPTransformer(12, 2, n_heads=2, ff_hid=5, chunk_size=6, n_repeats=1),
        real,
        (1, 12, 20),
        [(3, 12, 41)],
    ),
    "LSTMMasker": (
        lambda: LSTMMasker(12, 2, n_layers=2, hid_size=5),
        real,
        (1, 12, 20),
        [(3, 12, 41)],
    ),
    "SuDORMRF": (
        lambda: SuDORMRF(12, 2, bn_chan=6, num_blocks=2, upsampling_depth=3),
        real,
        (1, 12, 20),
        [(3, 12, 41), (2, 12, 9)],
    ),
    "SuDORMRFImproved": (
        lambda: SuDORMRFImproved(12, 2, bn_chan=6, num_blocks=2, upsampling_depth=3),
        real,
        (1, 12, 20),
        [(3, 12, 41)],
    ),
    "DCUMaskNet": (
        lambda: DCUMaskNet.default_architecture("mini", fix_length_mode="pad"),
        cplx,
        (1, 17, 9),
        [(2, 17, 20), (1, 9, 13)],
    ),
    "DCCRMaskNet": (
        lambda: DCCRMaskNet.default_architecture("mini", n_freqs=8),
        cplx,
        (1, 8, 9),
        [(2, 8, 14)],
    ),
    "DPRNNBlock": (lambda: DPRNNBlock(6, 5), real, (1, 6, 4, 3), [(2, 6, 5, 7)]),
    "TAC": (lambda: TAC(6, 5), real, (1, 3, 6, 4, 3), [(2, 4, 6, 5, 2)]),
}


def assert_same(found, expected):
    if isinstance(expected, tuple):
        for f, e in zip(found, expected):
            assert_same(f, e)
        return
    torch.testing.assert_close(found, expected, rtol=1e-5, atol=1e-5)


# Compiling the complex LSTMs of DCCRN takes long; DPRNN covers DPRNNBlock.
SCRIPTED = sorted(set(MASKERS) - {"DCCRMaskNet", "DPRNNBlock"})


def check_agreement(name, compile_fn):
    builder, make_input, trace_shape, shapes = MASKERS[name]
    torch.manual_seed(0)
    masker = builder().eval()
    compiled = compile_fn(masker, make_input(trace_shape))
    for shape in shapes:
        x = make_input(shape)
        with torch.no_grad():
            assert_same(compiled(x), masker(x))


@pytest.mark.parametrize("name", sorted(MASKERS))
def test_traced_masker_agrees_with_eager(name):
    check_agreement(name, torch.jit.trace)


@pytest.mark.parametrize("name", SCRIPTED)
def test_scripted_masker_agrees_with_eager(name):
    check_agreement(name, lambda masker, _: torch.jit.script(masker))


def test_scripted_masker_checks_inputs():
    scripted = torch.jit.script(TDConvNet(12, 2, n_blocks=1, n_repeats=1, bn_chan=4, hid_chan=4))
    with pytest.raises(Exception, match=r"\(batch, 12, frames\)"):
        scripted(torch.randn(1, 11, 5))
    scripted = torch.jit.script(DCUMaskNet.default_architecture("mini"))
    with pytest.raises(Exception, match="fix_length_mode"):
        scripted(cplx((1, 17, 10)))
