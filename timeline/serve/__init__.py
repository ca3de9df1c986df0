"""Serving the outputs over HTTP: the ASGI app, uvicorn with its limits, what is served, and
filtered answers."""
