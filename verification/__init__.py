"""Checking a statement's evidence, shared by the desktop and HQ (issue 16).

The desktop verifies what it signs and exports; HQ's supervision room recomputes the same
verdicts from the records it received (a verdict copied from the client would prove nothing)
and gives supervisors the same court package. One implementation serves both: this package
imports nothing of the desktop, HQ or the sync client, only the wire formats of
`sync.protocol` (an import contract holds it).
"""
