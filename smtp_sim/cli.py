"""The ``smtp-sim`` command. Thin: each subcommand parses its options and calls one function.

Every subcommand has a description and an example (its epilog); help and prose are wrapped to
the terminal's width. Shell completion is argcomplete's (``smtp-sim completion SHELL``): it
completes subcommands, options, lesson ids and scenario names."""

# PYTHON_ARGCOMPLETE_OK  (argcomplete's global activation finds the command by this line)

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from .textio import STDIN, wrap

if TYPE_CHECKING:
    from .scenario.model import Scenario

SHELLS = ("bash", "zsh", "fish")


class _VersionAction(argparse.Action):
    """--version, reading the version only when asked (importlib.metadata is not cheap)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="show the version and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from . import __version__

        sys.stdout.write(f"smtp-sim {__version__}\n")
        parser.exit()


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped to the terminal, with the epilog's example lines (indented)
    kept as they are so they can be copied."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for paragraph in text.split("\n\n"):
            if paragraph.startswith("  "):
                out.append("\n".join(indent + line for line in paragraph.split("\n")))
            else:
                out.append(super()._fill_text(paragraph, width, indent))
        return "\n\n".join(out)


class _Parser(argparse.ArgumentParser):
    """smtp-sim's parsers: help and errors wrapped, examples kept (see _HelpFormatter)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, wrap(f"{self.prog}: error: {message}") + "\n")


def _examples(*lines: str) -> str:
    """An epilog: the example command lines, each on its own line."""
    return "examples:\n\n" + "\n".join(f"  {line}" for line in lines)


def _ids(kind: str) -> Callable[..., list[str]]:
    """An argcomplete completer: the built-in ids (``kind`` "lesson": only lessons; "any":
    scenarios, lessons and presentations) starting with the prefix, then matching files."""

    def complete(prefix: str, **_: object) -> list[str]:
        from argcomplete.completers import FilesCompleter

        from .course.lesson import is_lesson_source
        from .scenario.builtin import builtin_dir, list_builtin

        ids = [i for i in list_builtin() if i.startswith(prefix)]
        if kind == "lesson":
            ids = [
                i
                for i in ids
                if is_lesson_source((builtin_dir() / f"{i}.toml").read_text(encoding="utf-8"))
            ]
        return ids + list(FilesCompleter(allowednames=("toml",))(prefix))

    return complete


