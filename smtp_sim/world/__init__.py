"""The simulation: clock, hosts, links and TCP, DNS, MTAs and queues, mailboxes, user agents,
faults, the trace and its exports. Imports ``protocol``, never Textual or asyncio."""

from .clock import Clock
from .trace import Kind, Layer, Trace, TraceRecord
from .world import World

__all__ = ["Clock", "Kind", "Layer", "Trace", "TraceRecord", "World"]
