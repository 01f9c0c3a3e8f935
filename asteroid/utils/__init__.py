"""Utilities: config parsing, tensor helpers and generic helpers."""

from .generic_utils import (
    average_arrays_in_dic,
    flatten_dict,
    get_wav_random_start_stop,
    has_arg,
    unet_decoder_args,
)
from .parser_utils import (
    isfloat,
    isint,
    parse_args_as_dict,
    prepare_parser_from_dict,
    str2bool,
    str2bool_arg,
    str_int_float,
)
from .torch_utils import (
    are_models_equal,
    get_device,
    jitable_shape,
    load_state_dict_in,
    pad_x_to_y,
    tensors_to_device,
    to_cuda,
)

__all__ = [
    "prepare_parser_from_dict",
    "parse_args_as_dict",
    "str_int_float",
    "str2bool",
    "str2bool_arg",
    "isfloat",
    "isint",
    "tensors_to_device",
    "to_cuda",
    "get_device",
    "pad_x_to_y",
    "load_state_dict_in",
    "are_models_equal",
    "jitable_shape",
    "has_arg",
    "flatten_dict",
    "average_arrays_in_dic",
    "get_wav_random_start_stop",
    "unet_decoder_args",
]