def _build_parser(*, personalities: bool = True) -> argparse.ArgumentParser:
    """``personalities=False`` leaves out the choices of ``session --personality``: a command
    line without ``session`` never parses them, and the app starts without importing the
    protocol engines they come from."""
    parser = _Parser(
        prog="smtp-sim",
        description="An interactive SMTP teaching simulator for the terminal. Without a "
        "command: the app on the built-in course, where you left off.",
        epilog=_examples(
            "smtp-sim",
            "smtp-sim lesson foobar",
            "smtp-sim explain 5.7.1",
            "smtp-sim COMMAND --help",
        ),
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    session = sub.add_parser(
        "session",
        help="talk SMTP by hand to one simulated server, like telnet HOST 25",
        description="A telnet-like session with one simulated server. Reads client lines from "
        "standard input, writes exactly the server's replies to standard output; notes and "
        "explanations go to standard error.",
        epilog=_examples(
            "smtp-sim session --personality postfix-1.1 --hostname mail.cs.tcd.ie --explain",
            "printf 'HELO me\\nQUIT\\n' | smtp-sim session",
            "smtp-sim session classroom --host mail.cs.tcd.ie --port 110",
        ),
    )
    session.add_argument(
        "scenario",
        nargs="?",
        help="a scenario id or file: attach to a host inside its network instead of a lone server",
    ).completer = _ids("any")
    session.add_argument(
        "--host", help="with a scenario: the server to connect to (default: its first MTA)"
    )
    session.add_argument(
        "--port",
        type=int,
        default=25,
        help="with a scenario: the port (default 25; 587 submission, 110 POP3)",
    )
    session.add_argument(
        "--from",
        dest="from_host",
        help="with a scenario: the host whose terminal you type at (default: its first client)",
    )
    if personalities:
        from .protocol.personalities import DEFAULT_PERSONALITY, PERSONALITIES

        session.add_argument(
            "--personality",
            default=DEFAULT_PERSONALITY,
            metavar="ID",
            choices=sorted(PERSONALITIES),
            help="which real server to behave "
            f"like: {', '.join(sorted(PERSONALITIES))} (default "
            f"{DEFAULT_PERSONALITY}; see smtp-sim personalities)",
        )
    else:
        session.add_argument("--personality")
    session.add_argument(
        "--hostname",
        default="mail.example.com",
        help="the server's host name (default mail.example.com); it serves the "
        "domain without the first label",
    )
    session.add_argument(
        "--explain", action="store_true", help="explain every reply on standard error"
    )

    explain = sub.add_parser(
        "explain",
        help="explain a reply code, an enhanced status code or a command",
        description="Explain a reply code (354), an enhanced status code (5.7.1) or a "
        "command (vrfy), wrapped to the terminal's width.",
        epilog=_examples(
            "smtp-sim explain 354", "smtp-sim explain 5.7.1", "smtp-sim explain 'RCPT TO'"
        ),
    )
    explain.add_argument("topic", nargs="+", help="e.g. 354, 5.7.1, VRFY, 'RCPT TO'")

    sub.add_parser(
        "personalities",
        help="list the server personalities",
        description="List the server personalities: the real servers the simulated "
        "ones answer like (their ids go to session --personality and to scenario "
        "files).",
        epilog=_examples("smtp-sim personalities", "smtp-sim session --personality sendmail-1988"),
    )

    run = sub.add_parser(
        "run",
        help="run a scenario headless and print its trace",
        description="Run a scenario (a .toml file or a built-in id such as classroom) in "
        "virtual time to its end, or to --until, and print everything that happened: a "
        "swaks-style transcript (-> client, <- server, === information, *** error) or JSON "
        "Lines. An invalid scenario prints one line per problem on standard error and exits 2. "
        "A lesson is graded: its own solutions (--solve) or a student's input (--answers).",
        epilog=_examples(
            "smtp-sim run classroom --until 10min",
            "smtp-sim run classroom --format jsonl -o trace.jsonl --svg flow.svg",
            "smtp-sim run foobar --solve",
            "smtp-sim run foobar --answers smtp-sim-foobar-attempt.json",
            "printf 'helo FooBar\\nquit\\n' | smtp-sim run foobar --answers -",
        ),
    )
    run.add_argument(
        "scenario",
        help="a scenario file or built-in id (e.g. classroom); - reads it from standard input",
    ).completer = _ids("any")
    run.add_argument(
        "--until",
        type=_duration,
        metavar="TIME",
        help="stop at this virtual time: seconds or e.g. 90s, 10min, 2h, 5d",
    )
    run.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text (default) or jsonl, one JSON object per trace record",
    )
    run.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the trace to FILE instead of standard output (for a lesson: "
        "the trace of the graded attempt; the report stays on standard output)",
    )
    run.add_argument(
        "--svg",
        metavar="FILE",
        type=_picture_name,
        help="also write the whole flow diagram to FILE as SVG (HTML when FILE ends in .html)",
    )
    run.add_argument(
        "--pcap",
        metavar="FILE",
        help="also write the run as a Wireshark capture (pcapng): Ethernet, IPv4, "
        "TCP and DNS-over-UDP packets from the simulated hosts, at virtual time",
    )
    run.add_argument("--seed", type=int, help="override the scenario's random seed")
    graded = run.add_mutually_exclusive_group()
    graded.add_argument(
        "--solve",
        action="store_true",
        help="for a lesson: type its own solutions; exit 0 only if every step passes",
    )
    graded.add_argument(
        "--answers",
        metavar="FILE",
        help="for a lesson: type a student's recorded input (one line per "
        "line, or an exported attempt .json; - reads standard input); exit "
        "10+N when step N is the first to fail",
    )

    run.add_argument(
        "--report",
        choices=("text", "json"),
        default="text",
        help="for a lesson: the report as text (default) or one JSON object, "
        "as `smtp-sim grade --json` prints it",
    )
    run.add_argument(
        "--student",
        metavar="NAME",
        help="with --answers: who made the attempt "
        "(default: the name in the attempt, else the file's name)",
    )

    grade = sub.add_parser(
        "grade",
        help="grade a class's attempts at a lesson: a gradebook",
        description="Grade many attempt files (plain text or the app's exported .json) at one "
        "lesson in one process: one row per attempt (student, file, steps passed, quiz "
        "answers right on the first try, wrong quiz tries, grade, the first step not met and "
        "why) and a summary. Exit 0 when every attempt was graded, 2 when the lesson or an "
        "attempt file cannot be used.",
        epilog=_examples(
            "smtp-sim grade foobar handed-in/*.json --csv gradebook.csv",
            "smtp-sim grade foobar handed-in/*.json --json",
        ),
    )
    grade.add_argument("lesson", help="a lesson id or file").completer = _ids("lesson")
    grade.add_argument(
        "attempts",
        nargs="+",
        metavar="ATTEMPT",
        help="attempt files (- reads one from standard input)",
    )
    grade.add_argument("--csv", metavar="FILE", help="also write the gradebook as CSV")
    grade.add_argument(
        "--json", action="store_true", help="one JSON object per attempt instead of the table"
    )
    grade.add_argument("--seed", type=int, help="override the scenario's random seed")

    sub.add_parser(
        "lessons",
        help="list the built-in course with your progress",
        description="List the built-in course: each lesson's number, id, steps done "
        "of all, minutes and title. The ids go to smtp-sim lesson ID.",
        epilog=_examples("smtp-sim lessons", "smtp-sim lesson mx-lookup"),
    )

    lesson = sub.add_parser(
        "lesson",
        help="open a lesson in the app",
        description="Open one lesson in the app: the lesson panel explains each step and "
        "ticks it off when its checks pass; the console is a telnet inside the lesson's "
        "network. A lesson file of your own works too (smtp-sim check it first).",
        epilog=_examples("smtp-sim lesson foobar", "smtp-sim lesson my-lesson.toml --seed 7"),
    )
    lesson.add_argument(
        "lesson", help="a lesson id (see smtp-sim lessons) or a lesson file"
    ).completer = _ids("lesson")
    sandbox = sub.add_parser(
        "sandbox",
        help="free play on a scenario in the app",
        description="Free play on a scenario's network in the app: F5 plays its timeline, F7 "
        "steps one event, F6 steps back, F9 resets; faults are in the command palette "
        "(ctrl+p).",
        epilog=_examples(
            "smtp-sim sandbox", "smtp-sim sandbox classroom --listen 2525=mail.cs.tcd.ie"
        ),
    )
    sandbox.add_argument(
        "scenario", nargs="?", default="classroom", help="a scenario id or file (default classroom)"
    ).completer = _ids("any")
    app = sub.add_parser(
        "app",
        help="the app on the built-in course (the default command)",
        description="The app on the built-in course: a new user starts at lesson 1, a "
        "returning one where they left off. The same as smtp-sim without a command.",
        epilog=_examples("smtp-sim app", "smtp-sim app --export-dir ~/handouts"),
    )
    for p in (lesson, sandbox, app):
        p.add_argument("--seed", type=int, help="override the scenario's random seed")
        p.add_argument(
            "--export-dir",
            metavar="DIR",
            help="where ctrl+s exports go (default: the current directory)",
        )
        p.add_argument(
            "--student",
            metavar="NAME",
            help="your name or student id, put in "
            "every attempt you export (kept for next time; the app asks once)",
        )
        add_listen_argument(p, default_note="off: no real ports unless given")
        add_theme_argument(
            p,
            "default: the theme last picked in the app (ctrl+t, or "
            '"Change theme" in the palette), which is remembered',
        )

    present = sub.add_parser(
        "present",
        help="the presenter: a scenario or lesson on a projector, pause by pause",
        description="A layout for a projector: the network map and the flow diagram large, "
        "the narration of the timeline in big text, the high-contrast theme. Space (or right "
        "arrow, n) plays to the next pause of the timeline, left arrow (p, backspace) goes "
        "back to the previous one. A lesson without pauses is walked through, one step's "
        "solution at a time; a plain scenario stops after each delivery, deferral, bounce and "
        "fault. Readable at 100x30.",
        epilog=_examples("smtp-sim present demo-journey", "smtp-sim present foobar --no-animate"),
    )
    present.add_argument(
        "ref",
        metavar="SCENARIO|LESSON",
        help="a presentation, lesson or scenario: a built-in id (e.g. demo-journey) or a file",
    ).completer = _ids("any")
    present.add_argument("--seed", type=int, help="override the scenario's random seed")
    present.add_argument(
        "--no-animate",
        dest="animate",
        action="store_false",
        help="jump straight to each pause instead of playing the events",
    )
    add_theme_argument(present, "default smtp-sim-high-contrast, for a projector")

    web_cmd = sub.add_parser(
        "web",
        help="serve the app to web browsers, each visitor with their own session",
        description="Serve the app to web browsers (textual-serve). Every browser tab gets "
        "its own process: its own simulation and progress, kept in memory only. Listens on "
        "127.0.0.1 unless given another address (then warns). Add ?fontsize=24 to the address "
        "for bigger text. Needs the web extra: pip install 'smtp-sim[web]'.",
        epilog=_examples("smtp-sim web", "smtp-sim web --host 0.0.0.0 --port 8000 --lesson foobar"),
    )
    web_cmd.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1; 0.0.0.0 for a classroom network)",
    )
    web_cmd.add_argument(
        "--port", type=int, default=8000, help="the port (default 8000; 0 picks a free one)"
    )
    web_cmd.add_argument(
        "--public-url", metavar="URL", help="the address browsers use, when behind a reverse proxy"
    )
    web_cmd.add_argument(
        "--max-sessions",
        type=_positive,
        default=40,
        metavar="N",
        help="sessions at once; past it the page says the class is full (default 40)",
    )
    web_cmd.add_argument(
        "--idle-timeout",
        type=_duration,
        default=1800.0,
        metavar="TIME",
        help="end a session nobody typed in for this long, its progress "
        "saved first (default 30min)",
    )
    web_cmd.add_argument(
        "--max-memory",
        type=_positive,
        default=400,
        metavar="MIB",
        help="end a session whose process grows past this many MiB of "
        "resident memory (default 400)",
    )
    what = web_cmd.add_mutually_exclusive_group()
    what.add_argument(
        "--lesson", metavar="ID", help="open this lesson for every visitor"
    ).completer = _ids("lesson")
    what.add_argument(
        "--sandbox",
        metavar="SCENARIO",
        nargs="?",
        const="classroom",
        help="free play on a scenario (default classroom)",
    ).completer = _ids("any")
    what.add_argument("--present", metavar="REF", help="the presenter on REF").completer = _ids(
        "any"
    )

    check = sub.add_parser(
        "check",
        help="validate lesson and scenario files",
        description="Validate lesson and scenario files: every problem is printed on one line "
        "(file, line, key path, what was expected); exit 2 if any file is invalid.",
        epilog=_examples(
            "smtp-sim check my-lesson.toml my-network.toml",
            "smtp-sim check classroom",
            "cat my-lesson.toml | smtp-sim check -",
        ),
    )
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="files or built-in ids; - reads one from standard input",
    ).completer = _ids("any")

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the lesson or scenario format (for editors)",
        description="Print the JSON Schema of the lesson or the scenario file format, for "
        "editors that complete and check TOML (e.g. Taplo, Even Better TOML).",
        epilog=_examples(
            "smtp-sim schema lesson > lesson.schema.json",
            "smtp-sim schema scenario > scenario.schema.json",
        ),
    )
    schema.add_argument("format", choices=("lesson", "scenario"))

    completion = sub.add_parser(
        "completion",
        help="print the shell completion script for bash, zsh or fish",
        description="Print the script that makes your shell complete smtp-sim's commands, "
        "options, lesson ids and scenario names (argcomplete). Load it from your shell's "
        "start-up file.",
        epilog=_examples(
            'eval "$(smtp-sim completion bash)"     # in ~/.bashrc',
            'eval "$(smtp-sim completion zsh)"      # in ~/.zshrc',
            "smtp-sim completion fish | source      # in ~/.config/fish/config.fish",
        ),
    )
    completion.add_argument("shell", choices=SHELLS)

    _add_serve_parser(sub)
    return parser


