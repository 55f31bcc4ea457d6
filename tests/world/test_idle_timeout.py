"""A server hangs up on a silent client, as real ones do (RFC 5321 4.5.3.2: 5 minutes for a
command, 3 inside DATA; RFC 1939: 10 minutes for POP3); talking keeps the session open, and
a session that ended keeps no timer (the clock stops where the traffic stops)."""

from smtp_sim.scenario.build import build_world
from smtp_sim.scenario.files import load_scenario
from smtp_sim.world.student_terminal import StudentTerminal
from smtp_sim.world.trace import Kind


def _quiet_world():
    return build_world(load_scenario("classroom").model_copy(update={"messages": []}))


def _connected(world, host="mail.cs.tcd.ie", port=25):
    terminal = StudentTerminal(world, "pc.crepes.fr")
    terminal.connect(host, port)
    terminal.run_until_answer()
    return terminal


def _replies(terminal):
    return [o.reply.code for o in terminal.output if o.reply is not None]


def test_a_silent_client_gets_421_after_five_minutes():
    world = _quiet_world()
    terminal = _connected(world)
    greeted = world.now
    world.run(until=greeted + 299)
    assert terminal.state == "open" and _replies(terminal) == [220]
    world.run(until=greeted + 302)
    assert _replies(terminal)[-1] == 421
    assert terminal.state != "open"
    note = next(r for r in world.trace if r.kind is Kind.NOTE and "silent" in r.summary)
    assert note.summary.startswith("the client was silent for 300 s")


def test_talking_keeps_the_session_and_data_has_three_minutes():
    world = _quiet_world()
    terminal = _connected(world)
    for minute in (4, 8):  # a NOOP every 4 minutes: never 5 minutes of silence
        world.run(until=minute * 60)
        terminal.type_line("NOOP")
        terminal.run_until_answer()
    assert _replies(terminal) == [220, 250, 250]
    for line in (
        "HELO pc.crepes.fr",
        "MAIL FROM:<alice@crepes.fr>",
        "RCPT TO:<bob@cs.tcd.ie>",
        "DATA",
    ):
        terminal.type_line(line)
        terminal.run_until_answer()
    assert _replies(terminal)[-1] == 354
    started = world.now
    world.run(until=started + 179)
    assert terminal.state == "open"
    world.run(until=started + 182)
    assert _replies(terminal)[-1] == 421 and terminal.state != "open"
    assert world.mailbox("bob@cs.tcd.ie").messages == []  # half a message is not delivered


def test_pop3_logs_out_after_ten_minutes():
    world = _quiet_world()
    terminal = _connected(world, port=110)
    world.run(until=world.now + 599)
    assert terminal.state == "open"
    world.run(until=world.now + 3)
    assert terminal.state != "open"


def test_a_session_that_ended_keeps_no_timer():
    world = _quiet_world()
    terminal = _connected(world)
    terminal.type_line("QUIT")
    terminal.run_until_answer()
    world.run()
    assert world.now < 5  # no idle timer left to wait for


def test_only_a_person_is_timed_not_the_mail_programs():
    world = build_world(load_scenario("classroom"))
    world.run(until=0.02)  # alice's mail program is in the middle of its session
    sessions = [s for mta in world.mtas.values() for s in mta.sessions.values()]
    assert sessions and all(s._idle is None for s in sessions)
    terminal = _connected(world)
    mine = next(
        s for s in world.mtas["mail.cs.tcd.ie"].sessions.values() if s.conn is terminal.conn
    )
    assert mine._idle is not None
