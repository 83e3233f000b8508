"""Offline generators for what a plan needs but no file supplies: voice, music, visuals, effects."""
