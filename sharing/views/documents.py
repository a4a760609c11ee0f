"""Placeholder until the helper lands this module."""
