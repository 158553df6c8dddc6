"""Stage 5, studies: comparisons, explanations, sweeps and multi-year cycles built on runs."""