def _add_serve_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="put a scenario's servers on real TCP ports for real mail clients",
        description="Expose servers of a scenario on real TCP ports: real mail clients (swaks, "
        "Thunderbird, smtplib...) talk to the simulated servers, get exactly their replies, "
        "and the mail they send is relayed, delivered or bounced inside the simulation, with "
        "virtual time at wall-clock pace. Prints the live transcript until Ctrl-C/SIGTERM.",
        epilog=_examples(
            "smtp-sim serve classroom --listen 2525=mail.cs.tcd.ie --maildir out",
            "swaks --server 127.0.0.1:2525 --from alice@crepes.fr --to bob@cs.tcd.ie",
            "smtp-sim serve classroom --listen 2587 --listen-tls 2465 --maildir out",
            "swaks --server 127.0.0.1:2587 --tls --auth PLAIN --auth-user alice "
            "--auth-password secret --from alice@crepes.fr --to bob@cs.tcd.ie",
        ),
    )
    serve.add_argument(
        "scenario",
        nargs="?",
        default="classroom",
        help="a scenario file or built-in id (default classroom)",
    ).completer = _ids("any")
    add_listen_argument(serve)
    serve.add_argument(
        "--maildir",
        metavar="DIR",
        help="keep the mailboxes in DIR/<address>/ (Maildir): delivered mail is "
        "written there at once, POP3 serves and deletes what is there, a "
        "restart finds it again",
    )
    serve.add_argument(
        "--timeout",
        type=_duration,
        metavar="TIME",
        help="idle timeout for every session (default: RFC 5321's, 5 min for "
        "a command, 3 min inside DATA; 10 min for POP3)",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive,
        default=100,
        metavar="N",
        help="connections at once, for SMTP and for POP3 each; past it a "
        "client gets 421 (default 100)",
    )
    serve.add_argument(
        "--max-per-address",
        type=_positive,
        default=50,
        metavar="N",
        help="connections at once from one client address, per service "
        "(default 50, Postfix's smtpd_client_connection_count_limit)",
    )
    serve.add_argument(
        "--no-messages",
        dest="messages",
        action="store_false",
        help="do not play the scenario's own [[messages]] timeline",
    )
    serve.add_argument("--quiet", action="store_true", help="no live log on standard output")
    serve.add_argument("--seed", type=int, help="override the scenario's random seed")
    serve.add_argument(
        "--listen-tls",
        action="append",
        type=_listen_tls,
        default=[],
        metavar="[HOST:]PORT[=HOSTNAME[:PORT]]",
        help="a real port with implicit TLS (RFC 8314, like port 465): the TLS handshake "
        "comes first, then the server's submission port (587) inside it (repeatable)",
    )
    serve.add_argument(
        "--tls-cert",
        metavar="FILE",
        help="the certificate (PEM) for STARTTLS and --listen-tls, with --tls-key "
        "(default: a self-signed one made at start for the served host names)",
    )
    serve.add_argument("--tls-key", metavar="FILE", help="the private key (PEM) of --tls-cert")


