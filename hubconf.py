"""torch.hub entry points of asteroid.

Each entry takes ``(name_url_or_file=None, **kwargs)``: without a name it builds
a fresh model from ``kwargs``; with one it loads pretrained weights through
``from_pretrained`` (a model file, an http(s) URL, a Hugging Face hub id or the
short name of a published model), ``kwargs`` overriding the stored arguments::

    model = torch.hub.load("asteroid-team/asteroid", "conv_tasnet", n_src=2)
    model = torch.hub.load("asteroid-team/asteroid", "conv_tasnet",
                           "mpariente/ConvTasNet_WHAM!_sepclean")
"""

dependencies = ["torch", "numpy", "scipy", "soundfile", "requests", "huggingface_hub"]


def _entry(class_name):
    def load(name_url_or_file=None, *args, **kwargs):
        from asteroid import models

        cls = models.get(class_name)
        if name_url_or_file is None:
            return cls(*args, **kwargs)
        return cls.from_pretrained(name_url_or_file, *args, **kwargs)

    load.__name__ = class_name
    load.__doc__ = (
        f"{class_name}: a fresh model built from ``kwargs``, or pretrained weights loaded "
        f"with ``{class_name}.from_pretrained(name_url_or_file, **kwargs)``."
    )
    return load


conv_tasnet = _entry("ConvTasNet")
dprnn_tasnet = _entry("DPRNNTasNet")
dpt_net = _entry("DPTNet")
lstm_tasnet = _entry("LSTMTasNet")
sudormrf_net = _entry("SuDORMRFNet")
sudormrf_improved_net = _entry("SuDORMRFImprovedNet")
demask = _entry("DeMask")
dcunet = _entry("DCUNet")
dccrnet = _entry("DCCRNet")
fasnet_tac = _entry("FasNetTAC")
x_umx = _entry("XUMX")
tfgridnet = _entry("TFGridNet")
sepformer = _entry("SepFormer")
