"""Optimizers by name: every registered name builds an optimizer that takes a real step."""

import pytest
import torch
import torch_optimizer
from torch import nn, optim

from asteroid.engine import make_optimizer, optimizers

# The names of the published toolkit (all must keep working).
PUBLISHED = [
    "Adam", "RMSprop", "SGD", "Adadelta", "Adagrad", "Adamax", "AdamW", "ASGD",
    "AccSGD", "AdaBound", "AdaMod", "DiffGrad", "Lamb", "NovoGrad", "PID", "QHAdam",
    "QHM", "RAdam", "SGDW", "Yogi", "Ranger", "RangerQH", "RangerVA",
]  # fmt: skip


def _step(opt, model, x, create_graph=False):
    """One optimizer step on a quadratic loss.

    Gradients are computed before the call, for optimizers that ignore the
    closure (Ranger); the closure is passed for those that need one (LBFGS).
    """

    def closure():
        opt.zero_grad()
        loss = model(x).float().pow(2).mean()
        loss.backward(create_graph=create_graph)
        return loss

    closure()
    opt.step(closure)


def _setup(name):
    """A module, input and kwargs that suit optimizer ``name``."""
    torch.manual_seed(0)
    if name == "sparseadam":
        model = nn.EmbeddingBag(10, 4, sparse=True)
        return model, torch.tensor([[1, 2], [3, 4]]), {"lr": 1e-2}
    if name == "muon":  # Muon only takes 2-D parameters
        model = nn.Linear(6, 6, bias=False)
        return model, torch.randn(5, 6), {"lr": 1e-2}
    model = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 3))
    return model, torch.randn(5, 6), {"lr": 1e-2}


@pytest.mark.filterwarnings("ignore:This overload of")
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph")
@pytest.mark.parametrize("name", sorted(optimizers.OPTIMIZERS))
def test_every_name_builds_and_steps(name):
    model, x, kwargs = _setup(name)
    opt = make_optimizer(model.parameters(), optimizer=name, **kwargs)
    assert isinstance(opt, optimizers.OPTIMIZERS[name])
    with torch.no_grad():
        first_loss = model(x).float().pow(2).mean().item()
    # Rectified optimizers (Ranger, ...) hold still for a few steps: take several.
    for _ in range(8):
        _step(opt, model, x, create_graph=name == "adahessian")
    with torch.no_grad():
        assert model(x).float().pow(2).mean().item() < first_loss, name


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_names(name):
    cls = optimizers.get(name)
    assert cls is optimizers.get(name.lower()) is optimizers.get(name.upper())
    assert cls is getattr(optimizers, name)  # still importable from the module


@pytest.mark.parametrize(
    "name, cls",
    [
        ("adam", optim.Adam),
        ("sgd", optim.SGD),
        ("rmsprop", optim.RMSprop),
        ("nadam", optim.NAdam),
        ("adafactor", optim.Adafactor),
        ("ranger", torch_optimizer.Ranger),
        ("radam", torch_optimizer.RAdam),  # the published choice between the two RAdams
        ("madgrad", torch_optimizer.MADGRAD),
    ],
)
def test_name_to_class(name, cls):
    assert optimizers.get(name) is cls
    model = nn.Linear(3, 3)
    ours = make_optimizer(model.parameters(), name, lr=1e-3)
    ref = cls(model.parameters(), lr=1e-3)
    assert type(ours) is cls
    assert ours.param_groups == ref.param_groups


def test_every_library_optimizer_is_registered():
    from_libraries = {
        c for mod in (optim, torch_optimizer) for c in vars(mod).values()
        if isinstance(c, type) and issubclass(c, optim.Optimizer) and c is not optim.Optimizer
    }  # fmt: skip
    # Lookahead wraps an optimizer; the second RAdam/Adafactor share a name with a registered one.
    left_out = {torch_optimizer.Lookahead, optim.RAdam, torch_optimizer.Adafactor}
    assert from_libraries - left_out == set(optimizers.OPTIMIZERS.values())


def test_get_instance_and_class_pass_through():
    opt = optim.Adam(nn.Linear(2, 2).parameters())
    assert optimizers.get(opt) is opt
    assert optimizers.get(optim.SGD) is optim.SGD
    model = nn.Linear(2, 2)
    assert isinstance(make_optimizer(model.parameters(), optim.SGD, lr=0.1), optim.SGD)


@pytest.mark.parametrize("wrong", ["wrong_string", "optimizer", "torch", 12, object()])
def test_get_errors(wrong):
    with pytest.raises(ValueError) as err:
        optimizers.get(wrong)
    if isinstance(wrong, str):
        assert "adam" in str(err.value) and "ranger" in str(err.value)  # lists known names


def test_make_optimizer_default_and_kwargs():
    model = nn.Linear(4, 4)
    opt = make_optimizer(model.parameters(), lr=3e-4, weight_decay=1e-5)
    assert isinstance(opt, optim.Adam)
    assert opt.param_groups[0]["lr"] == 3e-4 and opt.param_groups[0]["weight_decay"] == 1e-5
    with pytest.raises(ValueError, match="instance"):
        make_optimizer(model.parameters(), opt)


def test_register_optimizer():
    class MyOpt(optim.SGD):
        pass

    optimizers.register_optimizer(MyOpt)
    try:
        assert optimizers.get("myopt") is MyOpt
        with pytest.raises(ValueError, match="already registered"):
            optimizers.register_optimizer(MyOpt)
    finally:
        del optimizers.OPTIMIZERS["myopt"]
    with pytest.raises(TypeError):
        optimizers.register_optimizer(nn.Linear)
