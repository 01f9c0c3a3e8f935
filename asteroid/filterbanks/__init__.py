"""Filterbanks: learnable and fixed analysis/synthesis filterbanks, Encoder and Decoder."""
