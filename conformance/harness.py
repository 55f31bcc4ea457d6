"""The differential harness: the same random SMTP dialogues against a real server and against
``smtp-sim serve``, every reply compared.

    python conformance/harness.py                       # Postfix on 127.0.0.1:25 vs postfix-3.7
    python conformance/harness.py --count 1000 --seed 7 --personality postfix-3
    python conformance/harness.py --real 127.0.0.1:25 --personality sendmail-8 \\
        --scenario conformance/scenarios/sendmail.toml
    python conformance/harness.py --only 37             # one dialogue, both transcripts

Each dialogue (``dialogues.py``) is played on a fresh TCP connection whose client end is bound
to ``--bind`` (127.0.0.5: a stranger to both servers, not in mynetworks). Unless ``--sim`` names
a running one, the harness starts ``smtp-sim serve SCENARIO`` itself on a free port, with
``--personality`` written into a copy of the scenario.

Replies are compared whole (code, enhanced code, every text line) together with whether the
server closed the connection after them. Only what must differ is normalised (``NORMALISERS``:
queue ids keep their length and alphabet, dates become DATE). The report gives the
identical-reply rate, the dialogues identical end to end, and the differences grouped into
classes (command verb, real reply, simulated reply) with the shortest dialogue of each class.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from dialogues import Dialogue, Grammar, Site

HERE = Path(__file__).resolve().parent
DEFAULT_SCENARIO = HERE / "scenarios" / "postfix.toml"
CLOSED = "[closed]"

#: (pattern, replacement) applied to every reply of both sides before comparing.
NORMALISERS: list[tuple[re.Pattern[bytes], Callable[[re.Match[bytes]], bytes] | bytes]] = [
    # Postfix: "queued as 3F1B2C0A1D7": the id's shape is kept (length, hex or long-id form)
    (
        re.compile(rb"(queued as )([0-9A-Za-z]+)"),
        lambda m: m.group(1) + re.sub(rb"[0-9A-F]", b"H", re.sub(rb"[G-Zg-z]", b"L", m.group(2))),
    ),
    # sendmail: "0B5KJ3Xs012345 Message accepted for delivery"
    (re.compile(rb"\b[0-9A-Za-z]{14}( Message accepted)"), rb"QUEUEID\1"),
    # RFC 5322 dates (sendmail's banner): "Sun, 6 Dec 2026 20:01:50 +0000", or "... GMT" (the
    # obsolete zone name sendmail writes when the local zone is UTC)
    (
        re.compile(
            rb"(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d "
            rb"(?:[+-]\d{4}|GMT|UT)"
            rb"(?: \([A-Za-z]+\))?"
        ),
        rb"DATE",
    ),
]


def normalise(reply: bytes) -> bytes:
    for pattern, repl in NORMALISERS:
        reply = pattern.sub(repl, reply)
    return reply


@dataclass
class Played:
    """One side of one dialogue: the replies (raw), what each answered, whether it closed."""

    replies: list[bytes] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)  # the command line each reply answered
    step_of: list[int] = field(default_factory=list)  # the step each reply came after
    closed: bool = False
    error: str | None = None

    def keep(self, reply: bytes, asked: str, step: int) -> None:
        """One more reply: what it answered and the step it came after."""
        self.replies.append(reply)
        self.asked.append(asked)
        self.step_of.append(step)


class ReplyReader:
    """Complete replies from a stream: lines until one whose fourth byte is not a dash."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.eof = False
        self._lines: list[bytes] = []

    async def next_reply(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = await asyncio.wait_for(self.reader.readline(), left)
            except TimeoutError:
                return None
            except (ConnectionError, OSError):
                self.eof = True
                break
            if not line:
                self.eof = True
                break
            self._lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                reply, self._lines = b"".join(self._lines), []
                return reply
        if self._lines:  # a partial reply cut by the close
            reply, self._lines = b"".join(self._lines), []
            return reply
        return None


def _label(line: bytes) -> str:
    text = line.rstrip(b"\r\n")
    shown = repr(text)[2:-1]
    return shown if len(shown) <= 60 else shown[:57] + "..."


async def play(
    dialogue: Dialogue, host: str, port: int, bind: str | None, wait: float, settle: float
) -> Played:
    """Play ``dialogue`` on a fresh connection and collect every reply."""
    out = Played()
    try:
        reader, writer = await asyncio.open_connection(
            host, port, local_addr=(bind, 0) if bind else None
        )
    except OSError as exc:
        out.error = f"connect: {exc}"
        return out
    rr = ReplyReader(reader)

    async def collect(expected: list[str], step: int) -> None:
        for label in expected:
            reply = await rr.next_reply(wait)
            if reply is None:
                return
            out.keep(reply, label, step)

    async def settle_down(label: str, step: int) -> None:
        """Read replies nobody asked for until the server is quiet for ``settle`` s."""
        while not rr.eof:
            reply = await rr.next_reply(settle)
            if reply is None:
                return
            out.keep(reply, label, step)

    in_data = False
    await collect(["(greeting)"], -1)
    try:
        for i, step in enumerate(dialogue.steps):
            if rr.eof:
                break
            writer.write(step.data)
            await writer.drain()
            if step.body and in_data:
                expected = ["(end of data)"]
            else:
                expected = [_label(line) for line in step.lines]
            before = len(out.replies)
            await collect(expected, i)
            if step.body:
                # a line "." inside the body may have ended the message early: what followed
                # was read as commands, and their replies (or a close) are still coming
                await settle_down("(after the message)", i)
            got = out.replies[before:]
            in_data = bool(got) and got[-1][:3] == b"354"
        # whatever is still coming (replies to smuggled commands, a 421), then the close
        await settle_down("(unsolicited)", len(dialogue.steps))
    except (ConnectionError, OSError):
        rr.eof = True
    out.closed = rr.eof
    writer.close()
    with contextlib.suppress(ConnectionError, OSError):
        await writer.wait_closed()
    return out


@dataclass
class Difference:
    index: int  # dialogue
    step: int  # the step the reply came after (-1: the greeting)
    asked: str
    real: bytes
    sim: bytes

    @property
    def key(self) -> tuple[str, str, str]:
        verb = self.asked.split(" ")[0].split("\\t")[0].upper()[:24] if self.asked else "?"
        return verb, _head(self.real), _head(self.sim)


def _head(reply: bytes) -> str:
    if not reply:
        return "(nothing)"
    if reply == CLOSED.encode():
        return CLOSED
    last = reply.rstrip(b"\r\n").split(b"\n")[-1]
    words = last[4:].split(b" ", 1)
    code = last[:3].decode("ascii", "replace")
    if words and re.fullmatch(rb"[245]\.\d{1,3}\.\d{1,3}", words[0]):
        return f"{code} {words[0].decode()}"
    return code


def compare(real: Played, sim: Played, index: int) -> tuple[int, int, list[Difference]]:
    """(identical items, items, differences) of one dialogue. The two reply sequences (a
    close counts as one more item after the last reply) are aligned as a diff does
    (difflib), so one extra or missing reply costs one item, not every later one, and a
    reply that came a little later on one side still lines up."""
    a = [normalise(r) for r in real.replies] + ([CLOSED.encode()] if real.closed else [])
    b = [normalise(r) for r in sim.replies] + ([CLOSED.encode()] if sim.closed else [])
    qa = [*real.asked, "(close)"]
    qb = [*sim.asked, "(close)"]
    sa = [*real.step_of, 10**6]
    sb = [*sim.step_of, 10**6]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    diffs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            x = a[i] if i < i2 else b""
            y = b[j] if j < j2 else b""
            asked = qa[i] if i < i2 else qb[j]
            step = sa[i] if i < i2 else sb[j]
            diffs.append(Difference(index, step, asked, x, y))
    return same, max(len(a), len(b)), diffs


# -- the simulated side ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(
    scenario: Path, personality: str | None, hostname: str
) -> tuple[subprocess.Popen[bytes], int, Path]:
    text = scenario.read_text()
    if personality:
        text, n = re.subn(
            r'(?m)^personality\s*=\s*"[^"]*"', f'personality = "{personality}"', text, count=1
        )
        if n != 1:
            raise SystemExit(f"{scenario}: no `personality = ...` line to replace")
    tmp = Path(tempfile.mkdtemp(prefix="smtp-sim-conformance-")) / scenario.name
    tmp.write_text(text)
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "smtp_sim",
        "serve",
        str(tmp),
        "--listen",
        f"127.0.0.1:{port}={hostname}",
        "--quiet",
        "--no-messages",
        "--max-connections",
        "1000",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"smtp-sim serve exited: {err.strip()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
            time.sleep(0.3)  # (the probe connection's own session ends)
            return proc, port, tmp
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("smtp-sim serve did not start listening")


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: give HOST:PORT, e.g. 127.0.0.1:25")
    return host, int(port)


