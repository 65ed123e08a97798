"""Statement Room desktop client: domain, encrypted store, documents, services, GUI and CLI."""

from desktop import warnings_policy

# Before any submodule imports a library: see desktop/warnings_policy.py.
warnings_policy.install()
