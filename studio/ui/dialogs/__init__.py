"""Dialogs reached from the top bar: Settings and the brand kit."""
