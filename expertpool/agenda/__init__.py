"""Experts' agendas: week and month views, unavailability, assignments, delivery and reports."""
