"""Renderers: pure functions from a timeline and its history to the bytes of one output."""
