"""Datasets of the standard corpora, collate helpers and the speech-mixture generator.

Every dataset reads the layout and metadata files of its corpus (or of its recipe's
preparation scripts) with soundfile, and raises errors that name the file and the problem.
:mod:`asteroid.data.synthetic` writes small corpora in each of these layouts.
"""

from .avspeech_dataset import AVSpeechDataset
from .dampvsep_dataset import DAMPVSEPSinglesDataset
from .dns_dataset import DNSDataset
from .dynamic_mixing import DynamicMixing
from .folder_dataset import FolderError, FolderMixtures, FolderUtterances, validate_folder
from .fuss_dataset import FUSSDataset
from .kinect_wsj import KinectWsjMixDataset
from .librimix_dataset import LibriMix
from .musdb18_dataset import MUSDB18Dataset
from .sms_wsj_dataset import SmsWsjDataset
from .vad_dataset import LibriVADDataset
from .wham_dataset import WhamDataset
from .whamr_dataset import WhamRDataset
from .wsj0_mix import Wsj0mixDataset

__all__ = [
    "AVSpeechDataset",
    "WhamDataset",
    "WhamRDataset",
    "DNSDataset",
    "LibriMix",
    "Wsj0mixDataset",
    "MUSDB18Dataset",
    "SmsWsjDataset",
    "KinectWsjMixDataset",
    "FUSSDataset",
    "DAMPVSEPSinglesDataset",
    "LibriVADDataset",
    "DynamicMixing",
    "FolderMixtures",
    "FolderUtterances",
    "FolderError",
    "validate_folder",
]
