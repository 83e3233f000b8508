"""The Growth tab: accounts, posts and calendar, composer, analytics (one module each)."""
