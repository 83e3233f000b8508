"""The Shorts tab: hooks from a source, variants, and rendering them all."""
