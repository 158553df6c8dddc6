"""The web desk: a local JSON API and a page over the library (``solidarity serve``).

A thin layer at the level of the command line: :mod:`.jobs` loads scenarios,
solves them in a bounded pool of worker processes and caches the results by
the effective scenario's digest; :mod:`.problems` turns the library's errors
into RFC 9457 problem documents; :mod:`.app` holds the FastAPI application
and serves the page in ``static/`` (no CDN, no inline script). FastAPI,
uvicorn and pydantic are the optional extra ``web``.
"""
