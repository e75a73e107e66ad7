"""Baselines the benches measure Kefu against."""
