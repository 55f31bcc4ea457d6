"""The Textual app: app.py, screens/, widgets/ (one per module), styles/*.tcss.

Nothing outside this package imports it; it reads the world and the trace, never the other way.
"""
