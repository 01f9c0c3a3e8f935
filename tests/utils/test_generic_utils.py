import numpy as np
import pytest

from asteroid.utils import (
    average_arrays_in_dic,
    flatten_dict,
    get_wav_random_start_stop,
    has_arg,
    unet_decoder_args,
)


def test_has_arg():
    def fn(a, b=1, *args, c, **kwargs):
        pass

    assert has_arg(fn, "a") and has_arg(fn, "b") and has_arg(fn, "c")
    assert not has_arg(fn, "args") and not has_arg(fn, "kwargs") and not has_arg(fn, "d")


def test_flatten_dict():
    nested = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    assert flatten_dict(nested) == {"a_b": 1, "a_c_d": 2, "e": 3}
    assert flatten_dict(nested, parent_key="x", sep=".") == {"x.a.b": 1, "x.a.c.d": 2, "x.e": 3}


def test_average_arrays_in_dic():
    dic = {"si_sdr": np.array([1.0, 2.0, 6.0]), "name": "utt", "n": 3}
    out = average_arrays_in_dic(dic)
    assert out == {"si_sdr": 3.0, "name": "utt", "n": 3}
    assert isinstance(out["si_sdr"], float)
    assert isinstance(dic["si_sdr"], np.ndarray)  # the input is left alone


def test_get_wav_random_start_stop():
    np.random.seed(0)
    starts = set()
    for _ in range(200):
        start, stop = get_wav_random_start_stop(100, 30)
        assert 0 <= start < 70 and stop - start == 30
        starts.add(start)
    assert len(starts) > 20
    assert get_wav_random_start_stop(20, 30) == (0, 20)
    assert get_wav_random_start_stop(20, None) == (0, 20)


@pytest.mark.parametrize("skips", [True, False])
def test_unet_decoder_args(skips):
    encoders = (
        (1, 32, (7, 5), (2, 2), "auto"),
        (32, 64, (7, 5), (2, 1), "auto"),
        (64, 64, (5, 3), (2, 2), "auto"),
    )
    decoders = unet_decoder_args(encoders, skip_connections=skips)
    assert len(decoders) == 3
    factor = 2 if skips else 1
    assert decoders[0] == (64, 64, (5, 3), (2, 2), "auto")
    assert decoders[1] == (64 * factor, 32, (7, 5), (2, 1), "auto")
    assert decoders[2] == (32 * factor, 1, (7, 5), (2, 2), "auto")