def add_listen_argument(
    parser: argparse.ArgumentParser,
    *,
    default_note: str = "default 127.0.0.1:2525 = the scenario's first MTA, port 25",
) -> None:
    """``--listen`` for ``serve`` (and the app): real ports in front of simulated servers."""
    parser.add_argument(
        "--listen",
        action="append",
        type=_listen,
        default=[],
        metavar="[HOST:]PORT[=HOSTNAME[:PORT]]",
        help=f"a real port and the simulated server behind it (repeatable; "
        f"{default_note}). A real port ending in 110 reaches POP3, one ending "
        "in 587 submission. HOST defaults to 127.0.0.1; any other address "
        "prints a warning",
    )


def add_theme_argument(parser: argparse.ArgumentParser, default_note: str) -> None:
    parser.add_argument(
        "--theme",
        type=_theme,
        metavar="NAME",
        help=f"the colour theme ({default_note}): "
        "textual-dark, textual-light, nord, gruvbox, smtp-sim-high-contrast...",
    ).completer = lambda **_: _themes()


def _themes() -> list[str]:
    from .tui.settings import theme_names

    return theme_names()


def _theme(text: str) -> str:
    if text not in _themes():
        raise argparse.ArgumentTypeError(f"{text!r} is not a theme: {', '.join(_themes())}")
    return text


