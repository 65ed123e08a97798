"""The law library and the discretion engine: pure data and reasoning, no I/O (issue 17).

- `legal.library`: statutes at article level (`model`), read from the official Markdown texts
  (`markdown`), cited and resolved (`citations`), carried as the signed ``laws`` dataset.
- `legal.discretion`: the bureau's discretion standard as data (`model`), read from its
  published table (`table`), and the engine that turns the facts of a case into a matter, a
  tier and a fine range with every step cited (`engine`, `evaluation`).

Both HQ (which imports and publishes) and the desktop (which searches and decides) use this
package; it imports neither, and no file, database, network or clock (an import contract).
"""
