"""The reference HQ of issue 15 ("Sync to HQ"): what receives the desktops' records.

HQ imports nothing of the client but `sync.protocol` (an import-linter contract holds it to
that), so everything it checks is defined once, in the formats both sides share.
"""
