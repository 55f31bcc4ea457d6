"""The value types of scenario files: durations, host names, addresses, IPv4, personalities.

Each validator raises :func:`problems.invalid_value` with what was wrong and what was
expected, which becomes one problem line ``FILE:LINE: KEYPATH: MESSAGE (expected ...)``.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from ..protocol.address import Address
from ..protocol.personalities import PERSONALITIES
from ..world.values import DURATION_HELP, parse_duration
from .problems import invalid_value

# -- durations (the parsing itself: world/values.py, free of pydantic for the fault module) --


def _duration(value: object) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise invalid_value(str(exc), DURATION_HELP) from None


# -- value types -------------------------------------------------------------------------------

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


def _host_name(value: str) -> str:
    name = value.lower().rstrip(".")
    if not _HOST_RE.match(name):
        raise invalid_value(
            f"{value!r} is not a host name", "letters, digits, '-' and dots, like smtp.crepes.fr"
        )
    return name


# A DNS name that is no host's: TXT records live at _dmarc.DOMAIN and SEL._domainkey.DOMAIN
_DNS_LABEL = r"_?[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?"
_DNS_NAME_RE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})*$")


def _dns_name(value: str) -> str:
    name = value.lower().rstrip(".")
    if not _DNS_NAME_RE.match(name):
        raise invalid_value(
            f"{value!r} is not a DNS name",
            "labels of letters, digits, '-' (and '_'), like _dmarc.crepes.fr",
        )
    return name


def _dns_label(value: str) -> str:
    if not re.match(rf"^{_LABEL}$", value.lower()):
        raise invalid_value(f"{value!r} is not a DNS label", "letters, digits and '-', like mail")
    return value.lower()


def _dkim_private_key(value: str) -> str:
    from ..world.mail_auth import valid_private_key

    if not valid_private_key(value):
        raise invalid_value(
            "not an Ed25519 private key",
            "the base64 of a 32-byte Ed25519 seed, as `dknewkey --ktype ed25519` writes it",
        )
    return "".join(value.split())


def _ipv4(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise invalid_value(
            f"{value!r} is not an IPv4 address", "four numbers 0-255 like 192.0.2.25"
        ) from None


def _parse_address(value: str) -> Address:
    try:
        return Address.parse(value.strip())
    except ValueError as exc:
        raise invalid_value(
            f"{value!r} is not a mail address: {exc}", "an address like bob@cs.tcd.ie"
        ) from None


def _mail_address(value: str) -> str:
    address = _parse_address(value)
    if address.domain is None:
        raise invalid_value(f"{value!r} has no domain", "an address like bob@cs.tcd.ie")
    return f"{address.local}@{address.domain.lower()}"


def _address_or_local(value: str) -> str:
    address = _parse_address(value)
    return str(address) if address.domain is None else f"{address.local}@{address.domain.lower()}"


def _personality(value: str) -> str:
    if value not in PERSONALITIES:
        raise invalid_value(f"unknown personality {value!r}", f"one of: {', '.join(PERSONALITIES)}")
    return value


def _content_type(value: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$", value.lower()):
        raise invalid_value(f"{value!r} is not a content type", "type/subtype like image/gif")
    return value.lower()


def _scenario_id(value: str) -> str:
    if not re.match(r"^[a-z0-9][a-z0-9._-]*$", value):
        raise invalid_value(f"{value!r} is not an id", "lower-case letters, digits, '.', '_', '-'")
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(_duration)]
HostName = Annotated[str, AfterValidator(_host_name)]
IPv4 = Annotated[str, AfterValidator(_ipv4)]
DnsName = Annotated[str, AfterValidator(_dns_name)]
DnsLabel = Annotated[str, AfterValidator(_dns_label)]
DkimPrivateKey = Annotated[str, AfterValidator(_dkim_private_key)]
MailAddress = Annotated[str, AfterValidator(_mail_address)]
AddressOrLocal = Annotated[str, AfterValidator(_address_or_local)]
AddressList = Annotated[list[MailAddress], BeforeValidator(_listify)]
PersonalityId = Annotated[str, AfterValidator(_personality)]
ContentType = Annotated[str, AfterValidator(_content_type)]
ScenarioId = Annotated[str, AfterValidator(_scenario_id)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class SpecModel(BaseModel):
    """Every table of a scenario: unknown keys are errors, and TOML types are taken as they
    are (``open_relay = "yes"`` is a mistake, not True)."""

    model_config = ConfigDict(extra="forbid", strict=True)