# -- the run ---------------------------------------------------------------------------------


async def run_all(args: argparse.Namespace, sim: tuple[str, int]) -> dict:
    grammar = Grammar(
        args.seed,
        Site(
            hostname=args.hostname,
            domain=args.domain,
            users=tuple(args.users.split(",")),
            lists=tuple(args.lists.split(",")) if args.lists else (),
        ),
    )
    indices = [args.only] if args.only is not None else list(range(args.count))
    dialogues = {i: grammar.dialogue(i) for i in indices}
    sem = asyncio.Semaphore(args.parallel)
    results: dict[int, tuple[Played, Played]] = {}

    async def one(i: int) -> None:
        async with sem:
            d = dialogues[i]
            real, simulated = await asyncio.gather(
                play(d, *args.real, args.bind, args.wait, args.settle),
                play(d, *sim, args.bind, args.wait, args.settle),
            )
            results[i] = (real, simulated)

    await asyncio.gather(*(one(i) for i in indices))
    return {"dialogues": dialogues, "results": results}


def report(args: argparse.Namespace, played: dict) -> dict:
    dialogues: dict[int, Dialogue] = played["dialogues"]
    results: dict[int, tuple[Played, Played]] = played["results"]
    total = same = whole = 0
    classes: dict[tuple[str, str, str], list[Difference]] = {}
    errors = []
    for i in sorted(results):
        real, sim = results[i]
        if real.error or sim.error:
            errors.append((i, real.error, sim.error))
            continue
        s, n, diffs = compare(real, sim, i)
        same += s
        total += n
        whole += not diffs
        for diff in diffs:
            classes.setdefault(diff.key, []).append(diff)
    counted = len(results) - len(errors)
    rate = same / total if total else 0.0
    print(
        f"real {args.real[0]}:{args.real[1]}  vs  smtp-sim serve "
        f"({args.personality or 'the scenario personality'}), seed {args.seed}"
    )
    print(f"dialogues: {counted}   identical end to end: {whole} ({whole / max(counted, 1):.1%})")
    print(f"replies: {total}   identical: {same}   identical-reply rate: {rate:.2%}")
    for i, e1, e2 in errors[:5]:
        print(f"  dialogue {i}: could not play: real={e1} sim={e2}")
    ordered = sorted(classes.items(), key=lambda kv: -len(kv[1]))
    print(f"\n{len(ordered)} classes of differences (most frequent first):")
    for n, (key, diffs) in enumerate(ordered, 1):
        verb, r, s = key
        print(
            f"\n[{n}] {verb}: real {r} / sim {s}   ({len(diffs)} replies, "
            f"{len({d.index for d in diffs})} dialogues)"
        )
        if n > args.show:
            continue
        best = min(
            diffs,
            key=lambda d: (
                min(d.step, 10**5),
                len(dialogues[d.index].steps),
                len(dialogues[d.index].text()),
            ),
        )
        upto = best.step + 1 if best.step < 10**6 else len(dialogues[best.index].steps)
        print(f"  dialogue {best.index} (--only {best.index}), up to the difference:")
        print(dialogues[best.index].text(upto))
        print(f"  asked:  {best.asked}")
        print(f"  real:   {_shown(best.real)}")
        print(f"  sim:    {_shown(best.sim)}")
    return {
        "seed": args.seed,
        "personality": args.personality,
        "dialogues": counted,
        "identical_dialogues": whole,
        "replies": total,
        "identical_replies": same,
        "rate": rate,
        "classes": [
            {"verb": k[0], "real": k[1], "sim": k[2], "replies": len(v), "example": v[0].index}
            for k, v in ordered
        ],
    }


