"""Pure wire-protocol pieces shared by the client and HQ (no I/O, no Qt, no desktop import)."""
