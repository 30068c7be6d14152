"""Alerts by e-mail to the heads of units (managers and admins), each able to turn them off."""
