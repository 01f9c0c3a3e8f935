"""Datasets of the standard corpora, collate helpers and the speech-mixture generator."""
