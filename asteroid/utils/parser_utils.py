"""Turn a two-level ``conf.yml`` dictionary into an argparse parser and back.

Every recipe reads its ``conf.yml`` (``{group: {key: default}}``), exposes each
second-level key as a ``--key`` command-line option and rebuilds the nested
dictionary after parsing, so that the command line overrides the file.
"""

import argparse

__all__ = [
    "prepare_parser_from_dict",
    "parse_args_as_dict",
    "str_int_float",
    "str2bool",
    "str2bool_arg",
    "isfloat",
    "isint",
]

# Attribute under which `prepare_parser_from_dict` records the groups it made,
# so that `parse_args_as_dict` finds them by identity, never by their title.
_GROUPS_ATTR = "_asteroid_conf_groups"


def isfloat(value):
    """Whether ``value`` can be cast to a float."""
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def isint(value):
    """Whether ``value`` can be cast to an int."""
    try:
        int(value)
        return True
    except (TypeError, ValueError):
        return False


def str_int_float(value):
    """Convert a string to an int, else a float, else leave it a string."""
    if isint(value):
        return int(value)
    if isfloat(value):
        return float(value)
    return value


def str2bool(value):
    """Map boolean words (yes/no, true/false, y/n, 1/0) to bools; return anything else unchanged."""
    if not isinstance(value, str):
        return value
    lowered = value.lower()
    if lowered in ("yes", "true", "y", "1"):
        return True
    if lowered in ("no", "false", "n", "0"):
        return False
    return value


def str2bool_arg(value):
    """Argparse ``type`` for booleans: raises ``ArgumentTypeError`` on a non-boolean word."""
    converted = str2bool(value)
    if isinstance(converted, bool):
        return converted
    raise argparse.ArgumentTypeError(f"Boolean value expected, got {value!r}.")


def _int_or_float(value):
    """Argparse ``type`` for options whose YAML default is an int.

    A float is accepted too (``--segment 2.5`` on a ``segment: 3`` default);
    anything that is not a number is refused.
    """
    if isint(value):
        return int(value)
    if isfloat(value):
        return float(value)
    raise argparse.ArgumentTypeError(f"Number expected, got {value!r}.")


def _entry_type(value):
    if value is None:
        return str_int_float
    if isinstance(str2bool(value), bool):
        return str2bool_arg
    if isinstance(value, int):
        return _int_or_float
    if isinstance(value, float):
        return float
    if isinstance(value, str):
        return str
    return str_int_float


def _add_entry(group, key, value):
    if isinstance(value, (list, tuple)):
        # A list default becomes `--key a b c`; the element type comes from the
        # first element (an empty list accepts ints, floats or strings).
        elem_type = _entry_type(value[0]) if len(value) else str_int_float
        group.add_argument("--" + key, default=list(value), type=elem_type, nargs="*")
    else:
        group.add_argument("--" + key, default=value, type=_entry_type(value))


def prepare_parser_from_dict(dic, parser=None):
    """Build (or extend) an argparse parser from a two-level config dictionary.

    Each top-level key becomes an argument group and each second-level key a
    ``--key`` option whose default is the dictionary value. The option type
    follows the default: ``None`` -> :func:`str_int_float`, booleans (and
    boolean words) -> :func:`str2bool_arg`, ints -> int or float, floats ->
    float, strings -> str, lists -> ``nargs="*"`` of the first element's type.

    Args:
        dic (dict): ``{group: {key: default}}``. Second-level keys must be
            unique across groups, since they share one command-line namespace.
        parser (argparse.ArgumentParser, optional): parser to extend.

    Returns:
        argparse.ArgumentParser: the parser, with one group per top-level key.

    Raises:
        ValueError: if a second-level key appears twice (also against an option
            the parser already has), or a group is not a dictionary.
    """
    if parser is None:
        parser = argparse.ArgumentParser()
    known = {}
    for action in parser._actions:
        for opt in action.option_strings:
            known[opt] = "the parser's own options"
    groups = list(getattr(parser, _GROUPS_ATTR, []))
    for group_name, entries in dic.items():
        if not isinstance(entries, dict):
            raise ValueError(
                f"Config group {group_name!r} must be a dictionary of options, "
                f"got {type(entries).__name__}."
            )
        group = parser.add_argument_group(group_name)
        for key, value in entries.items():
            opt = "--" + key
            if opt in known:
                raise ValueError(
                    f"Duplicated config key {key!r}: it appears in group {group_name!r} "
                    f"and in {known[opt]}; second-level keys must be unique."
                )
            known[opt] = f"group {group_name!r}"
            _add_entry(group, key, value)
        groups.append(group)
    setattr(parser, _GROUPS_ATTR, groups)
    return parser


def parse_args_as_dict(parser, return_plain_args=False, args=None):
    """Parse the command line and rebuild the nested config dictionary.

    Args:
        parser (argparse.ArgumentParser): a parser from :func:`prepare_parser_from_dict`.
        return_plain_args (bool): also return the ``argparse.Namespace``.
        args (list of str, optional): arguments to parse instead of ``sys.argv``.

    Returns:
        dict: ``{group: {key: value}}`` for each config group, plus ``"main_args"``
        holding the options and positionals that belong to no config group
        (``--help`` excluded). With ``return_plain_args``, ``(dict, Namespace)``.
    """
    namespace = parser.parse_args(args=args)
    conf_groups = getattr(parser, _GROUPS_ATTR, [])
    out = {}
    grouped = set()
    for group in conf_groups:
        out[group.title] = {a.dest: getattr(namespace, a.dest) for a in group._group_actions}
        grouped.update(id(a) for a in group._group_actions)
    main_args = {}
    for action in parser._actions:
        if id(action) in grouped or isinstance(action, argparse._HelpAction):
            continue
        main_args[action.dest] = getattr(namespace, action.dest, None)
    out["main_args"] = main_args
    if return_plain_args:
        return out, namespace
    return out
