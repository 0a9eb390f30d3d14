"""Writes for published layers, one module per step: create, import, publish, demo."""
