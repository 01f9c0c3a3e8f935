"""WHAMR!: WHAM! with reverberation (noisy and reverberant separation tasks)."""

import os

from .audio import read_audio
from .wham_dataset import _check_nsrc, wham_noise_license
from .wsj0_mix import JsonMixtureDataset, wsj0_license

__all__ = ["WhamRDataset", "WHAMR_TASKS"]

DATASET = "WHAMR"

# The targets are always the anechoic sources: the tasks differ by their mixture.
_TARGETS = ["s1_anechoic", "s2_anechoic"]
sep_clean = {"mixture": "mix_clean_anechoic", "sources": _TARGETS, "infos": [], "default_nsrc": 2}
sep_noisy = {
    "mixture": "mix_both_anechoic",
    "sources": _TARGETS,
    "infos": ["noise"],
    "default_nsrc": 2,
}
sep_reverb = {"mixture": "mix_clean_reverb", "sources": _TARGETS, "infos": [], "default_nsrc": 2}
sep_reverb_noisy = {
    "mixture": "mix_both_reverb",
    "sources": _TARGETS,
    "infos": ["noise"],
    "default_nsrc": 2,
}

WHAMR_TASKS = {
    "sep_clean": sep_clean,
    "sep_noisy": sep_noisy,
    "sep_reverb": sep_reverb,
    "sep_reverb_noisy": sep_reverb_noisy,
    # Both word orders are accepted.
    "sep_noisy_reverb": sep_reverb_noisy,
}


class WhamRDataset(JsonMixtureDataset):
    """WHAMR! noisy and reverberant two-speaker separation.

    Reads the JSON lists written by the recipe (``local/preprocess_whamr.py``): one
    ``<folder>.json`` per corpus folder (``mix_{clean,both,single}_{anechoic,reverb}``,
    ``s{1,2}_{anechoic,reverb}``, ``noise``).

    Args:
        json_dir (str): Folder of the JSON lists of one split (``tr``, ``cv``, ``tt``).
        task (str): One of

            * ``'sep_clean'``: anechoic two-speaker mixtures,
            * ``'sep_noisy'``: anechoic mixtures plus noise,
            * ``'sep_reverb'``: reverberant mixtures,
            * ``'sep_reverb_noisy'`` (or ``'sep_noisy_reverb'``): reverberant mixtures plus
              noise.

            The targets are always the anechoic sources ``s1_anechoic, s2_anechoic``.
        sample_rate (int): Sample rate of the files; another rate is an error.
        segment (float, optional): Length of the training crops in seconds; shorter
            utterances are dropped. ``None`` gives full utterances.
        nondefault_nsrc (int, optional): Number of targets when more than two (the extra
            targets are silent).

    Items are ``(mixture, sources)``: float32 tensors of shapes ``(time,)`` and
    ``(n_src, time)``.

    References:
        [1] "WHAMR!: Noisy and Reverberant Single-Channel Speech Separation",
        Maciejewski et al., ICASSP 2020.
    """

    dataset_name = "WHAMR"

    def __init__(self, json_dir, task, sample_rate=8000, segment=4.0, nondefault_nsrc=None):
        super().__init__()
        if task not in WHAMR_TASKS:
            raise ValueError(f"Unexpected task {task!r}, expected one of {list(WHAMR_TASKS)}.")
        self.task = task
        self.task_dict = WHAMR_TASKS[task]
        n_src = _check_nsrc(self.task_dict, task, nondefault_nsrc)
        self._setup(
            json_dir,
            self.task_dict["mixture"],
            self.task_dict["sources"],
            n_src,
            sample_rate,
            segment,
        )

    def reverberant_source(self, idx, k):
        """The reverberant image of target ``k`` of item ``idx`` (its ``s{k+1}_reverb`` file).

        WHAMR! keeps each source's anechoic and reverberant versions under the same name in
        sibling folders. Used by dynamic mixing (``reverb=True``) to make reverberant
        mixtures whose targets stay anechoic.

        Returns:
            numpy.ndarray: the whole file (float32, ``(time,)``).
        """
        path = self.sources[k][idx][0]
        folder, name = os.path.split(path)
        anechoic = f"s{k + 1}_anechoic"
        if os.path.basename(folder) != anechoic:
            raise ValueError(f"{path} is not in a {anechoic}/ folder: no reverberant image known.")
        reverb_path = os.path.join(os.path.dirname(folder), f"s{k + 1}_reverb", name)
        return read_audio(reverb_path, sample_rate=self.sample_rate, channels=1)

    def get_infos(self):
        """Dataset infos for model cards.

        Returns:
            dict: keys ``dataset``, ``task`` and ``licenses``.
        """
        licenses = [dict(wsj0_license)]
        if self.task != "sep_clean":
            licenses.append(dict(wham_noise_license))
        return {"dataset": self.dataset_name, "task": self.task, "licenses": licenses}
