"""Fast construction of the protocol's frozen records, for the engines' hot paths.

The events, replies and envelopes are frozen, slotted dataclasses. A frozen dataclass's
``__init__`` stores each field with ``object.__setattr__`` and then runs ``__post_init__``
checks; an engine that builds several records per command from values it has already checked
pays for that on every command. :func:`unchecked_constructor` gives such a class a second
constructor that fills the slots directly. The record it returns is the same as
``cls(...)`` would build (equal, same hash, repr, immutability, pickling); only the checks are
skipped, so callers must pass values that would pass them.

    _Command = unchecked_constructor(Command)
    command = _Command(raw, verb, argument)     # every field, in order or by name

Used only where a benchmark shows what it buys, with the figure beside it: the SMTP server
engine's events and envelopes (server.py: bench_engine +8%). Everywhere else (POP3, the
clients, replies) records are built with their checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from types import MemberDescriptorType
from typing import Any, TypeVar

T = TypeVar("T")


def unchecked_constructor(cls: type[T]) -> Callable[..., T]:
    """A function taking every field of the slotted dataclass ``cls`` (no defaults; in
    declaration order or by name) and returning the instance without running ``__init__``."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    obj = _new(_cls)"]
    for name in names:
        # (a field a base class declares has its slot there)
        slot = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
        if not isinstance(slot, MemberDescriptorType):
            raise TypeError(f"{cls.__name__}.{name} is not a slot: use @dataclass(slots=True)")
        # The slot's member descriptor: setting through it bypasses the frozen __setattr__.
        namespace[f"_set_{name}"] = slot.__set__
        lines.append(f"    _set_{name}(obj, {name})")
    lines.append("    return obj")
    exec("\n".join(lines), namespace)  # the technique dataclasses itself uses
    make: Callable[..., T] = namespace["make"]
    make.__qualname__ = make.__name__ = f"unchecked_{cls.__name__}"
    make.__doc__ = f"{cls.__name__}({', '.join(names)}) without __init__ or its checks."
    return make
