"""Costs: price schedules, a frozen cost record for every dispensed fill, monthly reports."""
