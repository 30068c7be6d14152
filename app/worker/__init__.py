"""Background work of every app process: a registry of periodic idempotent tasks (registry.py,
declared per domain in ``<domain>/tasks.py``, listed in tasks.py), the loop that runs them
(loop.py) and named database locks (locks.py). See docs/statistics.md, "Background work"."""
