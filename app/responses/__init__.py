"""Responses for staff: list, inspect, exclude or restore, export."""
