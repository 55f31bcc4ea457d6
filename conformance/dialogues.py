"""Seeded random SMTP dialogues from a small grammar, for the differential harness.

A :class:`Dialogue` is a list of :class:`Step` s; a step is the bytes one ``send()`` puts on the
wire: one command line, a pipelined group of lines, or a message body ending with its dot.
Dialogue ``i`` of seed ``s`` depends on ``(s, i)`` only, so any one of them can be replayed
alone (``harness.py --only I``).

The grammar covers (issue 13): HELO/EHLO with and without names, MAIL/RCPT with valid, odd and
hostile addresses, ESMTP parameters, DATA bodies with dot-stuffing, RSET, NOOP, VRFY, EXPN,
HELP, DEBUG, STARTTLS, AUTH, ETRN, unknown verbs, empty lines, NUL and non-UTF-8 bytes,
over-long lines, commands out of order, pipelined groups, QUIT with arguments.

Addresses name the reference configuration (mail.cs.tcd.ie, cs.tcd.ie, alice, bob, staff):
``--domain`` and ``--users`` of the harness change them for another server.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    data: bytes
    body: bool = False  # message content sent after a 354 (ends with its final dot)

    @property
    def lines(self) -> list[bytes]:
        """The command lines of the step (LF-terminated pieces, CR kept)."""
        return [line + b"\n" for line in self.data.split(b"\n")[:-1]]


@dataclass
class Dialogue:
    index: int
    steps: list[Step] = field(default_factory=list)

    def text(self, upto: int | None = None) -> str:
        """The client side, one line per command line, control bytes shown escaped."""
        out = []
        for step in self.steps[:upto]:
            prefix = "  body " if step.body else "  "
            pieces = step.lines
            if len(pieces) > 1 and not step.body:
                out.append("  (pipelined group:)")
            for piece in pieces:
                out.append(prefix + _show(piece))
        return "\n".join(out)


def _show(line: bytes) -> str:
    shown = repr(line)[2:-1]
    return shown if len(shown) <= 120 else f"{shown[:100]}...({len(line)} bytes)"


@dataclass(frozen=True)
class Site:
    """The names dialogues use: the server's domain, its users and list, and its own name."""

    hostname: str = "mail.cs.tcd.ie"
    domain: str = "cs.tcd.ie"
    users: tuple[str, ...] = ("alice", "bob")
    lists: tuple[str, ...] = ("staff",)
    ip: str = "127.0.0.1"


