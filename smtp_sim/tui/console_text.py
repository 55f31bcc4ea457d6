"""What the console shows besides the wire: the explanation of a reply (the advice for the
line typed first), the greeting the explanations assume, and what the empty input line
suggests typing. Plain functions of the playback; the main screen puts them on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from ..course.playback import Playback
    from ..world.student_terminal import TerminalOutput


def explanation(
    pb: Playback, code: int, enhanced: str | None, *, command: str | None = None, text: str = ""
) -> Text:
    """What a reply means, for the line under the console. With ``command`` (the line the
    student typed) the advice for it comes first: on a short screen it may be all that shows
    (the rest scrolls), "Did you mean HELO?" before "500 Syntax error..."."""
    from ..protocol.explain import explain_reply

    esmtp, login = server_traits(pb)
    said = explain_reply(
        code,
        enhanced,
        command=command,
        text=text,
        greeting=greeting(pb),
        esmtp=esmtp,
        login=login,
        domains={domain for mta in pb.world.mtas.values() for domain in mta.domains},
        client=pb.session.terminal.host,
    )
    lines = said.splitlines()
    advice = [line for line in lines if line.startswith("Next: ")]
    if command is not None and advice:
        lines = advice + [line for line in lines if line not in advice]
    return Text("\n".join(lines), style="italic")


def server_traits(pb: Playback) -> tuple[bool | None, str | None]:
    """What the explanations need to know of the SMTP server the student's terminal is
    connected to: whether it speaks ESMTP at all (the 1988 sendmail does not: HELO, not
    EHLO), and, on a submission port of a server that takes AUTH, what logging in takes
    there ("AUTH", or "STARTTLS, then AUTH" where AUTH comes only inside TLS). (None, None)
    when not connected to a mail server."""
    terminal = pb.session.terminal
    if terminal.peer is None or terminal.state not in ("open", "connecting"):
        return None, None
    host, port = terminal.peer
    mta = pb.world.mtas.get(host)
    if mta is None:
        return None, None
    from ..world.network import SUBMISSION_PORT, SUBMISSIONS_PORT  # (not for the first frame)

    personality = mta.personality
    login = None
    if port in (SUBMISSION_PORT, SUBMISSIONS_PORT) and personality.sasl_mechanisms:
        in_tls = terminal.conn is not None and terminal.conn.tls is not None
        login = "STARTTLS, then AUTH" if personality.tls_auth_only and not in_tls else "AUTH"
    return personality.esmtp, login


def latest_reply(pb: Playback, seen: int) -> TerminalOutput | None:
    """The newest SMTP or POP3 reply the student's terminal got after its first ``seen``
    outputs (None when there is none)."""
    output = pb.session.terminal.output
    return next(
        (o for o in reversed(output[seen:]) if o.reply is not None or o.pop3 is not None), None
    )


def pop3_explanation(output: TerminalOutput, command: str | None = None) -> Text:
    """A POP3 reply explained; with ``command`` (the line it answers), the advice for that
    line first (``del 1``: type DELE 1)."""
    from ..protocol.pop3_replies import explain_pop3_reply

    assert output.pop3 is not None
    return Text(explain_pop3_reply(output.pop3, command), style="italic")


def typed_before(pb: Playback, output: TerminalOutput) -> str | None:
    """The line typed last before ``output`` arrived in the terminal's log (None when a note
    or a slash command came between, or nothing was typed)."""
    log = pb.session.terminal.log
    for i in range(len(log) - 1, -1, -1):
        if log[i] is output:
            for item in reversed(log[:i]):
                if isinstance(item, tuple):
                    kind, line = item
                    return line if kind == "typed" and not line.startswith("/") else None
            return None
    return None


def greeting(pb: Playback) -> str | None:
    """HELO or EHLO: the greeting of the student's current connection, else the one the
    lesson's own solutions use (None when neither says)."""
    for item in reversed(pb.session.terminal.log):
        if isinstance(item, tuple) and item[0] == "typed":
            word = item[1].strip().split(None, 1)[0].upper() if item[1].strip() else ""
            if word in ("HELO", "EHLO"):
                return word
            if word in ("TELNET", "CONNECT", "OPEN"):
                break
    for step in pb.session.lesson.steps:
        for line in step.solution:
            word = line.strip().split(None, 1)[0].upper() if line.strip() else ""
            if word in ("HELO", "EHLO"):
                return word
    return None


def placeholder(pb: Playback) -> str:
    """What to type next, as the empty console line suggests it: a command of the protocol
    spoken, message text, or how to connect (from the step's own solution, when it has one)."""
    terminal = pb.session.terminal
    if terminal.in_data:
        return "message text; a line with only . ends it"
    if terminal.state == "open":
        from ..world.network import POP3_PORT  # (not for the first frame)

        told = task_line(pb)
        if told is not None:
            return f"e.g. {told}"
        if terminal.conn is not None and terminal.conn.port == POP3_PORT:
            return "a POP3 command: USER, PASS, STAT, LIST, RETR n, DELE n, QUIT"
        return "an SMTP command: HELO, MAIL FROM:<\u2026>, RCPT TO:<\u2026>, DATA, QUIT, HELP"
    from ..course.checks import holds
    from ..course.session import shown_to_student

    # (a solution's line only when the lesson has shown it so far: the placeholder gives away
    # no more than the task asks the student to find, as a "Not yet" does)
    session = pb.session
    step = session.current
    lesson = session.lesson
    shown = " ".join(shown_to_student(lesson, session.index).casefold().split()) if step else ""
    for line in step.solution if step is not None else ():
        if line.startswith(("telnet ", "/send ")) and holds(shown, line):
            return f"type here, e.g. {line}"
    for other in lesson.steps:  # (the lesson's own server, not just any)
        for line in other.solution:
            if line.startswith("telnet ") and (step is None or holds(shown, line)):
                return f"type here: {line}, or /help"
    server = next(iter(pb.world.mtas), None)
    return f"type here: telnet {server} 25, or /help" if server else "type here: /help"


def task_line(pb: Playback) -> str | None:
    """The current step's next line to type when its task shows it ("Type USER bob, then
    PASS secret"): the first of the step's solution lines that the task holds and that the
    student has not typed since the step began. None when the task shows none (nothing is
    said that the task does not say)."""
    from ..world.trace import Kind

    session = pb.session
    step = session.current
    if step is None or not step.task:
        return None

    def words(text: str) -> str:
        return " ".join(text.split()).lower()

    task = words(step.task)
    trace = pb.world.trace
    # (the step's records, the last 2,000 at most: a key's cost stays small at 100,000)
    since = max(session.progress[session.index].started_at, len(trace) - 2000)
    typed = {
        words(record.summary)
        for record in trace[since:]
        if record.kind is Kind.COMMAND and record.get("student")
    }
    from ..course.lesson_summary import KNOWN_VERBS

    for line in step.solution:
        said = words(line)
        if said.split(" ", 1)[0].upper() not in KNOWN_VERBS:
            # (a message's line is no command: after a dot typed too early the session has
            # left DATA, and '--b--' suggested then got 502; walkC, mime step 6)
            continue
        if said and not said.startswith(("/", "telnet ")) and said in task and said not in typed:
            return line
    return None
