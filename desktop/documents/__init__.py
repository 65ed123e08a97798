"""Statement documents: PDF rendering, signing and verification (later issue)."""
