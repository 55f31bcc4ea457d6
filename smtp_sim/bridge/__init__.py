"""The only real sockets: asyncio listeners that carry real clients into the simulated world.

A real TCP connection becomes a simulated one into a scenario host's listener, so the same
engines and MTAs answer; the world's clock runs at wall-clock pace while the bridge runs.
Imports ``protocol`` and ``world``; nothing in those imports this.

The package re-exports nothing: import each name from its module
(``from smtp_sim.bridge.listen import parse_listen``): the app imports the --listen parser
without the asyncio servers.
"""
