"""The dossier feed of the province's one-stop system: events in, indicators and volumes out."""
