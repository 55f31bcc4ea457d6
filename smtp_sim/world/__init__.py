"""The simulation: clock, hosts, links and TCP, DNS, MTAs and queues, mailboxes, user agents,
faults, the trace and its exports. Imports ``protocol``, never Textual or asyncio.

The package re-exports nothing: import each name from its module
(``from smtp_sim.world.trace import Layer``), so the app's first frame loads only what it
draws."""
