"""Separation models, their registry and the model file format."""
