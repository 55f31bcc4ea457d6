"""The course: the lesson format and its checks, the lesson runner, progress.

Imports ``world`` and ``protocol``; never Textual or asyncio."""
