"""The Cinema tab: productions, script, asset bin, plan editor, preview, timeline, renders."""
