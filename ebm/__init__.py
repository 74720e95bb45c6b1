"""Small energy-based models: samplers, training, likelihoods, hardware sampling cost."""
