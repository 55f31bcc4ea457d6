"""The views: each mounted alone in a small app, driven by the classroom world as the app drives
them (reset, then advance with the new records), checked on their model state and on the text
they render. Untrusted text must show literally: markup as typed, escapes made visible."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.tui.widgets.event_list import EventList
from smtp_sim.tui.widgets.flow_diagram import FlowDiagram, abbreviate
from smtp_sim.tui.widgets.inspector import Inspector
from smtp_sim.tui.widgets.mailboxes import MailboxView
from smtp_sim.tui.widgets.network_map import NetworkMap, spanning_trees
from smtp_sim.tui.widgets.queue_view import QueueView
from smtp_sim.world.faults import apply_fault
from smtp_sim.world.trace import Kind, Layer, TraceRecord
from smtp_sim.world.world import World

VIEWS_TCSS = Path(__file__).resolve().parents[2] / "smtp_sim" / "tui" / "styles" / "views.tcss"
SIZE = (120, 40)
NASTY = "[bold]x[/] [link=https://evil.test]y[/link] \x1b[31mred\x1b[0m"
NASTY_SHOWN = "[bold]x[/] [link=https://evil.test]y[/link] ^[[31mred^[[0m"


class ViewApp(App):
    """One view, the shared stylesheet, and a log of the messages the view posts."""

    CSS_PATH = VIEWS_TCSS

    def __init__(self, view: Widget) -> None:
        super().__init__()
        self.view = view
        self.posted: list = []

    def compose(self) -> ComposeResult:
        yield self.view

    def on_event_list_record_selected(self, message: EventList.RecordSelected) -> None:
        self.posted.append(message)

    def on_flow_diagram_record_selected(self, message: FlowDiagram.RecordSelected) -> None:
        self.posted.append(message)

    def on_mailbox_view_message_selected(self, message: MailboxView.MessageSelected) -> None:
        self.posted.append(message)


def classroom(until: float) -> World:
    world = build_world(load_scenario("classroom"))
    world.run(until=until)
    return world


def run_on(world: World, until: float) -> list[TraceRecord]:
    """Run the world on and return the records it appended (what the app passes to advance)."""
    seen = len(world.trace)
    world.run(until=until)
    return world.trace.records[seen:]


def line_texts(view, count: int | None = None) -> list[str]:
    height = count if count is not None else view.scrollable_content_region.height
    return [view.render_line(y).text for y in range(height)]


def synthetic(start: int, count: int, summary: str = "MAIL FROM:<x@y>") -> list[TraceRecord]:
    return [
        TraceRecord(
            start + i,
            100.0 + i * 0.001,
            Layer.SMTP,
            Kind.COMMAND,
            "a",
            "b",
            summary,
            b"MAIL FROM:<x@y>\r\n",
        )
        for i in range(count)
    ]


# -- EventList ----------------------------------------------------------------------------------


async def test_event_list_shows_every_record_and_advances_incrementally():
    world = classroom(12)
    view = EventList()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.row_count == len(world.trace)
        before = list(view.rows)
        new = run_on(world, 60)
        view.advance(world, new)
        await pilot.pause()
        assert view.row_count == len(world.trace) > len(before)
        assert view.rows[: len(before)] == before  # appended, not rebuilt
        header = view.render_line(0).text
        for column in ("time s", "Source", "Destination", "Layer", "Kind", "Summary"):
            assert column in header
        assert view.following  # still at the bottom: the newest record is on screen
        assert line_texts(view)[-1].split()[0] == str(view.rows[-1].seq + 1)  # from 1


def test_a_narrow_event_list_keeps_room_for_the_summary():
    view = EventList()
    number, time, host, layer, kind = view._columns(75)  # the events pane beside a lesson
    assert number and layer == 0  # numbered (as the status line counts); the kind's colour
    summary = 75 - (number + time + 2 * host + kind + 5)  # says the layer
    assert summary >= 28
    record = TraceRecord(
        0,
        300.0,
        Layer.QUEUE,
        Kind.DEFERRED,
        "smtp.crepes.fr",
        None,
        "A04FCE699 deferred (connection timed out): next try in 5 min",
    )
    row = "".join(segment.text for segment in view.render_row(record, 75))
    assert "A04FCE699 deferred (connection timed" in row


async def test_event_list_filters_by_layer_and_host():
    world = classroom(60)
    view = EventList()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        view.set_filter(layers={Layer.SMTP})
        await pilot.pause()
        smtp = [r for r in world.trace if r.layer is Layer.SMTP]
        assert list(view.rows) == smtp
        view.set_filter(host="mx1.example.org")  # the layer filter stays
        assert view.shown_layers == {Layer.SMTP} and view.host == "mx1.example.org"
        assert view.rows and all(
            r.layer is Layer.SMTP and "mx1.example.org" in (r.src, r.dst) for r in view.rows
        )
        view.set_filter(layers=None)
        assert any(r.layer is Layer.TCP for r in view.rows)
        assert all("mx1.example.org" in (r.src, r.dst) for r in view.rows)
        view.set_filter(layers=["DNS", "TCP"], host=None)
        assert {r.layer for r in view.rows} == {Layer.DNS, Layer.TCP}
        # new records obey the filter too
        view.advance(world, synthetic(len(world.trace), 5))
        assert all(r.layer in (Layer.DNS, Layer.TCP) for r in view.rows)
        view.set_filter(layers=None)
        assert view.row_count == len(world.trace) + 5


async def test_event_list_follows_unless_scrolled_up():
    world = classroom(60)
    view = EventList()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        view.advance(world, synthetic(len(world.trace), 10))
        await pilot.pause()
        assert view.following and view.scroll_y == view.max_scroll_y
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        view.advance(world, synthetic(len(world.trace) + 10, 10))
        await pilot.pause()
        assert view.scroll_y == 0 and not view.following  # the user's place is kept
        view.focus()
        await pilot.press("end")  # back to the newest, following again
        await pilot.pause()
        assert view.following and view.cursor_row == view.row_count - 1


async def test_event_list_enter_and_click_post_record_selected():
    world = classroom(60)
    view = EventList()
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        view.reset(world)
        view.focus()
        await pilot.press("home", "down", "down", "enter")
        await pilot.pause()
        assert view.cursor_row == 2
        assert app.posted[-1].record is world.trace[2]
        assert isinstance(app.posted[-1], EventList.RecordSelected)
        assert app.posted[-1].control is view
        top = int(view.scroll_y)
        await pilot.click(EventList, offset=(20, 5))  # line 0 is the header
        await pilot.pause()
        assert app.posted[-1].record is view.rows[top + 4]
        assert view.cursor_record is view.rows[top + 4]


async def test_event_list_keeps_the_cursor_on_its_record_across_filters():
    world = classroom(60)
    view = EventList()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        smtp = next(i for i, r in enumerate(view.rows) if r.layer is Layer.SMTP and i > 50)
        view.move_cursor(smtp)
        record = view.cursor_record
        view.set_filter(layers={Layer.SMTP})
        await pilot.pause()
        assert view.cursor_record is record


async def test_event_list_shows_untrusted_text_literally():
    world = classroom(1)
    view = EventList()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        evil = TraceRecord(
            len(world.trace),
            1.0,
            Layer.SMTP,
            Kind.COMMAND,
            "pc.crepes.fr",
            "smtp.crepes.fr",
            NASTY,
            NASTY.encode() + b"\r\n",
        )
        view.advance(world, [evil])
        await pilot.pause()
        last = line_texts(view)[-1]
        assert NASTY_SHOWN[:40] in last
        assert "\x1b" not in "".join(line_texts(view))
        assert "[bold]x[/]" in app_text(view)


def app_text(view) -> str:
    """What the terminal shows, from the SVG screenshot's text."""
    svg = view.app.export_screenshot()
    return (
        svg.replace("&#160;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


# -- FlowDiagram --------------------------------------------------------------------------------


async def test_flow_diagram_lanes_arrows_and_layers():
    world = classroom(12)
    view = FlowDiagram()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.lanes == [
            "pc.crepes.fr",
            "smtp.crepes.fr",
            "mail.cs.tcd.ie",
            "pc.cs.tcd.ie",
            "mx1.example.org",
        ]
        assert all(r.layer in (Layer.SMTP, Layer.POP3) for r in view.rows)
        view.advance(world, run_on(world, 60))
        assert view.lanes[:5] == [
            "pc.crepes.fr",
            "smtp.crepes.fr",
            "mail.cs.tcd.ie",
            "pc.cs.tcd.ie",
            "mx1.example.org",
        ]  # stable
        assert view.row_count == sum(1 for r in world.trace if r.layer is Layer.SMTP)
        xs = [view.lane_x(host) for host in view.lanes]
        width = view.scrollable_content_region.width
        assert xs == sorted(xs) and xs[0] < width // 4 and xs[-1] > width * 3 // 4
        header = view.render_line(0).text
        assert all(host in header for host in view.lanes)
        # the first MAIL FROM: an arrow from the client's lane to the server's, labelled
        mail = next(i for i, r in enumerate(view.rows) if r.summary.startswith("MAIL FROM"))
        view.move_cursor(mail)
        await pilot.pause()
        y = mail - int(view.scroll_y) + 1
        line = view.render_line(y).text
        assert "MAIL FROM:<ali" in line and "▶" in line  # cut with … between close lanes
        assert line.index("▶") < view.lane_x("smtp.crepes.fr")
        assert line.strip().startswith(f"{view.rows[mail].time:.3f}")
        view.set_layers({Layer.SMTP, Layer.DNS, Layer.TCP})
        assert "ns.example.net" in view.lanes
        assert {r.layer for r in view.rows} == {Layer.SMTP, Layer.DNS, Layer.TCP}


async def test_flow_diagram_abbreviates_names_when_lanes_are_close():
    assert abbreviate(["pc.crepes.fr", "smtp.crepes.fr", "pc.cs.tcd.ie"], 9) == [
        "pc.crepes",
        "smtp",
        "pc.cs",
    ]
    assert abbreviate(["a.example", "b.example"], 20) == ["a.example", "b.example"]
    assert abbreviate(["verylonghostname.x"], 5) == ["very…"]
    world = classroom(60)
    view = FlowDiagram()
    async with ViewApp(view).run_test(size=(60, 20)) as pilot:
        view.reset(world)
        await pilot.pause()
        header = view.render_line(0).text
        assert "smtp.crepes.fr" not in header
        assert "smtp" in header and "mx1" in header


async def test_flow_diagram_click_and_enter_post_record_selected():
    world = classroom(60)
    view = FlowDiagram()
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        top = int(view.scroll_y)
        await pilot.click(FlowDiagram, offset=(40, 3))
        await pilot.pause()
        assert isinstance(app.posted[-1], FlowDiagram.RecordSelected)
        assert app.posted[-1].record is view.rows[top + 2]
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.posted[-1].record is view.rows[top + 1]


# -- NetworkMap ---------------------------------------------------------------------------------


async def test_network_map_draws_topology_queues_connections_and_the_flow():
    world = classroom(0.3)  # the first message is on its way from smtp.crepes.fr
    view = NetworkMap()
    async with ViewApp(view).run_test(size=(140, 40)) as pilot:
        view.reset(world)
        await pilot.pause()
        text = "\n".join(view.lines)
        for host in world.network.hosts:
            assert host in text
        assert view.layout_mode == "wide"
        assert "ix.example.net" in view.lines[3]  # the exchange heads the picture
        assert view.queue_length("smtp.crepes.fr") == 1 and "queue: 1" in text
        assert view.open_connections() == 1 and "open connections: 1" in text
        assert view.in_flight is not None and view.in_flight.layer is Layer.SMTP
        assert set(view.active_links) == {
            ("smtp.crepes.fr", "gw.crepes.fr"),
            ("gw.crepes.fr", "ix.example.net"),
            ("gw.cs.tcd.ie", "ix.example.net"),
            ("mail.cs.tcd.ie", "gw.cs.tcd.ie"),
        }
        view.advance(world, run_on(world, 60))
        text = "\n".join(view.lines)
        assert "queue: 1" not in text and view.open_connections() == 0
        assert set(view.active_links) == {
            ("pc.cs.tcd.ie", "gw.cs.tcd.ie"),
            ("mail.cs.tcd.ie", "gw.cs.tcd.ie"),
        }


async def test_network_map_marks_what_is_down_and_fits_narrow_widths():
    world = classroom(1)
    apply_fault(world, "host-down", host="mx1.example.org")
    apply_fault(world, "link-down", a="gw.crepes.fr", b="ix.example.net")
    view = NetworkMap()
    async with ViewApp(view).run_test(size=(70, 60)) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.layout_mode == "tall"
        text = "\n".join(view.lines)
        at = next(i for i, line in enumerate(view.lines) if "mx1.example.org" in line)
        assert "203.0.113.25 ✗ down" in view.lines[at + 1]  # under the host's name
        gw = next(line for line in view.lines if "gw.crepes.fr" in line)
        assert "✗" in gw
        assert max(len(line.rstrip()) for line in view.lines[2:]) <= 66
        assert "queue:" in text


async def test_a_host_taken_down_shows_no_open_connections():
    """A telnet to a host that is down: the attempt is the client's (its SYN waits for an
    answer that never comes), not a connection the dead host has open."""
    from smtp_sim.world.student_terminal import StudentTerminal

    world = classroom(0)
    apply_fault(world, "host-down", host="mail.cs.tcd.ie")
    StudentTerminal(world, "pc.crepes.fr").enter("telnet mail.cs.tcd.ie 25")
    world.clock.run(until=world.now + 1)
    view = NetworkMap()
    async with ViewApp(view).run_test(size=(140, 40)) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.open_connections("pc.crepes.fr") >= 1  # the attempt, still waiting
        assert view.open_connections("mail.cs.tcd.ie") == 0


def test_spanning_trees_start_at_the_busiest_router_and_keep_loop_links():
    world = classroom(0)
    hosts = list(world.network.hosts)
    roles = {n: h.role for n, h in world.network.hosts.items()}
    roots, extra = spanning_trees(hosts, world.network.links, roles)
    assert [r.host for r in roots] == ["ix.example.net"] and extra == []
    assert [c.host for c in roots[0].children] == [
        "gw.crepes.fr",
        "gw.cs.tcd.ie",
        "gw.example.org",
        "mx2.example.org",
        "ns.example.net",
    ]
    world.add_link("mx2.example.org", "gw.example.org")  # a loop
    roots, extra = spanning_trees(hosts, world.network.links, roles)
    assert [(link.a, link.b) for link in extra] == [("mx2.example.org", "gw.example.org")]


# -- Inspector ----------------------------------------------------------------------------------


async def test_inspector_shows_a_reply_with_its_bytes_and_explanation():
    world = classroom(60)
    view = Inspector()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        rejected = next(r for r in world.trace if r.summary.startswith("550"))
        view.show(rejected, world)
        await pilot.pause()
        text = "\n".join(view.lines)
        assert "SMTP reply" in text and "mail.cs.tcd.ie (198.51.100.25, mta)" in text
        assert "550 <rob@cs.tcd.ie>: User unknown\\r\\n" in text  # CR LF made visible
        assert "550 Requested action not taken: mailbox unavailable" in text
        assert "RFC 5321 section 4.2.2" in text
        ehlo_reply = world.trace[6]
        view.show(ehlo_reply, world)
        wire = [line for line in view.lines if line.lstrip().startswith("S:")]
        # (smtp.crepes.fr, postfix-3: its name and 9 keywords, ETRN to CHUNKING included)
        assert len(wire) == 10 and all(line.rstrip().endswith("\\r\\n") for line in wire)
        assert "Positive Completion" in "\n".join(view.lines)


async def test_inspector_shows_message_content_headers_mime_and_encodings():
    world = classroom(60)
    view = Inspector()
    async with ViewApp(view).run_test(size=(140, 60)) as pilot:
        content = next(
            r
            for r in world.trace
            if r.kind is Kind.CONTENT and r.message == "m2" and r.src == "smtp.crepes.fr"
        )
        view.show(content, world)
        await pilot.pause()
        text = "\n".join(view.lines)
        assert "dot-stuffing undone" in text
        assert "multipart/mixed" in text and "└─ image/gif" in text
        assert "envelope.gif" in text and "as sent (base64)" in text
        assert "R0lGODlhEAAMAIEAAP" in text and "starts like a GIF file" in text
        assert "hop 1" in text and "Received: from pc.crepes.fr" in text
        # the same line shows the encoded text beside its decoded bytes
        beside = [line for line in view.lines if "R0lGODlh" in line][-1]
        assert "148 bytes of image/gif" in beside
        # a MAILBOX record shows the stored copy, Received: chain in order
        stored = next(r for r in world.trace if r.kind is Kind.STORED and r.message == "m2")
        view.show(stored, world)
        text = "\n".join(view.lines)
        assert text.index("hop 2 (last)") < text.index("hop 1 (first)")
        assert "from smtp.crepes.fr" in text[text.index("hop 2") : text.index("hop 1")]


async def test_inspector_shows_bytes_literally_and_marks_bare_line_feeds():
    world = classroom(1)
    view = Inspector()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        data = NASTY.encode() + b"\r\nsmuggled\n.\r\n"
        record = TraceRecord(
            99, 1.0, Layer.SMTP, Kind.CONTENT, "pc.crepes.fr", "smtp.crepes.fr", NASTY, data
        )
        view.show(record, world)
        await pilot.pause()
        text = "\n".join(view.lines)
        assert NASTY_SHOWN + "\\r\\n" in text
        assert "smuggled\\n" in text and "smuggling" in text
        assert "\x1b" not in text
        assert "[bold]x[/]" in app_text(view)
        view.show(None, world)
        assert "Select a record" in view.lines[0]


# -- MailboxView --------------------------------------------------------------------------------


async def test_mailbox_view_lists_mailboxes_and_reads_a_message():
    world = classroom(12)
    view = MailboxView()
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.message_count("bob@cs.tcd.ie") == 2
        view.advance(world, run_on(world, 60))
        await pilot.pause()
        assert view.mailbox_addresses() == [
            "alice@crepes.fr",
            "bob@cs.tcd.ie",
            "carol@example.org",
            "dave@cs.tcd.ie",
        ]
        assert view.message_count("bob@cs.tcd.ie") == 3
        view.select_message("bob@cs.tcd.ie", 2)
        await pilot.pause()
        text = "\n".join(view.reader.lines)
        assert "A picture of an envelope" in text and "Alice Liddell" in text
        assert "the picture is attached" in text
        assert "envelope.gif" in text and "image/gif" in text and "148 B" in text
        assert app.posted[-1].stored.uid == 2


async def test_mailbox_view_shows_subjects_and_bodies_literally():
    world = classroom(60)
    view = MailboxView()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        box = world.mailbox("dave@cs.tcd.ie")
        data = (f"From: Mallory <m@evil.test>\r\nSubject: {NASTY}\r\n\r\n{NASTY}\r\n").encode()
        stored = box.deliver(data, "m@evil.test", world.now)
        record = world.record(
            Layer.MAILBOX,
            Kind.STORED,
            "mail.cs.tcd.ie",
            None,
            "stored",
            info=(("mailbox", box.address), ("uid", stored.uid)),
        )
        view.advance(world, [record])
        await pilot.pause()
        assert view.message_count("dave@cs.tcd.ie") == 2
        view.select_message("dave@cs.tcd.ie", stored.uid)
        await pilot.pause()
        body = "\n".join(view.reader.lines)
        assert NASTY_SHOWN in body and "\x1b" not in body
        assert "[bold]x[/]" in app_text(view)


async def test_a_bounce_shows_its_delivery_status_and_the_returned_headers():
    world = classroom(60)  # rob@cs.tcd.ie is unknown: alice gets a bounce at 15.6 s
    view = MailboxView()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        view.select_message("alice@crepes.fr", 1)
        await pilot.pause()
        text = "\n".join(view.reader.lines)
        assert "Delivery status (RFC 3464)" in text
        assert "Action: failed" in text and "Final-Recipient: rfc822; rob@cs.tcd.ie" in text
        assert "User unknown" in text
        assert "The returned message's headers" in text and "Subject: Are you there?" in text
        assert "Attachments (" not in text  # the report's parts are not files


# -- QueueView ----------------------------------------------------------------------------------


async def test_queue_view_updates_entries_in_place():
    world = classroom(15.5)  # the typo's message waits at smtp.crepes.fr
    view = QueueView()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        entries = view.entries()
        assert view.row_count == len(entries) == 4
        key = "smtp.crepes.fr/" + next(
            e.queue_id for h, e in entries if e.recipients == ["rob@cs.tcd.ie"]
        )
        assert str(view.get_cell(key, "state")) == "active"
        view.advance(world, run_on(world, 60))
        await pilot.pause()
        assert view.row_count == 4
        assert str(view.get_cell(key, "state")) == "bounced"
        assert "550" in str(view.get_cell(key, "reason"))


# -- scale and themes ---------------------------------------------------------------------------


@pytest.mark.parametrize("view_class", [EventList, FlowDiagram])
async def test_a_hundred_thousand_records_still_render(view_class):
    world = classroom(1)
    view = view_class()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        records = synthetic(len(world.trace), 100_000)
        started = time.perf_counter()
        view.advance(world, records)
        await pilot.pause()
        assert view.row_count >= 100_000
        assert view.rows[-1] is records[-1] and view.following
        assert "MAIL FROM:<x@y>" in line_texts(view)[-1]
        view.focus()
        await pilot.press("pageup", "pageup", "up")
        await pilot.pause()
        cursor = view.cursor_row
        assert cursor is not None and cursor < view.row_count - 40
        assert any("MAIL FROM:<x@y>" in text for text in line_texts(view))
        await pilot.press("home")
        await pilot.pause()
        assert view.scroll_y == 0
        elapsed = time.perf_counter() - started
        print(f"{view_class.__name__}: 100,000 records added and browsed in {elapsed:.2f} s")


async def test_views_follow_the_theme():
    world = classroom(60)
    view = EventList()
    app = ViewApp(view)
    async with app.run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        dark = view.component_style("records--reply-2").color
        app.theme = "textual-light"
        await pilot.pause()
        light = view.component_style("records--reply-2").color
        assert dark is not None and light is not None and dark != light


@pytest.mark.parametrize("width", [75, 118])
async def test_event_list_columns_take_the_width_there_is(width):
    """Issue 15: host names were cut (``mail.cs.tcd…``) while the summary had thirty empty
    cells, and a time past 9,999 s lost its first digits. Names are shortened to the labels
    that tell them apart, or shown whole where there is room; times keep every digit."""
    world = classroom(60)
    view = EventList()
    async with ViewApp(view).run_test(size=(width, 40)) as pilot:
        view.reset(world)
        late = TraceRecord(
            len(world.trace), 432165.178, Layer.QUEUE, Kind.SENT, "mail.cs.tcd.ie", None, "x"
        )
        view.advance(world, [late])
        await pilot.pause()
        texts = line_texts(view)
        assert "…" not in "".join(texts[1:])
        assert "432165.178" in texts[-1]
        syn = next(r for r in view.rows if r.kind is Kind.SYN and r.dst == "mail.cs.tcd.ie")
        row = "".join(segment.text for segment in view.render_row(syn, width))
        if width > 100:
            assert "mail.cs.tcd.ie" in row  # room enough for the whole name
        else:
            assert " mail " in row  # the label that tells it from the other hosts


@pytest.mark.parametrize("width", [76, 120])
async def test_queue_view_columns_fit_what_they_show(width):
    """Issue 15: a state grew past the column's first width (``deferr``, ``bounce``) and the
    last reason ran off the right edge. Columns grow with what they hold; the reason wraps in
    the width that is left."""
    world = classroom(15.5)
    view = QueueView()
    async with ViewApp(view).run_test(size=(width, 30)) as pilot:
        view.reset(world)
        await pilot.pause()
        view.advance(world, run_on(world, 60))
        await pilot.pause()
        shown = [view.render_line(y).text for y in range(view.size.height)]
        assert all(len(line.rstrip()) <= width for line in shown)
        words = " ".join(shown).split()
        assert "bounced" in words
        entry = next(e for _, e in view.entries() if e.recipients == ["rob@cs.tcd.ie"])
        for word in entry.last_reason.split():
            assert word in words


async def test_the_junk_folder_shows_in_the_mailbox_view():
    """Issue 15: mail that DMARC quarantined (p=quarantine) went into the Junk folder, which
    the Mailboxes view did not show."""
    from smtp_sim.scenario.builtin import builtin_dir
    from smtp_sim.scenario.files import parse_scenario

    text = (builtin_dir() / "mail-auth-net.toml").read_text()
    world = build_world(parse_scenario(text.replace("p=reject", "p=quarantine")))
    world.run(until=120)
    box = next(b for b in world.mailboxes() if b.junk)
    view = MailboxView()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()
        assert view.junk_count(box.address) == len(box.junk) == 1
        assert view.message_count(box.address) == len(box.messages)
        tree = view.mailbox_tree
        labels = [tree.get_node_at_line(y).label.plain for y in range(tree.last_line + 1)]
        assert any(label.startswith("Junk (1)") for label in labels)
        view.select_message(box.address, box.junk[0].uid)
        await pilot.pause()
        assert view.selected == (box.address, box.junk[0].uid)
        assert "dmarc=fail" in "".join(view.reader.lines)  # its Authentication-Results:


async def test_queue_view_counts_down_to_the_next_try_as_time_passes():
    """walkA: "in 571 s" was still shown with 271 s left after a /wait (no event: no redraw)."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    session = LessonSession(load_lesson("mx-lookup"))
    for line in (
        "/fault host-down host=mx1.example.org",
        "/send bob@cs.tcd.ie carol@example.org Minutes",
        "/wait 1min",
    ):
        session.enter(line)
    world = session.world
    view = QueueView()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        view.reset(world)
        await pilot.pause()

        def countdowns() -> list[str]:
            return [str(view.get_cell(key, "next")) for key in view.rows]

        before = countdowns()
        assert any("(in " in c for c in before), before
        records = len(world.trace)
        session.enter("/wait 30s")
        assert len(world.trace) == records  # (no event in between: only time passed)
        view.advance(world, ())
        await pilot.pause()
        assert countdowns() != before


async def test_inspector_names_fields_in_words():
    """The Inspector showed the trace's own keys: 'student  True', 'data_line  True',
    'queue_id', 'rrtype'. Every field of every record of a solved lesson has a name in words."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.course.session import LessonSession

    view = Inspector()
    async with ViewApp(view).run_test(size=SIZE) as pilot:
        for lesson_id in ("foobar", "push-pull", "submission-auth", "reliable-delivery"):
            lesson = load_lesson(lesson_id)
            session = LessonSession(lesson)
            for step in lesson.steps:
                for line in step.solution:
                    session.enter(line)
            world = session.world
            seen: set[tuple] = set()
            for record in world.trace:
                keys = tuple(sorted(k for k, _v in record.info))
                if (record.layer, record.kind, keys) in seen:
                    continue
                seen.add((record.layer, record.kind, keys))
                view.show(record, world)
                await pilot.pause()
                rows = [line.strip().split("  ") for line in view.lines if "  " in line.strip()]
                starts = [row[0] for row in rows]
                assert not [s for s in starts if "_" in s], (starts, record.summary)
                # (a flag says what it means: no 'student  True')
                assert not [r for r in rows if r[-1].strip() in ("True", "False")], rows
                assert "verbs" not in starts and "pop3" not in starts, starts
                if record.get("student"):
                    assert "typed by the student" in starts, starts


async def test_the_events_summary_gets_the_width_at_80x24():
    """At 80x24 the events pane (45 columns) gave each host 10 cells and the summary 11:
    'mail from:<' of a MAIL FROM. The hosts are told apart in fewer cells ('pc.cr…', 'mail'),
    the summary keeps the rest."""
    from smtp_sim.course.lesson import load_lesson
    from smtp_sim.tui.app import SmtpSimApp

    app = SmtpSimApp(load_lesson("foobar"))
    async with app.run_test(size=(80, 24)) as pilot:
        for line in ("telnet mail.cs.tcd.ie 25", "helo crepes.fr", "mail from:<alice@crepes.fr>"):
            app.query_one("Console").input.value = line
            await pilot.press("enter")
            await pilot.pause()
        app.main.show_tab("tab-events")
        await pilot.pause()
        view = app.query_one(EventList)
        width = view.scrollable_content_region.width
        header = view.render_header(width)[0].text
        assert header.endswith("Summary") and width - header.index("Summary") >= 19, header
        rows = [
            "".join(segment.text for segment in view.render_row(record, width))
            for record in view.rows
        ]
        assert any("mail from:<alice@cre" in row for row in rows), rows
        host = view._columns(width)[2]
        names = {view._host_name(name, host) for name in view._hosts}
        assert len(names) == len(view._hosts)  # still told apart