def _listen(text: str) -> object:
    from .bridge.listen import ListenError, parse_listen

    try:
        return parse_listen(text)
    except ListenError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _listen_tls(text: str) -> object:
    from .bridge.listen import ListenError, parse_listen

    try:
        return parse_listen(text, tls=True)
    except ListenError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _duration(text: str) -> float:
    from .world.values import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _picture_name(text: str) -> str:
    """--svg FILE: a name ending in .svg or .html (what is written follows the name)."""
    if not text.lower().endswith((".svg", ".html", ".htm")):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the flow diagram is written as SVG or HTML: name it .svg or .html"
        )
    return text


def _network_of(ref: str, command: str) -> str | Scenario | None:
    """Where a scenario is wanted, a lesson stands for its network (its scenario), said on
    standard error; None (the problems printed) when the lesson is not valid."""
    from .course.subcommands import is_lesson

    if not is_lesson(ref):
        return ref
    from .course.lesson import load_lesson
    from .scenario.problems import ScenarioError

    try:
        scenario = load_lesson(ref).resolved_scenario()
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None
    print(
        wrap(f"smtp-sim {command}: {ref} is a lesson; its network is the scenario {scenario.id!r}"),
        file=sys.stderr,
    )
    return scenario


def main(argv: list[str] | None = None) -> int:
    try:
        status = _dispatch(argv)
        sys.stdout.flush()  # (here, not at exit, where a broken pipe prints a traceback)
        return status
    except BrokenPipeError:  # piped into head, say: the reader has all it wanted
        from .runner import silence

        silence(sys.stdout)
        return 0