class Grammar:
    """Draws dialogues. Every choice goes through ``self.rng``."""

    def __init__(self, seed: int, site: Site = Site()) -> None:
        self.seed = seed
        self.site = site
        self.rng = random.Random(0)

    def dialogue(self, index: int) -> Dialogue:
        self.rng = random.Random(f"{self.seed}:{index}")
        r = self.rng
        d = Dialogue(index)
        if r.random() < 0.75:
            d.steps.append(self.line(self.greeting()))
        for _ in range(r.randint(1, 7)):
            roll = r.random()
            if roll < 0.35:
                d.steps.extend(self.transaction())
            elif roll < 0.45:
                d.steps.append(self.pipelined_group())
            else:
                d.steps.append(self.line(self.command()))
        if r.random() < 0.7:
            d.steps.append(self.line(self.quit()))
        return d

    # -- pieces -----------------------------------------------------------------------------

    def eol(self) -> bytes:
        return b"\n" if self.rng.random() < 0.04 else b"\r\n"

    def line(self, text: str | bytes) -> Step:
        raw = text.encode("utf-8") if isinstance(text, str) else text
        return Step(raw + self.eol())

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def greeting(self) -> str:
        r = self.rng
        verb = r.choice(["EHLO", "EHLO", "EHLO", "HELO", "HELO", "ehlo", "helo", "Ehlo"])
        name = r.choice(
            [
                "client.example.net",
                "client.example.net",
                "[127.0.0.5]",
                "",
                "x",
                "FooBar",
                "foo bar",
                "localhost",
                self.site.hostname,
                "[1.2.3.4]",
                "-bad-",
                "a_b.example",
                "example.net.",
                "xn--bcher-kva.example",
                "bücher.example",
                "[IPv6:::1]",
            ]
        )
        sep = r.choice([" ", " ", " ", "  ", "\t"])
        return f"{verb}{sep}{name}" if name else verb

    def local_address(self) -> str:
        r = self.rng
        user = r.choice(
            [
                *self.site.users,
                *self.site.users,
                *self.site.lists,
                "postmaster",
                "carol",
                "Alice",
                "nobody-here",
            ]
        )
        return f"{user}@{self.site.domain}"

    def address(self) -> str:
        """A path as written after FROM: or TO: (brackets included or not)."""
        r = self.rng
        d = self.site.domain
        u = r.choice(self.site.users)
        roll = r.random()
        if roll < 0.4:
            return f"<{self.local_address()}>"
        if roll < 0.55:
            return r.choice(["<carol@example.org>", "<dave@example.net>", "<s@example.net>"])
        if roll < 0.85:  # odd but maybe fine
            return r.choice(
                [
                    "<>",
                    f"{u}@{d}",
                    "< s@example.net >",
                    "<a@b@example.net>",
                    f'<"{u}"@{d}>',
                    f"<{u}>",
                    f"{u}",
                    f"<@relay.example.org:{u}@{d}>",
                    f"<{u}+tag@{d}>",
                    f"<{u}@localhost>",
                    f"<{u}@[{self.site.ip}]>",
                    f"<{u}@[127.0.0.9]>",
                    f"<{'x' * 70}@example.net>",
                    f"<{u}@{'l' * 70}.example.net>",
                    f"<carol%example.org@{d}>",
                    f"<example.org!carol@{d}>",
                    f"<{u}@{d}",
                    f"Alice <{u}@{d}>",
                    "<ünïcødé@example.net>",
                    f"<{u}@exa mple.net>",
                    f"<{u}@.example.net>",
                    f"<{u}@{d.upper()}>",
                    f"<{u}.@{d}>",
                    f"<.{u}@{d}>",
                    f"<{u}..x@{d}>",
                    f"<{u}@{d}.>",
                    "<postmaster>",
                    "<POSTMASTER>",
                    f"<{u}@{d}>>",
                    f"<<{u}@{d}>",
                    f"<{u} @{d}>",
                    f"<{u}@{self.site.hostname}>",
                    f'<"a b"@{d}>',
                    f"<{u}@123.45.67.89>",
                    "<@>",
                    "<x@>",
                    "<@example.net>",
                ]
            )
        return r.choice(
            [  # hostile
                f"<|/bin/sh -c 'id'@{d}>",
                "<../../etc/passwd>",
                "<'; DROP TABLE users;--@x.org>",
                "<%s%s%s%n@example.net>",
                f"<{'a' * 300}@example.net>",
                f"<{u}@{d}>\x00",
                f"<{u}\x01@{d}>",
                "<$(reboot)@example.net>",
                f"<{u}@{d}>" + " " * 3,
                f"<{'b' * 40}@{'c' * 60}.{'d' * 60}.{'e' * 60}.{'f' * 60}.example.net>",
            ]
        )

    def params(self, rcpt: bool) -> str:
        r = self.rng
        if r.random() < 0.65:
            return ""
        if rcpt:
            pool = [
                "NOTIFY=SUCCESS,FAILURE",
                "NOTIFY=NEVER",
                "NOTIFY=BAD",
                f"ORCPT=rfc822;bob@{self.site.domain}",
                "ORCPT=bad",
                "XFOO=1",
                "SIZE=10",
            ]
        else:
            pool = [
                "SIZE=1000",
                "SIZE=999999999",
                "SIZE=abc",
                "SIZE=",
                "SIZE",
                "BODY=8BITMIME",
                "BODY=7BIT",
                "BODY=BINARYMIME",
                "BODY=foo",
                "RET=HDRS",
                "RET=FULL",
                "RET=bad",
                "ENVID=abc123",
                "SMTPUTF8",
                "AUTH=<>",
                "XFOO=bar",
                "size=500",
                "SIZE=1000 BODY=8BITMIME",
                "SIZE=10 SIZE=20",
            ]
        return " " + r.choice(pool)

    def mail(self) -> str:
        r = self.rng
        form = r.choice(
            ["MAIL FROM:"] * 6
            + [
                "mail from:",
                "MAIL FROM: ",
                "MAIL  FROM:",
                "MAIL FROM ",
                "MAIL\tFROM:",
                "MAIL TO:",
                "MAIL ",
            ]
        )
        if r.random() < 0.04:
            return r.choice(["MAIL", "MAIL FROM:", "MAIL FROM"])
        return form + self.address() + self.params(False)

    def rcpt(self) -> str:
        r = self.rng
        form = r.choice(["RCPT TO:"] * 6 + ["rcpt to:", "RCPT TO: ", "RCPT FROM:", "RCPT TO "])
        if r.random() < 0.04:
            return r.choice(["RCPT", "RCPT TO:", "RCPT TO"])
        return form + self.address() + self.params(True)

    def body(self) -> Step:
        r = self.rng
        lines = [b"Subject: test", b""]
        for _ in range(r.randint(0, 5)):
            lines.append(
                r.choice(
                    [
                        b"Hello.",
                        b"..leading dot, stuffed",
                        b".",
                        b"..",
                        b"...",
                        b" .",
                        b"",
                        "8bit: caf\u00e9".encode(),
                        b"\xff\xfe raw bytes",
                        b"x" * 1200,
                        b"tab\there",
                        b"NUL\x00inside",
                        b"QUIT",
                        b"From: someone",
                        b"x" * 2100,
                    ]
                )
            )
        data = b"\r\n".join(lines) + b"\r\n"
        roll = r.random()
        if roll < 0.06:  # bare LF line ends inside the content
            data = data.replace(b"\r\n", b"\n", 1) + b"bare\nLF\r\n"
        elif roll < 0.1:  # SMTP smuggling attempt: <LF>.<LF> then a command
            data += b"\n.\nRSET\r\n"
        elif roll < 0.13:
            data += b"\r\n.\n"  # <CR><LF>.<LF>
        return Step(data + b".\r\n", body=True)

    def transaction(self) -> list[Step]:
        r = self.rng
        steps = [self.line(self.mail())]
        for _ in range(r.choice([0, 1, 1, 1, 2, 3])):
            steps.append(self.line(self.rcpt()))
        steps.append(self.line(r.choice(["DATA"] * 8 + ["data", "DATA x"])))
        steps.append(self.body())
        return steps

    def pipelined_group(self) -> Step:
        r = self.rng
        cmds = [self.mail()] + [self.rcpt() for _ in range(r.randint(0, 3))]
        if r.random() < 0.3:
            cmds.insert(0, r.choice(["RSET", "NOOP", self.greeting()]))
        if r.random() < 0.3:
            cmds.append(r.choice(["NOOP", "VRFY alice", "RSET"]))
        eol = self.eol()
        return Step(b"".join(c.encode() + eol for c in cmds))

    def command(self) -> str | bytes:
        r = self.rng
        d = self.site.domain
        u = r.choice(self.site.users)
        roll = r.random()
        if roll < 0.12:
            return self.greeting()
        if roll < 0.22:
            return self.mail()
        if roll < 0.32:
            return self.rcpt()
        if roll < 0.37:
            return r.choice(["DATA", "DATA", "data", "DATA now"])
        if roll < 0.45:
            return r.choice(
                [
                    "RSET",
                    "RSET",
                    "rset",
                    "RSET x",
                    "NOOP",
                    "NOOP",
                    "noop",
                    "NOOP hello there",
                    b"NOOP\x00",
                    "NOOP\t",
                    "NOOP h\u00e9llo",
                ]
            )
        if roll < 0.55:
            arg = r.choice(
                [
                    u,
                    f"{u}@{d}",
                    f"<{u}@{d}>",
                    "carol",
                    f"carol@{d}",
                    "carol@example.org",
                    "staff",
                    "postmaster",
                    "",
                    "root",
                    "<carol@example.org>",
                    f"{u} extra",
                    f"{u.upper()}",
                    "\u00fcser@example.net",
                ]
            )
            verb = r.choice(["VRFY", "VRFY", "EXPN", "vrfy"])
            return f"{verb} {arg}" if arg else verb
        if roll < 0.62:
            return r.choice(
                [
                    "HELP",
                    "HELP",
                    "HELP MAIL",
                    "HELP foo",
                    "help",
                    "DEBUG",
                    "WIZ",
                    "DEBUG x",
                    "TURN",
                    "SEND FROM:<x@y.z>",
                    "SOML FROM:<x@y.z>",
                    "SAML FROM:<x@y.z>",
                    "VERB",
                    "XCLIENT NAME=x",
                    "XFORWARD NAME=x",
                    "BDAT 10 LAST",
                    "ONEX",
                    "X-EXPS",
                    "XUSR",
                ]
            )
        if roll < 0.7:
            return r.choice(
                [
                    "STARTTLS",
                    "STARTTLS x",
                    "AUTH PLAIN AGFsaWNlAHNlY3JldA==",  # alice, secret: a wrong password
                    "AUTH PLAIN AGFsaWNlAHBhc3N3b3Jk",  # alice, password: setup_postfix_auth's
                    "AUTH plain AGFsaWNlAHBhc3N3b3Jk",
                    "AUTH PLAIN",
                    "AUTH PLAIN =",
                    "AUTH PLAIN !!notbase64",
                    "AUTH LOGIN",
                    "AUTH LOGIN YWxpY2U=",
                    "AUTH CRAM-MD5",
                    "AUTH",
                    f"ETRN {d}",
                    "ETRN",
                    "ETRN example.org",
                    "ETRN @example.org",
                    "ETRN #queue",
                    "starttls",
                ]
            )
        if roll < 0.8:
            return r.choice(
                [
                    "",
                    " ",
                    "   ",
                    "\t",
                    ".",
                    ".foo",
                    "..",
                    "1NOOP",
                    "<alice@cs.tcd.ie>",
                    "-",
                    "*",
                    "GET / HTTP/1.0",
                    "POST /x HTTP/1.1",
                    "Subject: hi",
                    "From: x",
                    "Received: from x",
                    "To: y",
                    "X-Header: z",
                    "FOO",
                    "FOO bar",
                    "HELLO",
                    "MAILFROM:<x@y.z>",
                    "RCPTTO:<x@y.z>",
                    "EHLO\x00",
                    "QUITX",
                ]
            )
        if roll < 0.9:
            return r.choice(
                [
                    b"\x00",
                    b"NOOP \xff\xfe",
                    b"\xff\xfe\xfd",
                    b"MAIL FROM:<\xe9@example.net>",
                    b"VRFY \xc3\xa9",
                    b"\x1b[2J",
                    b"NO\x00OP",
                    b"HELO \xff",
                    b"\x7f",
                    "NOOP \u2603".encode(),
                    b"RSET\r",
                    b"NOOP\rNOOP",
                ]
            )
        n = r.choice([600, 1100, 2040, 2046, 2047, 2048, 2100, 3000, 5000])
        verb = r.choice(["NOOP ", "HELO ", "MAIL FROM:<", "RCPT TO:<", "VRFY ", "X", ""])
        return (verb + "a" * n)[:n]

    def quit(self) -> str:
        return self.pick("QUIT", "QUIT", "QUIT", "quit", "QUIT now", "QUIT\t", "QUIT ")
