"""Social accounts: PKCE helpers and one adapter per platform (YouTube, TikTok, Instagram, X).

``adapters.base`` holds the one interface every platform implements, its value types and its
typed errors; ``adapters.ADAPTERS`` maps a platform key to its class. Nothing heavy is imported
here so the desktop can use ``pkce`` without loading the service.
"""
