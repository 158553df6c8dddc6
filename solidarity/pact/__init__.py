"""Stage 2, the law in code: the reference key, apportionment, the Pact's rules, and the
independent verifier of every rule's outcome (which imports nothing from the optimiser)."""
