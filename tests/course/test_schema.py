"""The shipped JSON Schemas are generated from the same models and kept up to date."""

import json

import pytest

from smtp_sim.course.subcommands import SCHEMA_DIR, schema_text


@pytest.mark.parametrize("name", ["lesson", "scenario"])
def test_shipped_schema_is_current(name):
    shipped = (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
    assert shipped == schema_text(name), "run: python -m smtp_sim.course.subcommands"


def test_lesson_schema_knows_every_check_kind():
    from smtp_sim.course.checks import REGISTRY

    text = json.dumps(json.loads(schema_text("lesson")))
    for kind in REGISTRY:
        assert f'"{kind}"' in text
