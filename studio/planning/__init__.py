"""Planning: scripts, ideas and videos become Production Plans, hooks and Shorts Plans."""
