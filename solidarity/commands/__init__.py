"""Commands beyond the core ones in :mod:`solidarity.cli`, one module each.

Each module registers its command on :data:`solidarity.cli.app` when
imported, and imports nothing heavy at module level (the CLI's ``--help``
must stay fast): the work is imported inside the command function.
"""
