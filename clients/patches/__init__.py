"""Patches of third-party internals, one file each, with the upstream issue they wait for."""
