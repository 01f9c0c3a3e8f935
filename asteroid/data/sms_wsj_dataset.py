"""SMS-WSJ: spatialized (6-channel) reverberant two-speaker mixtures of WSJ utterances."""

import numpy as np
import torch
from torch.utils import data

from .audio import random_start, read_audio
from .metadata import MetadataError, drop_short, load_json
from .wham_dataset import normalize_tensor_wav
from .wsj0_mix import wsj0_license

__all__ = ["SmsWsjDataset", "SMS_TARGETS", "extract_piece", "wsj1_license", "sms_wsj_license"]

DATASET = "SMS_WSJ"

sep_source = {
    "mixture": "observation",
    "target": ["speech_source"],
    "infos": {"num_channels": 6},
    "default_nsrc": 2,
}
sep_early = {
    "mixture": "observation",
    "target": ["speech_reverberation_early"],
    "infos": {"num_channels": 6},
    "default_nsrc": 2,
}
# The speech image is the whole reverberant speech: early part plus tail.
sep_image = {
    "mixture": "observation",
    "target": ["speech_reverberation_early", "speech_reverberation_tail"],
    "infos": {"num_channels": 6},
    "default_nsrc": 2,
}
SMS_TARGETS = {"source": sep_source, "early": sep_early, "image": sep_image}


def extract_piece(x, offset, target_length):
    """Place ``x`` at ``offset`` in a signal of ``target_length`` samples (time last).

    A positive offset pads the left side with zeros, a negative one cuts it; the right side
    is then zero-padded or cut to ``target_length``.
    """
    if offset < 0:
        x = x[..., -offset:]
    else:
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(offset, 0)])
    if x.shape[-1] < target_length:
        return np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, target_length - x.shape[-1])])
    return x[..., :target_length]


