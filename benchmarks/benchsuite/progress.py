"""Progress of a run, for a child killed by the wall-clock limit; stage timers."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

#: A file the child appends what it starts and finishes to, so that a run
#: killed by the wall-clock limit still says how far it got (``isolated``).
_PROGRESS: dict[str, Path | None] = {"path": None}


def progress(text: str) -> None:
    path = _PROGRESS["path"]
    if path is not None:
        with path.open("a") as f:
            f.write(f"{time.time():.3f} {text}\n")


class Timer:
    """``with timer("stage"):`` adds the stage's seconds to ``seconds``."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        progress(f"start stage {name}")
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
            progress(f"end stage {name}")


@contextlib.contextmanager
def level_progress(highs_log: str | None = None, tag: str = ""):
    """Report each solver level's start and end to :func:`progress` by
    wrapping ``solidarity.optimise.solve._call`` (the one call per MILP level) in this
    process only; the level is the one whose cost vector is passed. With
    ``highs_log`` (a folder), HiGHS also writes its log of each level there
    (``TAG-LEVEL-N.log``: presolve, B&B nodes, when the incumbent was found)."""
    from solidarity.optimise import solve as S
    original = S._call
    current = {"level": "?", "count": 0}

    def traced(backend, problem, c, *args, **kwargs):
        name = next((lv.name for lv in problem.levels if lv.cost is c), "?")
        current["level"] = name
        progress(f"start level {name}")
        try:
            return original(backend, problem, c, *args, **kwargs)
        finally:
            progress(f"end level {name}")
    S._call = traced
    run = None
    if highs_log:
        import highspy
        folder = Path(highs_log)
        folder.mkdir(parents=True, exist_ok=True)
        run = highspy.Highs.run

        def logged(self):
            current["count"] += 1
            self.setOptionValue("output_flag", True)
            self.setOptionValue("log_to_console", False)
            self.setOptionValue("log_file", str(folder / f"{tag}-{current['level']}-{current['count']}.log"))
            return run(self)
        highspy.Highs.run = logged
    try:
        yield
    finally:
        S._call = original
        if run is not None:
            import highspy
            highspy.Highs.run = run


def progress_summary(path: Path, now: float | None = None) -> str:
    """What a killed child had finished, and what it was doing."""
    if not path.is_file():
        return ""
    done: list[str] = []
    open_: dict[tuple[str, str], float] = {}
    run = "1"
    for line in path.read_text().splitlines():
        t, what = line.split(" ", 1)
        t = float(t)
        verb, kind, name = what.split(" ", 2)
        if verb == "begin":  # a new run: report only the last one
            done, open_, run = [], {}, name
        elif verb == "start":
            open_[(kind, name)] = t
        elif (kind, name) in open_:
            done.append(f"{name} {t - open_.pop((kind, name)):.1f} s")
    now = time.time() if now is None else now
    running = [f"{kind} {name} running for {now - t:.0f} s when killed" for (kind, name), t in open_.items()]
    return f"in run {run}, finished: " + (", ".join(done) or "nothing") + ("; " + "; ".join(running) if running else "")
