"""The scenario file format: TOML files read, validated (pydantic) and cross-checked, and a
world built from them. The world knows nothing of files, TOML or pydantic; lessons
(``course``) build on these models.

The package re-exports nothing: import each name from its module
(``from smtp_sim.scenario.files import load_scenario``)."""
