"""Styles: the high-contrast theme for projectors (pure black and white with saturated
accents), and a component class's text style as the views draw it."""

from rich.style import Style
from textual.theme import Theme
from textual.widget import Widget


def text_style(node: Widget, component: str) -> Style:
    """``component``'s text style on ``node``: colour and attributes, no background (the line
    under it keeps the widget's own)."""
    full = node.get_component_rich_style(component, default=Style())
    return Style(
        color=full.color,
        bold=full.bold,
        dim=full.dim,
        italic=full.italic,
        underline=full.underline,
        strike=full.strike,
        reverse=full.reverse,
    )


HIGH_CONTRAST = Theme(
    name="smtp-sim-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#00FFFF",
    warning="#FFAA00",
    error="#FF3030",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
)
