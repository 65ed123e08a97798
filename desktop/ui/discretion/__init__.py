"""The discretion panel beside the interview (issue 17): matter, facts, the engine's
proposal with its reasoning, the officer's choice and the decision's state."""

from desktop.ui.discretion.panel import DiscretionPanel

__all__ = ["DiscretionPanel"]
