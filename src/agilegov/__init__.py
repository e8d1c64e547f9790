"""agilegov: agile governance of innovations on a verifiable record."""

__version__ = "0.1.0"
