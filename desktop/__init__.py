"""Statement Room desktop client: domain, encrypted store, documents, services, GUI and CLI."""
