"""The builder: what to make, the cache of rendered fragments, atomic writes, the second core,
and the switches of every accelerator."""
