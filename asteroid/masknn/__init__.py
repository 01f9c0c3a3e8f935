"""Masker networks: the separation cores of the models, their norms and activations."""
