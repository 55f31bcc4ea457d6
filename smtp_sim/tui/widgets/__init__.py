"""The widgets of the app, one per module.

The views (event_list, flow_diagram, network_map, inspector, mailboxes, queue_view) share one
contract so the app can drive them all alike: ``reset(world)`` shows a world from scratch and
``advance(world, new)`` shows the records appended since the last call, incrementally.
"""
