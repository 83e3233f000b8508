"""Ingest, plan, generate, assemble, composite, mix and encode: the steps from files to an MP4."""
