"""The benchmark suite: one command, a printed table and a CSV.

Usage::

    python benchmarks/suite.py                        # every size, medians of 5
    python benchmarks/suite.py --sizes 26x4 1000x100  # some sizes
    python benchmarks/suite.py --repeats 9 --csv out.csv
    python benchmarks/suite.py --profile benchmarks/profiles   # where the time goes
    python benchmarks/suite.py --smoke                # every benchmark once, smallest size

What it measures (medians; the machines this runs on are shared and noisy,
so read ratios, and absolute times as orders of magnitude):

``size``           per pool size ``n x m`` (``26x4`` is the real 2026 cycle,
                   ``scenarios/2026-adopted.toml``; the others are synthetic
                   pools from :mod:`solidarity.inputs.synthetic`, seed 0): every stage
                   of a run (data, shares and model input, build, solve and each
                   solver level from ``SolveResult.trace``, calls, flows, rules
                   and tables, verify, write Parquet to a temporary folder),
                   peak memory (``ru_maxrss`` of a fresh process per size),
                   variables, rows, nonzeros, whether the optimum is proven and
                   the outcome verified;
``pairwise``       the pairwise formulation (:mod:`solidarity.optimise.pairwise`, build
                   and solve) against the aggregate one, per size, with a
                   solver time limit and a wall-clock limit ("did not finish in
                   N s"); sizes above one where it did not finish are not tried;
``pulp_vs_numpy``  building the same model as PuLP objects
                   (:func:`solidarity.optimise.solve.to_pulp`, from the assembled arrays)
                   against the numpy assembly (:func:`solidarity.optimise.model.build`) at
                   1000 x 100;
``batched_key``    :func:`solidarity.pact.key.batched_key` for 10 000 scenarios x 26
                   states against a Python loop calling ``reference_key``;
``cli``            ``solidarity run scenarios/2026-adopted.toml -o DIR -f parquet
                   --quiet`` in a subprocess against ``python -c "import numpy,
                   scipy.optimize, pandas"``: CPU time (user + sys, from
                   ``RUSAGE_CHILDREN``), interpreter start included.

Repeats: each size runs ``--repeats`` times (default 5) unless a run is so
slow that they would exceed ``--budget`` seconds; then fewer, and the table
says how many. Before a size larger than those measured, its peak memory and
time are extrapolated from the two largest measured sizes; it is skipped
when the memory would not fit (80 % of MemAvailable) or the time exceeds
``--timeout``, and the table says so. Nothing here asserts a time.
"""
