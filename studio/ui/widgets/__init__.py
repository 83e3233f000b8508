"""Widgets shared by the tabs: the timeline, the preview player, the jobs panel."""
