"""The high-contrast theme for projectors: pure black and white with saturated accents."""

from textual.theme import Theme

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
