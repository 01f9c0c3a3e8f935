"""Optimizers by name: every optimizer of ``torch.optim`` and of ``torch_optimizer``.

Recipes name their optimizer in ``conf.yml`` (``optim: {optimizer: adam, lr: 1e-3}``);
:func:`make_optimizer` turns that name into an instance. Names are looked up
case-insensitively in an explicit registry (:data:`OPTIMIZERS`), which
:func:`register_optimizer` extends.

Two names exist in both libraries. ``"radam"`` is ``torch_optimizer.RAdam``, the
class the published toolkit used; ``"adafactor"`` is ``torch.optim.Adafactor``.
``torch_optimizer.Lookahead`` is left out: it wraps another optimizer instead of
taking parameters.
"""

import torch_optimizer
from torch import optim

# The classes the published toolkit exported from this module stay importable from here.
from torch.optim import ASGD, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, RMSprop
from torch.optim.optimizer import Optimizer
from torch_optimizer import (
    PID,
    QHM,
    SGDW,
    AccSGD,
    AdaBound,
    AdaMod,
    DiffGrad,
    Lamb,
    NovoGrad,
    QHAdam,
    RAdam,
    Ranger,
    RangerQH,
    RangerVA,
    Yogi,
)

__all__ = [
    "OPTIMIZERS",
    "make_optimizer",
    "register_optimizer",
    "get",
    # published class names
    "AccSGD",
    "AdaBound",
    "AdaMod",
    "DiffGrad",
    "Lamb",
    "NovoGrad",
    "PID",
    "QHAdam",
    "QHM",
    "RAdam",
    "SGDW",
    "Yogi",
    "Ranger",
    "RangerQH",
    "RangerVA",
    "Adam",
    "RMSprop",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adamax",
    "AdamW",
    "ASGD",
]

# Lower-case name -> optimizer class. Filled once, below, from explicit lists.
OPTIMIZERS = {}

_TORCH = (
    optim.ASGD,
    optim.Adadelta,
    optim.Adafactor,
    optim.Adagrad,
    optim.Adam,
    optim.AdamW,
    optim.Adamax,
    optim.LBFGS,
    optim.Muon,
    optim.NAdam,
    optim.RMSprop,
    optim.Rprop,
    optim.SGD,
    optim.SparseAdam,
)
_TORCH_OPTIMIZER = (
    torch_optimizer.A2GradExp,
    torch_optimizer.A2GradInc,
    torch_optimizer.A2GradUni,
    torch_optimizer.AccSGD,
    torch_optimizer.AdaBelief,
    torch_optimizer.AdaBound,
    torch_optimizer.AdaMod,
    torch_optimizer.Adahessian,
    torch_optimizer.AdamP,
    torch_optimizer.AggMo,
    torch_optimizer.Apollo,
    torch_optimizer.DiffGrad,
    torch_optimizer.LARS,
    torch_optimizer.Lamb,
    torch_optimizer.MADGRAD,
    torch_optimizer.NovoGrad,
    torch_optimizer.PID,
    torch_optimizer.QHAdam,
    torch_optimizer.QHM,
    torch_optimizer.RAdam,
    torch_optimizer.Ranger,
    torch_optimizer.RangerQH,
    torch_optimizer.RangerVA,
    torch_optimizer.SGDP,
    torch_optimizer.SGDW,
    torch_optimizer.SWATS,
    torch_optimizer.Shampoo,
    torch_optimizer.Yogi,
)


def register_optimizer(custom_opt):
    """Make an optimizer class reachable by its (case-insensitive) class name.

    Args:
        custom_opt (type): a subclass of :class:`torch.optim.Optimizer`.

    Raises:
        TypeError: if ``custom_opt`` is not an optimizer class.
        ValueError: if an optimizer of that name is already registered.
    """
    if not (isinstance(custom_opt, type) and issubclass(custom_opt, Optimizer)):
        raise TypeError(f"Expected a subclass of torch.optim.Optimizer, got {custom_opt!r}.")
    name = custom_opt.__name__.lower()
    if name in OPTIMIZERS:
        raise ValueError(
            f"Optimizer {custom_opt.__name__} is already registered "
            f"(as {OPTIMIZERS[name].__module__}.{OPTIMIZERS[name].__name__}). Choose another name."
        )
    OPTIMIZERS[name] = custom_opt


for _cls in _TORCH_OPTIMIZER + tuple(c for c in _TORCH if c.__name__ != "RAdam"):
    register_optimizer(_cls)
del _cls


def get(identifier):
    """The optimizer class for a name, or the optimizer itself.

    Args:
        identifier (str, type or torch.optim.Optimizer): a registered name (any
            case, e.g. ``"adam"``, ``"RangerQH"``), an optimizer class, or an
            optimizer instance.

    Returns:
        The registered class for a name; ``identifier`` unchanged for a class or
        an instance.

    Raises:
        ValueError: for an unknown name (the message lists the known ones) or an
            identifier that is neither a name nor an optimizer.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = OPTIMIZERS.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown optimizer {identifier!r}. Known optimizers: {sorted(OPTIMIZERS)}."
            )
        return cls
    raise ValueError(
        f"Could not interpret optimizer identifier {identifier!r} ({type(identifier).__name__}): "
        "expected a name, an Optimizer class or an Optimizer instance."
    )


def make_optimizer(params, optimizer="adam", **kwargs):
    """Build an optimizer from its name.

    Args:
        params (iterable): the parameters to optimize (``model.parameters()``) or
            parameter groups (dicts).
        optimizer (str or type): a name known to :func:`get`, or an optimizer class.
        **kwargs: keyword arguments of the optimizer (``lr``, ``weight_decay``, ...).

    Returns:
        torch.optim.Optimizer: the new optimizer.

    Raises:
        ValueError: for an unknown name, or if ``optimizer`` is already an
            instance (there is nothing left to build).

    Examples:
        >>> from torch import nn
        >>> model = nn.Linear(10, 10)
        >>> opt = make_optimizer(model.parameters(), optimizer="sgd", lr=1e-3)
    """
    cls = get(optimizer)
    if isinstance(cls, Optimizer):
        raise ValueError(
            "make_optimizer builds a new optimizer from a name or a class; "
            f"got an already built {type(cls).__name__} instance."
        )
    return cls(params, **kwargs)
