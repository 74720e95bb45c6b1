"""High-order Hopfield networks that solve k-SAT natively."""
