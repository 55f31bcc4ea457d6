"""The lesson panel's step text is one widget (LessonText), drawn as Textual's Markdown drew it.

Issue 16: Textual's Markdown mounted a widget for every paragraph, heading, list item, bullet
and code block, a third of a web session's widgets; and the text's scrollbar, appearing once
the text was laid out, laid the whole screen out a second time.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.selection import Selection
from textual.widget import Widget
from textual.widgets import Markdown

from smtp_sim.course.lesson import load_lesson
from smtp_sim.course.progress import ProgressStore
from smtp_sim.tui.app import SmtpSimApp
from smtp_sim.tui.widgets.lesson_markdown import LessonText, parse_blocks
from smtp_sim.tui.widgets.lesson_panel import LessonPanel

WIDTH = 40  # the lesson panel's at 120x40 (its code blocks' lines fit it: no wrapping)


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "progress.json")


async def open_step(app: SmtpSimApp, pilot, index: int) -> LessonPanel:
    app.main.playback.session.go_to(index)
    app.main.controller.changed()
    await pilot.pause()
    await pilot.pause()
    return app.query_one(LessonPanel)


async def test_the_step_text_is_one_widget_and_its_scrollbar_column_is_kept(store):
    """A step whose text fits (foobar 2) and one that scrolls (press-send 1): the text is one
    widget with nothing inside, and as wide in both (its scrollbar's column kept, so the
    scrollbar appearing lays nothing out again)."""
    widths = []
    for lesson_id, index in (("foobar", 1), ("press-send", 0)):
        app = SmtpSimApp(load_lesson(lesson_id), store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            panel = await open_step(app, pilot, index)
            assert not panel.quiz_feedback and not panel.has_class("-quiz")
            text, scroll = panel.query_one("#step-text"), panel.query_one("#step-scroll")
            assert list(text.walk_children()) == []
            assert list(scroll.children) == [text, panel.query_one("#hint")]
            assert (scroll.max_scroll_y > 0) == (lesson_id == "press-send")
            widths.append(text.size.width)
    assert widths[0] == widths[1]


class SideBySide(App[None]):
    """Textual's Markdown (as the lesson panel had it: its code blocks and headings as wide
    as the text, no padding in a code block) beside a LessonText, each WIDTH wide."""

    CSS = f"""
    Screen {{ layout: horizontal; }}
    #old, #new {{ width: {WIDTH}; height: auto; padding: 0 1; }}
    #old > MarkdownBlock:last-child {{ margin-bottom: 0; }}
    #old MarkdownHeader {{ width: 1fr; }}
    #old MarkdownFence {{ overflow: hidden hidden; margin: 1 0; }}
    #old MarkdownFence > Label {{ padding: 0; }}
    """

    def __init__(self, markdown: str) -> None:
        super().__init__()
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        yield Markdown(self.markdown, id="old")
        yield LessonText(self.markdown, id="new")


def drawn(app: App, widget: Widget) -> list[str]:
    region = widget.content_region
    strips = app.screen._compositor.render_strips()
    return [strip.crop(region.x, region.right).text.rstrip() for strip in strips][
        region.y : region.bottom
    ]


@pytest.mark.parametrize(
    ("lesson_id", "step"),
    [
        ("press-send", 1),  # a bulleted list, host names, bold, quotes
        ("press-send", 2),  # a numbered list
        ("mime", 1),  # a numbered list of bold terms and `code`
        ("foobar", 1),  # code
        ("telnet-yourself", 2),  # code between paragraphs
        ("mail-auth", 2),  # bullets and code
        ("esmtp", 4),
        ("smuggling", 3),
        ("morris-worm", 8),
    ],
)
async def test_a_step_reads_as_textual_markdown_drew_it(lesson_id, step):
    """Row for row the same text: words, wrapping, margins, headings, bullets and numbers,
    code. (The whole course was compared at 120 and 80 columns, tables too, when LessonText
    replaced the Markdown widgets: identical.)"""
    lesson = load_lesson(lesson_id)
    text = f"### Step {step}: {lesson.steps[step - 1].title}\n{lesson.steps[step - 1].text}"
    kinds = {block.kind for block in parse_blocks(text)}
    assert "heading" in kinds and "paragraph" in kinds
    app = SideBySide(text)
    async with app.run_test(size=(2 * WIDTH, 120)) as pilot:
        await pilot.pause()
        await pilot.pause()
        old, new = drawn(app, app.query_one("#old")), drawn(app, app.query_one("#new"))
        assert len(new) > 5 and new == old


async def test_the_mouse_selects_the_text_as_written():
    """Offsets under the mouse (what the screen reads to select) point into the text as
    written: a wrapped paragraph copies as one line, a paragraph break as an empty line."""
    markdown = (
        "### A title\nFirst paragraph, long enough to wrap at thirty columns wide.\n\n"
        "- an item\n- another\n\n```\nMAIL FROM:<alice@crepes.fr>\n```\n\nLast words.\n"
    )
    app = SideBySide(markdown)
    async with app.run_test(size=(2 * WIDTH, 40)) as pilot:
        await pilot.pause()
        text = app.query_one("#new", LessonText)
        rows = text.drawn_rows()
        region = text.content_region
        compositor = app.screen._compositor

        def at(word: str) -> Offset:
            y = next(n for n, row in enumerate(rows) if word in row)
            widget, offset = compositor.get_widget_and_offset_at(
                region.x + rows[y].index(word), region.y + y
            )
            assert widget is text and offset is not None
            return offset

        selection = Selection(at("First"), at("another"))
        got = text.get_selection(selection)
        assert got is not None
        assert got[0].splitlines() == [
            "First paragraph, long enough to wrap at thirty columns wide.",
            "",
            "an item",
        ]
        everything = text.get_selection(Selection(None, None))
        assert everything is not None and "MAIL FROM:<alice@crepes.fr>" in everything[0]
        # and what is selected is drawn selected, what is not is not
        app.screen.selections = {text: selection}
        await pilot.pause()
        lines = text.render_lines(text.region.reset_offset)

        def background(word: str) -> object:
            row = next(line for line in lines if word in line.text)
            segment = next(seg for seg in row if word in seg.text)
            return segment.style and segment.style.bgcolor

        assert background("First") == background("an item") != background("Last")
