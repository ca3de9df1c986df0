"""The daemon: when to build (the scheduler, the watch) and the process that builds and serves."""
