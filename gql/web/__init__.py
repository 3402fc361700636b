"""HTTP: the app factory, the ``/graphql`` endpoint, content negotiation, caching, replay."""
