"""Drafting events from an article: its sentences, the dates they state, candidate events as
YAML for a person to review (`timeline extract`)."""
