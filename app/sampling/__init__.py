"""Sampling: a round's frames (volumes, list of dossiers), sample plans and reproducible draws."""
