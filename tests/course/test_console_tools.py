"""/base64 and /dns: the console's tools beside telnet, and their refusals."""

from __future__ import annotations

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.session import LessonSession


def _session() -> LessonSession:
    return LessonSession(load_lesson("open-relay"))


def test_base64_encodes_with_nul_bytes_and_decodes() -> None:
    session = _session()
    assert session.enter("/base64 \\0alice\\0wonderland") == (
        'base64 of "\\0alice\\0wonderland" (17 bytes): AGFsaWNlAHdvbmRlcmxhbmQ='
    )
    assert session.enter("/base64 -d VXNlcm5hbWU6") == (
        'VXNlcm5hbWU6 decodes to "Username:" (9 bytes)'
    )
    assert session.enter("/base64 -d AGFsaWNlAHdvbmRlcmxhbmQ=").startswith(
        'AGFsaWNlAHdvbmRlcmxhbmQ= decodes to "\\0alice\\0wonderland"'
    )
    assert session.enter("/base64 a b") == 'base64 of "a b" (3 bytes): YSBi'


def test_base64_refuses_what_it_cannot_do_with_the_form() -> None:
    session = _session()
    assert session.enter("/base64").startswith("/base64 needs a text; /base64 TEXT")
    assert session.enter("/base64 \\n").startswith("/base64: unknown escape \\n")
    assert session.enter("/base64 -d ab!c").startswith("/base64 -d: 'ab!c' is not base64")


def test_dns_shows_and_publishes_txt_records_the_checks_then_read() -> None:
    session = LessonSession(load_lesson("open-relay"))
    world = session.world
    assert session.enter("/dns txt crepes.fr") == "TXT crepes.fr: no record"
    said = session.enter('/dns txt crepes.fr "v=spf1 ip4:192.0.2.25 -all"')
    assert said == 'TXT crepes.fr published: "v=spf1 ip4:192.0.2.25 -all"'
    assert world.resolver.lookup("x", "TXT", "crepes.fr") == ["v=spf1 ip4:192.0.2.25 -all"]
    # a second SPF record would make SPF a permerror (RFC 7208 section 4.5): it replaces
    said = session.enter("/dns txt CREPES.FR. v=spf1 mx -all")
    assert said.endswith('"v=spf1 mx -all" (instead of "v=spf1 ip4:192.0.2.25 -all")')
    session.enter('/dns txt crepes.fr "hello"')
    assert session.enter("/dns txt crepes.fr") == 'TXT crepes.fr: "v=spf1 mx -all"; "hello"'
    assert any("TXT crepes.fr published" in r.summary for r in world.trace)


def test_dns_refuses_other_types_and_a_missing_name() -> None:
    session = _session()
    assert session.enter("/dns mx crepes.fr").startswith(
        "/dns: only TXT records are looked at or published here (not MX"
    )
    assert session.enter("/dns txt").startswith("/dns txt needs a domain name")


def test_check_reports_a_solution_line_the_tools_refuse(tmp_path, capsys) -> None:
    from smtp_sim.cli import main

    path = tmp_path / "tools.toml"
    path.write_text(
        """
id = "tools"
title = "Tools"
summary = "s"
scenario = "press-send-net"
[[steps]]
id = "one"
title = "One"
text = "t"
solution = ["/base64 -d !!", "/dns aaaa crepes.fr", "/base64 \\\\0a"]
checks = [{ kind = "connected", host = "smtp.crepes.fr", port = 25 }]
"""
    )
    assert main(["check", str(path)]) == 2
    problems = capsys.readouterr().err.splitlines()
    assert any("steps[0].solution[0]" in p and "is not base64" in p for p in problems)
    assert any("steps[0].solution[1]" in p and "only TXT records" in p for p in problems)
    assert not any("steps[0].solution[2]" in p for p in problems)


def test_an_invalid_spf_record_is_published_with_a_warning_and_the_step_points_at_it():
    # walkB, mail-auth step 6: "v=spf1 ip4:192.0.2.25 198.18.30.25 -all" (an address with no
    # mechanism) was published silently, and the Not yet named only the missing header.
    from test_not_yet import notes, solved_through

    session = solved_through("mail-auth", 5)
    said = session.enter('/dns txt crepes.fr "v=spf1 ip4:192.0.2.25 198.18.30.25 -all"')
    assert said is not None and "not valid SPF" in said and '"198.18.30.25"' in said, said
    assert "ip4:198.18.30.25" in said and "permerror" in said and "RFC 7208" in said
    session.enter("/send news@crepes.fr bob@cs.tcd.ie Crepe of the month")
    session.enter("/wait 30s")
    last = [n for n in notes(session) if n.startswith("Not yet")][-1]
    assert "spf=permerror" in last and "not valid SPF" in last, last
    good = session.enter('/dns txt crepes.fr "v=spf1 ip4:192.0.2.25 ip4:198.18.30.25 -all"')
    assert good is not None and "not valid" not in good
