"""UserAgent.compose writes simple messages without the email package: the bytes must be exactly
the ones EmailMessage writes, and anything not simple must go to the email package."""

from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from hypothesis import example, given, settings
from hypothesis import strategies as st
from small_world import build

from smtp_sim.world.agent import compose_plain


def stdlib(sender, to, cc, subject, date, message_id, body) -> bytes:
    """UserAgent.compose's email-package path for a message without attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def check(sender, to, cc, subject, date, message_id, body) -> bool:
    """Same bytes when the fast path answers (and no answer where the email package raises);
    returns whether it answered."""
    fast = compose_plain(sender, to, cc, subject, date, message_id, body)
    try:
        slow = stdlib(sender, to, cc, subject, date, message_id, body)
    except Exception:
        assert fast is None
        return False
    if fast is not None:
        assert fast == slow
    return fast is not None


DATE = "Mon, 05 Jan 2026 09:00:00 +0000"
atoms = st.text("abcXYZ019_+-", min_size=1, max_size=8)
dot_atoms = st.lists(atoms, min_size=1, max_size=3).map(".".join)
near_atoms = st.text('abcXYZ019_+-."()<>@,;:\\[] \t=?é', min_size=0, max_size=10)
addresses = st.one_of(
    st.builds("{}@{}".format, dot_atoms, dot_atoms),
    st.builds("{}@{}".format, near_atoms, near_atoms),
    near_atoms,
)
names = st.one_of(
    st.just(""), st.text("abXY01 ", max_size=12), st.text('abXY01 .,"()<>é', max_size=12)
)
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=90)
texts = st.one_of(
    printable,
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "hi  there",
            " lead",
            "trail ",
            "=?utf-8?q?x?=",
            "a=?b",
            "(comment)",
            "x" * 70,
            "x" * 69,
            "x " * 40,
            "Re: [list] 100% done; ok?",
            "tab\there",
            "new\nline",
        ]
    ),
)
bodies = st.one_of(
    st.text(max_size=200),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=300),
    st.lists(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=85), max_size=6
    ).map("\n".join),
    st.sampled_from(
        [
            "",
            "\n",
            "\r\n",
            "a\rb",
            "x" * 78,
            "x" * 79 + "\n",
            "\n\n\nend",
            ".\n..\nFrom me\n",
            "no newline at the end",
            "caf\u00e9\n",
        ]
    ),
)


@settings(max_examples=1500, deadline=None)
@given(
    names,
    addresses,
    st.lists(addresses, max_size=3),
    st.lists(addresses, max_size=2),
    texts,
    st.builds("<{}@{}>".format, dot_atoms, dot_atoms),
    bodies,
)
@example(
    "Alice Liddell",
    "alice@crepes.fr",
    ["bob@cs.tcd.ie"],
    [],
    "Hi",
    "<m1.pc@crepes.fr>",
    "Hello Bob,\nsee you.\n",
)
def test_fast_path_writes_the_email_packages_bytes(name, address, to, cc, subject, msgid, body):
    try:
        sender = formataddr((name, address)) if name else address
    except UnicodeError:  # UserAgent.compose raises here too, before either path
        return
    check(sender, to, cc, subject, DATE, msgid, body)


# The same, drawn mostly from inside the fast path's domain, near its edges.
words = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
simple_names = st.one_of(
    st.just(""),
    st.lists(st.text("abXY01", min_size=1, max_size=6), min_size=1, max_size=3).map(" ".join),
)
simple_addresses = st.builds("{}@{}".format, dot_atoms, dot_atoms)
simple_subjects = st.lists(words, min_size=1, max_size=8).map(" ".join)
simple_bodies = st.lists(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80), max_size=8
).flatmap(lambda lines: st.sampled_from(["\n", "\r\n", "\r"]).map(lambda nl: nl.join(lines)))


@settings(max_examples=1500, deadline=None)
@given(
    simple_names,
    simple_addresses,
    st.lists(simple_addresses, min_size=1, max_size=3),
    st.lists(simple_addresses, max_size=2),
    simple_subjects,
    st.builds("<{}@{}>".format, dot_atoms, dot_atoms),
    simple_bodies,
)
def test_fast_path_inside_its_domain(name, address, to, cc, subject, msgid, body):
    sender = formataddr((name, address)) if name else address
    check(sender, to, cc, subject, DATE, msgid, body)


def test_the_common_case_takes_the_fast_path():
    assert check(
        "Alice Liddell <alice@crepes.fr>",
        ["bob@cs.tcd.ie", "carol@example.org"],
        ["dave@example.org"],
        "Lab report 7",
        DATE,
        "<m7.pc.crepes.fr@crepes.fr>",
        "Dear Bob,\n\nthe notes.\n",
    )
    assert check("alice@crepes.fr", ["bob@cs.tcd.ie"], None, "x", DATE, "<m1.h@d>", "")


def test_headers_at_and_beyond_the_folding_limit():
    for extra in range(60, 75):
        check(
            "a@b.c",
            ["bob@cs.tcd.ie"],
            None,
            "word " * (extra // 5) + "x" * (extra % 5),
            DATE,
            "<m1.h@d>",
            "b\n",
        )
    long_to = [f"user{i}@example.org" for i in range(5)]
    assert not check("a@b.c", long_to, None, "s", DATE, "<m1.h@d>", "b\n")


def test_dates_from_any_start_and_offset():
    for tz in (UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))):
        for seconds in (0, 59.9, 86399, 3.5e6):
            date = format_datetime(datetime(2026, 1, 5, 9, tzinfo=tz) + timedelta(seconds=seconds))
            assert check("a@b.c", ["d@e.f"], None, "s", date, "<m1.h@d>", "b\n")
    naive = format_datetime(datetime(2026, 1, 5, 9))  # "-0000"
    check("a@b.c", ["d@e.f"], None, "s", naive, "<m1.h@d>", "b\n")
    # A weekday that does not match the date is rewritten by the email package: not fast.
    assert (
        compose_plain(
            "a@b.c", ["d@e.f"], None, "s", "Tue, 05 Jan 2026 09:00:00 +0000", "<m1.h@d>", "b\n"
        )
        is None
    )


def test_user_agent_compose_matches_the_email_package_in_a_world():
    w = build()
    agent = w.agents["alice@crepes.fr"]
    for subject, body, kwargs in (
        ("plain", "Hello\n", {}),
        ("with cc", "Hello\n", {"cc": ["carol@example.org"]}),
        ("caf\u00e9", "accents \u00e9\n", {}),
        ("qp", "Hello\n", {"transfer_encoding": "quoted-printable"}),
    ):
        got = agent.compose(["bob@cs.tcd.ie"], subject, body, message="m9", **kwargs)
        msg = EmailMessage()
        msg["From"] = "Alice Liddell <alice@crepes.fr>"
        msg["To"] = "bob@cs.tcd.ie"
        if kwargs.get("cc"):
            msg["Cc"] = ", ".join(kwargs["cc"])
        msg["Subject"] = subject
        msg["Date"] = w.date_text()
        msg["Message-ID"] = "<m9.pc.crepes.fr@crepes.fr>"
        msg.set_content(body, cte=kwargs.get("transfer_encoding"))
        assert got == msg.as_bytes(policy=SMTP)
