# The generated speech corpus of the TF-GridNet and SepFormer training tests, built once.
from sota_training import speech_corpus  # noqa: F401
