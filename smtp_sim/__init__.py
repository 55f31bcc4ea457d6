"""smtp-sim: an interactive SMTP teaching simulator for the terminal."""

__version__ = "0.1.0"
