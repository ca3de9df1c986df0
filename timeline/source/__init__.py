"""Reading events.yaml: the schema of its keys, the quick reader, the full one that explains
every problem, and rereading only what changed."""
