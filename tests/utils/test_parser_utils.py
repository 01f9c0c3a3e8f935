import argparse

import pytest
import yaml

from asteroid.utils import (
    isfloat,
    isint,
    parse_args_as_dict,
    prepare_parser_from_dict,
    str2bool,
    str2bool_arg,
    str_int_float,
)

CONF_YML = """
filterbank:
  n_filters: 512
  kernel_size: 16
  stride: 8
masknet:
  n_blocks: 8
  norm_type: gLN
  mask_act: relu
  causal: no
  skip_chan: null
  dilations: [1, 2, 4]
training:
  epochs: 200
  half_lr: yes
  early_stop: true
  gradient_clipping: 5
  lr: 0.001
  weight_decay: 0.0
  seed: null
data:
  train_dir: data/wav8k/min/tr
  segment: 3
  sample_rate: 8000.0
  names: [mix_clean, s1, s2]
"""


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "conf.yml"
    path.write_text(CONF_YML)
    with open(path) as fh:
        return yaml.safe_load(fh)


def test_round_trip_without_overrides(conf):
    parser = prepare_parser_from_dict(conf)
    out = parse_args_as_dict(parser, args=[])
    assert out.pop("main_args") == {}
    # YAML "no"/"yes" are already bools, None stays None, lists stay lists.
    assert out == conf
    assert out["masknet"]["causal"] is False
    assert out["training"]["half_lr"] is True
    assert out["masknet"]["skip_chan"] is None


def test_overrides_take_the_default_type(conf):
    parser = prepare_parser_from_dict(conf)
    out = parse_args_as_dict(
        parser,
        args=[
            "--n_filters",
            "256",
            "--causal",
            "true",
            "--half_lr",
            "no",
            "--lr",
            "1e-4",
            "--skip_chan",
            "128",
            "--seed",
            "abc",
            "--dilations",
            "1",
            "3",
            "--names",
            "mix_both",
            "s1",
            "--segment",
            "2.5",
            "--train_dir",
            "/x/y",
        ],
    )
    assert out["filterbank"]["n_filters"] == 256 and isinstance(out["filterbank"]["n_filters"], int)
    assert out["masknet"]["causal"] is True
    assert out["training"]["half_lr"] is False
    assert out["training"]["lr"] == pytest.approx(1e-4)
    assert out["masknet"]["skip_chan"] == 128
    assert out["training"]["seed"] == "abc"
    assert out["masknet"]["dilations"] == [1, 3]
    assert out["data"]["names"] == ["mix_both", "s1"]
    # An int default accepts a float on the command line.
    assert out["data"]["segment"] == 2.5
    assert out["data"]["train_dir"] == "/x/y"
    # Untouched keys keep their defaults.
    assert out["filterbank"]["stride"] == 8


@pytest.mark.parametrize(
    "args",
    [["--n_filters", "big"], ["--causal", "maybe"], ["--lr", "fast"], ["--dilations", "1", "x"]],
)
def test_bad_override_is_refused(conf, args, capsys):
    parser = prepare_parser_from_dict(conf)
    with pytest.raises(SystemExit):
        parse_args_as_dict(parser, args=args)
    err = capsys.readouterr().err
    assert f"error: argument {args[0]}" in err


def test_main_args_and_plain_namespace(conf):
    parser = argparse.ArgumentParser()
    parser.add_argument("exp_dir")
    parser.add_argument("--gpus", default="0")
    parser = prepare_parser_from_dict(conf, parser=parser)
    out, plain = parse_args_as_dict(parser, return_plain_args=True, args=["exp/x", "--stride", "4"])
    assert out["main_args"] == {"exp_dir": "exp/x", "gpus": "0"}
    assert "help" not in out["main_args"]
    assert set(out) == {"main_args", "filterbank", "masknet", "training", "data"}
    assert isinstance(plain, argparse.Namespace)
    assert plain.stride == 4 and out["filterbank"]["stride"] == 4


def test_parser_can_be_extended_twice():
    parser = prepare_parser_from_dict({"a": {"x": 1}})
    parser = prepare_parser_from_dict({"b": {"y": 2.0}}, parser=parser)
    assert parse_args_as_dict(parser, args=["--y", "3"]) == {
        "a": {"x": 1},
        "b": {"y": 3.0},
        "main_args": {},
    }


def test_duplicated_key_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Duplicated config key 'lr'.*'optim'.*'training'"):
        prepare_parser_from_dict({"training": {"lr": 1e-3}, "optim": {"lr": 1e-4}})
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr")
    with pytest.raises(ValueError, match="parser's own options"):
        prepare_parser_from_dict({"optim": {"lr": 1e-4}}, parser=parser)


def test_group_must_be_a_dict():
    with pytest.raises(ValueError, match="'optim' must be a dictionary"):
        prepare_parser_from_dict({"optim": 3})


def test_scalar_converters():
    assert str_int_float("3") == 3 and isinstance(str_int_float("3"), int)
    assert str_int_float("3.5") == 3.5
    assert str_int_float("1e-3") == pytest.approx(1e-3)
    assert str_int_float("gLN") == "gLN"
    for word in ["yes", "True", "y", "1"]:
        assert str2bool(word) is True
    for word in ["no", "FALSE", "n", "0"]:
        assert str2bool(word) is False
    assert str2bool("maybe") == "maybe"
    assert str2bool(3) == 3
    assert str2bool_arg("Yes") is True
    with pytest.raises(argparse.ArgumentTypeError, match="Boolean value expected"):
        str2bool_arg("maybe")
    assert isint("4") and not isint("4.5") and not isint(None)
    assert isfloat("4.5") and isfloat("4") and not isfloat("a")
