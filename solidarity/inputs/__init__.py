"""Stage 1, inputs: Eurostat data, scenario documents and their validation, synthetic pools."""
