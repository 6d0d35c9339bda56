"""dp2sf: the Dispatch Pro → Salesforce migration workbench."""

__version__ = "0.1.0"
