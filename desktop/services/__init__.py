"""Use cases that compose the domain, the store, hardware and documents."""