def _dispatch(argv: list[str] | None) -> int:
    words = sys.argv[1:] if argv is None else argv
    completing = "_ARGCOMPLETE" in os.environ
    parser = _build_parser(personalities=completing or "session" in words)
    if completing:  # the shell asks for completions (see smtp-sim completion); exits
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    if args.command == "completion":
        import argcomplete

        sys.stdout.write(argcomplete.shellcode(["smtp-sim"], shell=args.shell))
        return 0
    if args.command in ("lesson", "sandbox", "present") and STDIN in (
        getattr(args, "lesson", None),
        getattr(args, "scenario", None),
        getattr(args, "ref", None),
    ):
        print(
            wrap(
                f"smtp-sim {args.command}: the app reads the keyboard from standard input, "
                "so it cannot read the file from there: give the file's name"
            ),
            file=sys.stderr,
        )
        return 2
    if args.command == "session":
        if args.scenario:
            from .stdio_session import main_world_session

            scenario = _network_of(args.scenario, "session")
            if scenario is None:
                return 2
            return main_world_session(scenario, args.host, args.port, args.from_host, args.explain)
        from .stdio_session import main_session

        return main_session(args.personality, args.hostname, args.explain)
    if args.command == "explain":
        from .protocol.explain import UnknownTopic, explain

        try:
            print(wrap(explain(" ".join(args.topic))))
        except UnknownTopic as exc:
            print(wrap(f"smtp-sim explain: {exc}"), file=sys.stderr)
            return 2
        return 0
    if args.command == "run":
        from .course.subcommands import is_lesson, run_lesson
        from .runner import run_scenario

        if args.solve or args.answers or is_lesson(args.scenario):
            return run_lesson(
                args.scenario,
                answers=args.answers,
                seed=args.seed,
                stdout=sys.stdout,
                stderr=sys.stderr,
                exports=_run_exports(args),
                report=args.report,
                student=args.student,
            )

        return run_scenario(
            args.scenario,
            until=args.until,
            fmt=args.format,
            output=args.output,
            seed=args.seed,
            on_world=_run_exports(args, trace=False),
        )
    if args.command in (None, "app", "lesson", "sandbox"):
        from .tui.launch import launch

        return launch(
            args.command or "app",
            getattr(args, "lesson", None) or getattr(args, "scenario", None),
            seed=getattr(args, "seed", None),
            listen=getattr(args, "listen", None) or None,
            export_dir=getattr(args, "export_dir", None),
            student=getattr(args, "student", None),
            theme=getattr(args, "theme", None),
        )
    if args.command == "present":
        from .tui.launch import launch_presenter

        return launch_presenter(args.ref, seed=args.seed, animate=args.animate, theme=args.theme)
    if args.command == "web":
        return _web(args)
    if args.command == "grade":
        from .course.gradebook import grade_files

        return grade_files(
            args.lesson,
            args.attempts,
            csv_path=args.csv,
            as_json=args.json,
            seed=args.seed,
            stdout=sys.stdout,
            stderr=sys.stderr,
        )
    if args.command == "lessons":
        from .course.subcommands import list_lessons

        return list_lessons(sys.stdout, sys.stderr)
    if args.command == "check":
        from .course.subcommands import check_files

        return check_files(args.files, sys.stdout, sys.stderr)
    if args.command == "schema":
        from .course.subcommands import schema_text

        sys.stdout.write(schema_text(args.format))
        return 0
    if args.command == "serve":
        from .bridge.serve import serve

        scenario = _network_of(args.scenario, "serve")
        if scenario is None:
            return 2
        return serve(
            scenario,
            args.listen + args.listen_tls,
            maildir=args.maildir,
            timeout=args.timeout,
            max_connections=args.max_connections,
            max_per_address=args.max_per_address,
            messages=args.messages,
            quiet=args.quiet,
            seed=args.seed,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
        )
    if args.command == "personalities":
        from .protocol.personalities import PERSONALITIES

        for p in PERSONALITIES.values():
            print(wrap(f"{p.id:15} {p.name}\n{'':15} {p.description}"))
        return 0
    parser.print_help()  # pragma: no cover - every command returns above
    return 0


