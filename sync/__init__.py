"""Sync: the wire protocol shared with HQ (`sync.protocol`; no Qt, no desktop import).

The client's sync engine follows with issue 15; the reference HQ is the top-level `hq`
package, which imports nothing of the client but `sync.protocol`.
"""