def _shown(reply: bytes) -> str:
    text = repr(reply)[2:-1]
    return text if len(text) <= 300 else text[:280] + "..."


def transcript(d: Dialogue, side: Played) -> str:
    """The dialogue as the server answered it: C: client lines, S: replies, in order."""
    out = []
    by_step: dict[int, list[bytes]] = {}
    for step, reply in zip(side.step_of, side.replies, strict=True):
        by_step.setdefault(step, []).append(reply)
    for reply in by_step.get(-1, []):
        out.extend("S: " + x for x in _lines(reply))
    for i, step in enumerate(d.steps):
        for line in step.lines:
            out.append(("C: " if not step.body else "C| ") + repr(line)[2:-1])
        for reply in by_step.get(i, []):
            out.extend("S: " + x for x in _lines(reply))
    for reply in by_step.get(len(d.steps), []):
        out.extend("S: " + x for x in _lines(reply))
    if side.closed:
        out.append("S: " + CLOSED)
    return "\n".join(out) + "\n"


def _lines(reply: bytes) -> list[str]:
    return [repr(x)[2:-1] for x in reply.split(b"\r\n") if x]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--real",
        type=_hostport,
        default=("127.0.0.1", 25),
        metavar="HOST:PORT",
        help="the real server (default 127.0.0.1:25)",
    )
    ap.add_argument(
        "--sim",
        type=_hostport,
        metavar="HOST:PORT",
        help="a running smtp-sim serve (default: start one from --scenario)",
    )
    ap.add_argument(
        "--scenario",
        type=Path,
        default=DEFAULT_SCENARIO,
        help="the scenario serve runs (default conformance/scenarios/postfix.toml)",
    )
    ap.add_argument(
        "--personality",
        default=None,
        help="written into the scenario's first MTA (default: the scenario's own)",
    )
    ap.add_argument(
        "--hostname",
        default="mail.cs.tcd.ie",
        help="the simulated server to reach, and the name dialogues use for it",
    )
    ap.add_argument("--domain", default="cs.tcd.ie", help="its mail domain (in addresses)")
    ap.add_argument("--users", default="alice,bob", help="its users (comma-separated)")
    ap.add_argument("--lists", default="staff", help="its aliases/lists (comma-separated)")
    ap.add_argument(
        "--bind",
        default="127.0.0.5",
        help="the client address for both (default 127.0.0.5, a stranger)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000, help="dialogues (default 1000)")
    ap.add_argument("--only", type=int, metavar="I", help="play dialogue I alone, show both")
    ap.add_argument("--parallel", type=int, default=12, help="dialogues at once (default 12)")
    ap.add_argument(
        "--wait",
        type=float,
        default=4.0,
        help="seconds to wait for each expected reply (Postfix sleeps 1 s per "
        "reply past smtpd_soft_error_limit)",
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=0.4,
        help="seconds to wait for unexpected replies after the last step",
    )
    ap.add_argument("--show", type=int, default=60, help="classes shown with an example")
    ap.add_argument("--json", type=Path, help="write the figures and classes as JSON here")
    ap.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help="write each dialogue's real transcript to DIR/NNNN.txt",
    )
    args = ap.parse_args(argv)

    proc = None
    if args.sim is None:
        proc, port, _ = start_serve(args.scenario, args.personality, args.hostname)
        sim = ("127.0.0.1", port)
    else:
        sim = args.sim
    try:
        played = asyncio.run(run_all(args, sim))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
    if args.only is not None:
        d = played["dialogues"][args.only]
        real, simulated = played["results"][args.only]
        print(f"--- real ({args.real[0]}:{args.real[1]})")
        print(transcript(d, real), end="")
        print(f"--- smtp-sim ({args.personality})")
        print(transcript(d, simulated), end="")
    figures = report(args, played)
    if args.record:
        args.record.mkdir(parents=True, exist_ok=True)
        for i, (real, _) in played["results"].items():
            (args.record / f"{i:04d}.txt").write_text(transcript(played["dialogues"][i], real))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