def _run_exports(args: argparse.Namespace, *, trace: bool = True):
    """What ``smtp-sim run`` writes after a run, besides the report: the trace (``-o``, or
    standard output for a presentation) and the flow diagram (``--svg``)."""

    def exports(world, presentation: bool = False) -> int:
        from .runner import write_trace

        status = 0
        if trace and (args.output or presentation):
            status = write_trace(world, args.format, args.output, sys.stdout, sys.stderr)
        if args.pcap:
            from .world.pcap import save_pcapng

            try:
                save_pcapng(world, args.pcap)
            except OSError as exc:
                print(
                    f"smtp-sim run: cannot write {args.pcap}: {exc.strerror or exc}",
                    file=sys.stderr,
                )
                status = 1
        if args.svg:  # (written even when the trace could not be: each output on its own)
            from .tui.exporting import write_flow

            try:
                write_flow(world, args.svg, title=f"smtp-sim run {args.scenario}")
            except OSError as exc:
                print(
                    f"smtp-sim run: cannot write {args.svg}: {exc.strerror or exc}", file=sys.stderr
                )
                return 1
        return status

    return exports


def _web(args: argparse.Namespace) -> int:
    from .course.lesson import load_lesson, load_presentation
    from .scenario.files import load_scenario
    from .scenario.problems import ScenarioError

    check: Callable[[str], object] | None
    if args.lesson:
        what, check = ["lesson", args.lesson], load_lesson
    elif args.sandbox:
        what, check = ["sandbox", args.sandbox], load_scenario
    elif args.present:
        what, check = ["present", args.present], load_presentation
    else:
        what, check = ["app"], None
    if check is not None:  # a typo fails here, not in every visitor's tab
        try:
            check(what[1])
        except ScenarioError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 2
    try:
        from .web import serve_web
    except ImportError as exc:  # the web extra is not installed
        print(
            wrap(
                f"smtp-sim web: serving the app to browsers needs the web extra "
                f"({exc.name or exc} is missing): pip install 'smtp-sim[web]'"
            ),
            file=sys.stderr,
        )
        return 2
    return serve_web(
        args.host,
        args.port,
        args=what,
        public_url=args.public_url,
        max_sessions=args.max_sessions,
        idle_timeout=args.idle_timeout,
        max_memory=args.max_memory,
    )


if __name__ == "__main__":
    raise SystemExit(main())
