"""WHAM!: wsj0-2mix with real ambient noise (separation and enhancement tasks)."""

from .wsj0_mix import JsonMixtureDataset, wsj0_license

__all__ = ["WhamDataset", "WHAM_TASKS", "normalize_tensor_wav", "wham_noise_license"]

DATASET = "WHAM"

# Each task names the JSON list of its mixtures and of its targets (one list per sub-folder of
# the corpus), and its default number of targets.
enh_single = {"mixture": "mix_single", "sources": ["s1"], "infos": ["noise"], "default_nsrc": 1}
enh_both = {"mixture": "mix_both", "sources": ["mix_clean"], "infos": ["noise"], "default_nsrc": 1}
sep_clean = {"mixture": "mix_clean", "sources": ["s1", "s2"], "infos": [], "default_nsrc": 2}
sep_noisy = {"mixture": "mix_both", "sources": ["s1", "s2"], "infos": ["noise"], "default_nsrc": 2}

WHAM_TASKS = {
    "enhance_single": enh_single,
    "enhance_both": enh_both,
    "sep_clean": sep_clean,
    "sep_noisy": sep_noisy,
    # Short names of the enhancement tasks.
    "enh_single": enh_single,
    "enh_both": enh_both,
}


def normalize_tensor_wav(wav_tensor, eps=1e-8, std=None):
    """Zero-mean ``wav_tensor`` along time and divide it by ``std`` (its own by default).

    Args:
        wav_tensor (torch.Tensor): Waveform(s), time last.
        eps (float): Added to the standard deviation.
        std (torch.Tensor, optional): Standard deviation to divide by (e.g. the mixture's,
            to normalize the sources like their mixture).

    Returns:
        torch.Tensor: ``(wav - mean) / (std + eps)``, same shape.
    """
    mean = wav_tensor.mean(-1, keepdim=True)
    if std is None:
        std = wav_tensor.std(-1, keepdim=True)
    return (wav_tensor - mean) / (std + eps)


def _check_nsrc(task_dict, task, nondefault_nsrc):
    if not nondefault_nsrc:
        return task_dict["default_nsrc"]
    if nondefault_nsrc < task_dict["default_nsrc"]:
        raise ValueError(
            f"nondefault_nsrc={nondefault_nsrc} is smaller than the {task_dict['default_nsrc']} "
            f"source(s) of task {task!r}."
        )
    return nondefault_nsrc


class WhamDataset(JsonMixtureDataset):
    """WHAM! source separation and speech enhancement tasks.

    Reads the JSON lists written by the recipe (``local/preprocess_wham.py``): one
    ``<folder>.json`` per corpus folder (``mix_clean``, ``mix_both``, ``mix_single``, ``s1``,
    ``s2``, ``noise``), each a list of ``[wav_path, n_samples]`` in the same order.

    Args:
        json_dir (str): Folder of the JSON lists of one split (``tr``, ``cv``, ``tt``).
        task (str): One of

            * ``'enh_single'`` (or ``'enhance_single'``): one speaker plus noise -> ``s1``,
            * ``'enh_both'`` (or ``'enhance_both'``): two speakers plus noise -> clean mixture,
            * ``'sep_clean'``: two speakers -> ``s1, s2``,
            * ``'sep_noisy'``: two speakers plus noise -> ``s1, s2``.
        sample_rate (int): Sample rate of the files; another rate is an error.
        segment (float, optional): Length of the training crops in seconds; shorter
            utterances are dropped. ``None`` gives full utterances.
        nondefault_nsrc (int, optional): Number of targets when more than the task's own
            (the extra targets are silent).
        normalize_audio (bool): Zero-mean the mixture and the sources and divide them by
            the mixture's standard deviation.

    Items are ``(mixture, sources)``: float32 tensors of shapes ``(time,)`` and
    ``(n_src, time)``.

    References:
        [1] "WHAM!: Extending Speech Separation to Noisy Environments", Wichern et al.,
        Interspeech 2019.
    """

    dataset_name = "WHAM"

    def __init__(
        self,
        json_dir,
        task,
        sample_rate=8000,
        segment=4.0,
        nondefault_nsrc=None,
        normalize_audio=False,
    ):
        super().__init__()
        if task not in WHAM_TASKS:
            raise ValueError(f"Unexpected task {task!r}, expected one of {list(WHAM_TASKS)}.")
        self.task = task
        self.task_dict = WHAM_TASKS[task]
        self.normalize_audio = normalize_audio
        self.EPS = 1e-8
        n_src = _check_nsrc(self.task_dict, task, nondefault_nsrc)
        self._setup(
            json_dir,
            self.task_dict["mixture"],
            self.task_dict["sources"],
            n_src,
            sample_rate,
            segment,
        )

    def __getitem__(self, idx):
        """Mixture and stacked targets of item ``idx``.

        Returns:
            tuple: ``mixture`` (float32 tensor, ``(time,)``) and ``sources`` (``(n_src, time)``).
        """
        mixture, sources = super().__getitem__(idx)
        if self.normalize_audio:
            m_std = mixture.std(-1, keepdim=True)
            mixture = normalize_tensor_wav(mixture, eps=self.EPS, std=m_std)
            sources = normalize_tensor_wav(sources, eps=self.EPS, std=m_std)
        return mixture, sources

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        licenses = [dict(wsj0_license)]
        if self.task != "sep_clean":
            licenses.append(dict(wham_noise_license))
        return {"dataset": self.dataset_name, "task": self.task, "licenses": licenses}


wham_noise_license = dict(
    title="The WSJ0 Hipster Ambient Mixtures dataset",
    title_link="http://wham.whisper.ai/",
    author="Whisper.ai",
    author_link="https://whisper.ai/",
    license="CC BY-NC 4.0",
    license_link="https://creativecommons.org/licenses/by-nc/4.0/",
    non_commercial=True,
)
