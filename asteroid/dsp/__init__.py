"""Signal-processing blocks: overlap-add, dual-path processing, consistency, beamforming."""
