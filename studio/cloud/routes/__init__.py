"""The API's routers, one module per area of the seed's API surface."""
