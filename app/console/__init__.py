"""The staff console: server-rendered pages over the domain services (see nav.py, views.py)."""
