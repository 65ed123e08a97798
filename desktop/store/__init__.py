"""Encrypted local store: SQLCipher database, key hierarchy, migrations, audit log and search."""
