"""``asteroid.models.get`` / ``register_model``: an explicit, case-insensitive registry."""

import pytest

from asteroid import models
from asteroid.models import BaseModel, ConvTasNet, DPRNNTasNet, get, register_model

PUBLISHED_MODELS = [
    "ConvTasNet",
    "DPRNNTasNet",
    "SuDORMRFImprovedNet",
    "SuDORMRFNet",
    "DPTNet",
    "FasNetTAC",
    "LSTMTasNet",
    "DeMask",
    "DCUNet",
    "DCCRNet",
    "XUMX",
]


@pytest.mark.parametrize("name", PUBLISHED_MODELS)
def test_every_published_model_by_class_name(name):
    cls = get(name)
    assert cls is getattr(models, name)
    assert get(name.lower()) is cls
    assert get(name.upper()) is cls
    assert name in models.__all__


@pytest.mark.parametrize(
    "alias, cls_name",
    [
        ("conv_tasnet", "ConvTasNet"),
        ("dprnn_tasnet", "DPRNNTasNet"),
        ("dpt_net", "DPTNet"),
        ("lstm_tasnet", "LSTMTasNet"),
        ("sudormrf_net", "SuDORMRFNet"),
        ("sudormrf_improved_net", "SuDORMRFImprovedNet"),
        ("fasnet_tac", "FasNetTAC"),
        ("x_umx", "XUMX"),
        ("demask", "DeMask"),
        ("vad_net", "VADNet"),
    ],
)
def test_snake_case_names_are_classes_not_modules(alias, cls_name):
    assert get(alias) is getattr(models, cls_name)
    assert isinstance(get(alias), type)


@pytest.mark.parametrize("name", ["get", "register_model", "base_models", "BaseModel", "torch"])
def test_module_level_names_are_not_models(name):
    with pytest.raises(ValueError, match="Known models: .*convtasnet"):
        get(name)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as err:
        get("NoSuchNet")
    message = str(err.value)
    assert "NoSuchNet" in message
    for name in PUBLISHED_MODELS:
        assert name.lower() in message


@pytest.mark.parametrize("identifier", [None, 3, ConvTasNet])
def test_non_string_identifier(identifier):
    with pytest.raises(ValueError, match="strings"):
        get(identifier)


def test_register_custom_model_and_refuse_duplicates():
    class MyTinyNet(DPRNNTasNet):
        pass

    try:
        assert register_model(MyTinyNet, aliases=["my_tiny_net"]) is MyTinyNet
        assert get("mytinynet") is MyTinyNet
        assert get("MY_TINY_NET") is MyTinyNet
        with pytest.raises(ValueError, match="already registered"):
            register_model(MyTinyNet)
    finally:
        models._MODELS.pop("mytinynet", None)
        models._MODELS.pop("my_tiny_net", None)

    class ConvTasNet(BaseModel):  # same name as a built-in, another class
        pass

    with pytest.raises(ValueError, match="already registered"):
        register_model(ConvTasNet)
    with pytest.raises(ValueError, match="already registered"):
        register_model(type("convtasnet", (BaseModel,), {}))
    assert get("ConvTasNet") is models.ConvTasNet


def test_register_refuses_non_models():
    with pytest.raises(TypeError, match="BaseModel subclass"):
        register_model(dict)
    with pytest.raises(TypeError, match="BaseModel subclass"):
        register_model(ConvTasNet(2, n_blocks=1, n_repeats=1, n_filters=8, bn_chan=4))