class SmsWsjDataset(data.Dataset):
    """SMS-WSJ multichannel source separation.

    Reads the database JSON of SMS-WSJ (``sms_wsj.json``): ``{"datasets": {dset: {example_id:
    example}}}`` where each example has ``audio_path`` (``observation``: the 6-channel
    mixture; ``speech_source``: the original utterances; ``speech_reverberation_early`` and
    ``speech_reverberation_tail``: one 6-channel image per speaker), ``num_samples``
    (``{"observation": n}``) and ``offset`` (where each utterance starts in the mixture).
    Neither ``sms_wsj`` nor ``lazy_dataset`` is needed.

    Args:
        json_path (str): The SMS-WSJ database JSON file.
        target (str): ``'source'`` (dry utterances), ``'early'`` (early reverberation) or
            ``'image'`` (early plus tail: the full reverberant image).
        dset (str): ``'train_si284'``, ``'cv_dev93'`` or ``'test_eval92'``.
        sample_rate (int): Sample rate of the files; another rate is an error.
        single_channel (bool): Return one channel (a random one for training crops, the
            first for full utterances) instead of all.
        segment (float, optional): Length of the training crops in seconds; shorter
            examples are dropped. ``None`` gives full examples.
        nondefault_nsrc (int, optional): Number of targets when more than two (the extra
            targets are silent).
        normalize_audio (bool): Zero-mean and divide mixture and targets by the mixture's
            standard deviation.

    Items are ``(mixture, sources)``: with ``single_channel``, ``(time,)`` and
    ``(n_src, time)``; otherwise ``(channels, time)`` and ``(n_src, channels, time)`` for the
    reverberant targets or ``(n_src, time)`` for ``'source'``.

    References:
        [1] "SMS-WSJ: Database, performance measures, and baseline recipe for multi-channel
        source separation and recognition", Drude et al., 2019.
    """

    dataset_name = "SMS_WSJ"

    def __init__(
        self,
        json_path,
        target,
        dset,
        sample_rate=8000,
        single_channel=True,
        segment=4.0,
        nondefault_nsrc=None,
        normalize_audio=False,
    ):
        super().__init__()
        if target not in SMS_TARGETS:
            raise ValueError(f"Unexpected target {target!r}, expected one of {list(SMS_TARGETS)}.")
        self.json_path = json_path
        self.target = target
        self.target_dict = SMS_TARGETS[target]
        self.single_channel = single_channel
        self.sample_rate = sample_rate
        self.normalize_audio = normalize_audio
        self.seg_len = None if segment is None else int(segment * sample_rate)
        default = self.target_dict["default_nsrc"]
        if nondefault_nsrc and nondefault_nsrc < default:
            raise ValueError(f"nondefault_nsrc={nondefault_nsrc} is smaller than {default}.")
        self.n_src = nondefault_nsrc or default
        self.like_test = self.seg_len is None
        self.dset = dset
        self.EPS = 1e-8
        database = load_json(json_path)
        datasets = database.get("datasets") if isinstance(database, dict) else None
        if not isinstance(datasets, dict):
            raise MetadataError(f"{json_path} lacks the 'datasets' dictionary of SMS-WSJ.")
        if dset not in datasets:
            raise ValueError(f"Unknown dset {dset!r} in {json_path}; found {list(datasets)}.")
        examples = []
        for example_id, ex in datasets[dset].items():
            try:
                paths = ex["audio_path"]
                length = int(ex["num_samples"]["observation"])
                fields = [paths["observation"]] + [paths[t] for t in self.target_dict["target"]]
                if target == "source":
                    fields.append(ex["offset"])
            except (KeyError, TypeError) as err:
                raise MetadataError(
                    f"Example {example_id!r} of {json_path} lacks the field {err}."
                ) from err
            examples.append(dict(ex, example_id=example_id, _length=length))
        keep = drop_short([e["_length"] for e in examples], self.seg_len, sample_rate, json_path)
        self.dataset = [examples[i] for i in keep]

    def __add__(self, sms_wsj):
        """Append the examples of ``sms_wsj`` to this dataset (in place) and return it."""
        if self.n_src != sms_wsj.n_src:
            raise ValueError(
                f"Only datasets with the same number of sources can be added, got "
                f"{self.n_src} and {sms_wsj.n_src}."
            )
        if (self.seg_len is None) != (sms_wsj.seg_len is None):
            raise ValueError("Cannot add a dataset of crops and a dataset of full utterances.")
        if self.seg_len != sms_wsj.seg_len:
            self.seg_len = min(self.seg_len, sms_wsj.seg_len)
        self.dataset = self.dataset + sms_wsj.dataset
        return self

    def __len__(self):
        return len(self.dataset)

    def _read(self, path, start, stop):
        return read_audio(path, start, stop, sample_rate=self.sample_rate, always_2d=True).T

    def __getitem__(self, idx):
        """Mixture and stacked targets of item ``idx`` (shapes in the class description)."""
        example = self.dataset[idx]
        paths = example["audio_path"]
        num_samples = example["_length"]
        if self.like_test:
            start, stop = 0, num_samples
        else:
            start = random_start(num_samples, self.seg_len)
            stop = start + self.seg_len
        x = self._read(paths["observation"], start, stop)  # C, T
        num_channels = x.shape[0]
        ref_channel = 0 if self.like_test else np.random.randint(0, num_channels)
        targets = self.target_dict["target"]
        dry = targets == ["speech_source"]
        sources = []
        for k in range(self.n_src):
            if k >= len(paths[targets[0]]):
                shape = (stop - start,) if dry else (num_channels, stop - start)
                sources.append(np.zeros(shape, dtype=np.float32))
            elif dry:
                s = self._read(paths["speech_source"][k], 0, None)[0]  # Original utterance.
                s = extract_piece(s, int(example["offset"][k]), num_samples)[start:stop]
                sources.append(s.astype(np.float32))
            else:
                sources.append(sum(self._read(paths[t][k], start, stop) for t in targets))
        sources = np.stack(sources)
        if self.single_channel:
            x = x[ref_channel]
            if not dry:
                sources = sources[:, ref_channel]
        mixture = torch.from_numpy(np.ascontiguousarray(x))
        sources = torch.from_numpy(np.ascontiguousarray(sources))
        if self.normalize_audio:
            m_std = mixture.std(-1, keepdim=True)
            mixture = normalize_tensor_wav(mixture, eps=self.EPS, std=m_std)
            if self.single_channel:
                s_std = m_std
            elif dry:  # (n_src, T) dry targets of a (C, T) mixture: the reference channel's std.
                s_std = m_std[ref_channel]
            else:  # (n_src, C, T): the std of the matching mixture channel.
                s_std = m_std.unsqueeze(0)
            sources = normalize_tensor_wav(sources, eps=self.EPS, std=s_std)
        return mixture, sources

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task_dataset``, ``target`` and ``licenses``.
        """
        return {
            "dataset": self.dataset_name,
            "task_dataset": self.dset,
            "target": self.target,
            "licenses": [dict(wsj0_license), dict(wsj1_license), dict(sms_wsj_license)],
        }


wsj1_license = dict(
    title="CSR-II (WSJ1) Complete",
    title_link="https://catalog.ldc.upenn.edu/LDC94S13A",
    author="LDC",
    author_link="https://www.ldc.upenn.edu/",
    license="LDC User Agreement for Non-Members",
    license_link="https://catalog.ldc.upenn.edu/license/ldc-non-members-agreement.pdf",
    non_commercial=True,
)

sms_wsj_license = dict(
    title="SMS-WSJ: A database for in-depth analysis of multi-channel source separation "
    "algorithms",
    title_link="https://github.com/fgnt/sms_wsj",
    author="Department of Communications Engineering University of Paderborn",
    author_link="https://github.com/fgnt",
    license="MIT License",
    license_link="https://github.com/fgnt/sms_wsj/blob/master/LICENSE",
    non_commercial=False,
)
