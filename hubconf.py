"""torch.hub entry points of asteroid.

``torch.hub.load("asteroid-team/asteroid", "<entry>", ...)`` reads this file.
Entries are added by the release that makes each of them work.
"""

dependencies = ["torch", "numpy", "scipy", "soundfile", "requests", "huggingface_hub"]
