"""Device protocols, drivers and faithful emulators (no Qt, no desktop import)."""
