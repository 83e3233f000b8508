"""The Growth tab: posts and (once the cloud lands) connected accounts."""
