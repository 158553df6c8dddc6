"""Stage 3, the optimiser: the model input, the lexicographic integer programme, its
solvers, the exact steps and the flows to beneficiaries."""
