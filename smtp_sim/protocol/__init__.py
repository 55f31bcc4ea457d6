"""The sans-IO protocol layer: SMTP server and client engines, the state table, the reply
catalog and its explanations, server personalities. Imports only the standard library.

The package re-exports nothing: import each name from its module
(``from smtp_sim.protocol.server import ServerConnection``), so a reader and a tool see where
it lives, and importing one module (the trace's records) loads no engine."""
