"""The lesson panel: the steps ticking off, the current step's text, its task, hints and quiz.

The step's text and hints scroll; the task is pinned below them and the quiz below it,
both always in view (a step's text can be longer than the panel), the quiz in at most 45% of
the panel so the text keeps its rows, more when the text needs fewer (:meth:`_share_rows`). Hints and the quiz's question and choices are Markdown
as the step text is (their `code`). On a short screen (80x24) the lesson's title and the step
list become one line (:class:`StepsLine`: the title, a mark a step, ``3/8``), a quiz's answer
box is one row and its feedback takes no row until there is some: the step's text has the rows. The quiz's widgets are made once and updated in place
for each step: mounting new ones with the same ids while the old ones were still being
removed crashed the app on two short-answer quizzes in a row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.css.scalar import Scalar
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from ..literal import literal
from .line_input import LineInput
from .task_text import TaskText

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete

    from ...course.preview import LessonPreview
    from ...course.session import LessonSession
    from .lesson_markdown import LessonText


#: Inline code as the step texts show it (Textual's Markdown, dark themes).
CODE_STYLE = "$text-warning on $warning 10%"
_INLINE_STYLES = {"code_inline": CODE_STYLE, "strong": "bold", "em": "italic", "s": "strike"}


def inline_markdown(text: str, style: str = "") -> Content:
    """One paragraph of a lesson's Markdown (a hint, a quiz's question or choice) as the step
    texts show it: `code` without its backticks, **bold**, *italic*; the rest as written."""
    from markdown_it import MarkdownIt  # (with the lesson, not the first frame)

    # (no autolinks or HTML: <alice@crepes.fr> and <CR><LF> are SMTP, shown as written)
    parser = MarkdownIt("commonmark").disable(["autolink", "html_inline"])
    tokens = parser.parseInline(text, {})
    pieces: list[tuple[str, str]] = []
    open_styles: list[str] = []
    for token in tokens[0].children or [] if tokens else []:
        kind = token.type
        if kind.endswith("_open") and kind[:-5] in _INLINE_STYLES:
            open_styles.append(_INLINE_STYLES[kind[:-5]])
        elif kind.endswith("_close") and kind[:-6] in _INLINE_STYLES and open_styles:
            open_styles.pop()
        elif kind == "code_inline":
            pieces.append((token.content, " ".join([style, *open_styles, CODE_STYLE]).strip()))
        elif kind in ("softbreak", "hardbreak"):
            pieces.append((" " if kind == "softbreak" else "\n", style))
        else:  # text, and what has no style here (a link's text, an image's alt): as written
            pieces.append((token.content, " ".join([style, *open_styles]).strip()))
    return Content.assemble(*pieces)


def step_markdown(index: int, title: str, text: str) -> str:
    """A step's text as the panel shows it, under a heading with its number and title."""
    return f"### Step {index + 1}: {title}\n{text}"


_COURSE_TITLES: list[str] | None = None


def course_titles() -> list[str]:
    """The built-in lessons' titles, read from their files' title lines (no validation: a
    few milliseconds, once, after the first frame)."""
    global _COURSE_TITLES
    if _COURSE_TITLES is None:
        import re

        from ...course.preview import builtin_dir

        title = re.compile(r'(?m)^title\s*=\s*"([^"]*)"')
        found = (title.search(p.read_text("utf-8")) for p in sorted(builtin_dir().glob("*.toml")))
        _COURSE_TITLES = [m.group(1) for m in found if m]
    return _COURSE_TITLES


def distinct_title(title: str, others: list[str], room: int) -> str:
    """``title`` in ``room`` cells, told apart from ``others``: cut at its end with an
    ellipsis, unless the words it keeps whole begin another title too ('E-mail address l…'
    for 'E-mail address lookup' and '... verification'): then its first word, an ellipsis
    and the words that differ ('E-mail…lookup', '…verification')."""
    if len(title) <= room:
        return title
    cut = title[: room - 1] + "\u2026"
    words = title.split()
    kept = title[: room - 1].split()[:-1] if not title[room - 1 : room].isspace() else []
    kept = kept or title[: room - 1].split()[:1]
    rivals = [other for other in others if other != title and other.split()[: len(kept)] == kept]
    if not rivals:
        return cut
    common = max(
        next(
            (i for i, (a, b) in enumerate(zip(words, o.split(), strict=False)) if a != b),
            min(len(words), len(o.split())),
        )
        for o in rivals
    )
    rest = " ".join(words[max(common, 1) :])
    for form in (f"{words[0]}\u2026{rest}", f"\u2026{rest}"):
        if len(form) <= room:
            return form
    return f"{words[0]}\u2026{rest}"[: room - 1] + "\u2026"


class StepsLine(Widget):
    """The lesson's title and its steps in one line, for a short screen: ``The FooBar
    session  ✔✔▶·····  3/8``, a mark a step (done, current, to do) and where the student is.
    The title gives way (an ellipsis) so that the marks and the count stay whole."""

    DEFAULT_CSS = """
    StepsLine { height: 1; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._title = ""
        self._marks = Text()

    def set(self, title: str, marks: Text, index: int) -> None:
        self._title = title
        # (the sandbox has no steps: its title alone)
        self._marks = Text.assemble(marks, f"  {index + 1}/{len(marks)}") if marks else Text()
        self.refresh()

    def render(self) -> Content:
        width = self.content_size.width
        marks = Content.from_rich_text(self._marks)
        space = 2 if marks.cell_length else 0
        room = max(width - marks.cell_length - space, 1)
        title = Content.styled(self._title, "bold $accent")
        if title.cell_length > room:
            if _COURSE_TITLES is None:  # (read after this frame, then drawn again)
                self.call_after_refresh(lambda: (course_titles(), self.refresh()))
                title = title.truncate(room, ellipsis=True)
            else:
                short = distinct_title(self._title, _COURSE_TITLES, room)
                title = Content.styled(short, "bold $accent").truncate(room, ellipsis=True)
        gap = " " * max(width - title.cell_length - marks.cell_length, space)
        return Content.assemble(title, gap, marks)


class QuizBox(VerticalScroll, can_focus=False):
    """The quiz: its question, choices and answer box. Not focusable itself (a scroll box
    is): Tab from the step's text goes straight to the first choice, and the focus is never
    on the box, where Down scrolled it and Enter went to the console (at 80x24, an empty line
    sent into a message's DATA)."""


class Choices(Vertical):
    """A multiple-choice quiz's buttons: Up and Down move between them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Previous choice", show=False),
        Binding("down", "move(1)", "Next choice", show=False),
    ]

    def action_move(self, by: int) -> None:
        buttons = [b for b in self.query_children(Button) if b.display]
        focused = self.screen.focused
        if focused in buttons:
            index = min(max(buttons.index(focused) + by, 0), len(buttons) - 1)
            buttons[index].focus()


class LessonPanel(Vertical):
    DEFAULT_CSS = """
    LessonPanel { width: 44; border-right: tall $primary-background; }
    LessonPanel #lesson-title { height: auto; padding: 0 1; text-style: bold; color: $accent; }
    LessonPanel #steps {
        height: auto; max-height: 10; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    LessonPanel #steps-line { display: none; }
    LessonPanel #step-scroll {
        height: 1fr; min-height: 4; scrollbar-size-vertical: 1; scrollbar-gutter: stable;
    }
    LessonPanel #step-text { padding: 0 1; }
    LessonPanel #task {
        height: auto; max-height: 8; padding: 0 1; text-style: bold;
        border-top: hkey $primary-background;
    }
    LessonPanel #task.-empty { display: none; }
    LessonPanel #hint { height: auto; padding: 0 1; margin-top: 1; color: $warning; }
    LessonPanel #hint.-empty { display: none; }
    LessonPanel #quiz {
        height: auto; max-height: 45%; padding: 0 1; display: none;
        border-top: tall $primary-background; scrollbar-size-vertical: 1;
        border-title-align: right; border-title-color: $text-accent;
    }
    LessonPanel.-quiz #quiz { display: block; }
    LessonPanel #choices { height: auto; }
    LessonPanel #quiz Button {
        width: 100%; height: auto; text-align: left; content-align: left top;
    }
    LessonPanel #quiz-feedback { height: auto; margin-top: 1; }
    LessonPanel #quiz-feedback.-empty { display: none; }
    LessonPanel #complete { height: auto; padding: 1; background: $success 20%; display: none; }
    LessonPanel.-complete #complete { display: block; }
    """

    class QuizAnswered(Message):
        def __init__(self, answer: str) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None
        self.hint_text = ""
        self.quiz_feedback = ""
        #: Awaited, when not None, to know the step's text is on screen (the text is one
        #: widget now, drawn at the next refresh: always None).
        self.text_updated: AwaitComplete | None = None
        self._text = ""  # (the step's text shown: the same again is not drawn again)

    def compose(self) -> ComposeResult:
        # Imported here: markdown-it comes with the lesson, not with the app's first frame.
        from .lesson_markdown import LessonText

        yield Static("", id="lesson-title")
        yield Static("", id="steps")
        yield StepsLine(id="steps-line")  # (a short screen's: the title and the steps, one line)
        with VerticalScroll(id="step-scroll"):
            yield LessonText(id="step-text")
            yield Static("", id="hint", classes="-empty")
        yield Static("", id="task", classes="-empty")  # (pinned: in view whatever the text)
        with QuizBox(id="quiz"):
            yield Static("", id="quiz-question")
            yield Choices(id="choices")
            # (not select_on_focus: a key typed in the quiz's box moves the focus here after
            # it is forwarded; selected, it was replaced by the next key: walkB2 'ext/richtext')
            yield LineInput(
                placeholder="Tab gets here: answer, Enter", id="short-answer", select_on_focus=False
            )
            yield Static("", id="quiz-feedback")
        yield Static("", id="complete")

    def on_mount(self) -> None:
        # The quiz's share of the rows follows what the text and the quiz hold.
        self.watch(self.query_one("#step-text"), "virtual_size", self._share_rows, init=False)
        self.watch(self.query_one("#hint"), "virtual_size", self._share_rows, init=False)
        quiz = self.query_one("#quiz")
        self.watch(quiz, "virtual_size", self._share_rows, init=False)
        self.watch(quiz, "scroll_y", self._name_hidden_choices, init=False)

    def on_resize(self) -> None:
        self._share_rows()

    def _name_hidden_choices(self) -> None:
        """The quiz's top line names the choices out of view, once laid out (80x24: push-pull's
        last quiz showed A and B, and nothing said that C and D were below)."""
        self.call_after_refresh(self._hidden_choices_told)

    def _hidden_choices_told(self, tries: int = 5) -> None:
        quiz = self.query_one("#quiz", VerticalScroll)
        area = quiz.content_region
        above: list[str] = []
        below: list[str] = []
        if quiz.display and area.height:
            if tries and any(not button.size.height for button in self.choice_buttons):
                # (a choice just mounted, not laid out yet: its region is no place; nothing
                # else calls this once it is, now that the step's text mounts no widgets)
                self.call_after_refresh(self._hidden_choices_told, tries - 1)
                return
            for button in self.choice_buttons:
                letter = getattr(button, "quiz_answer", "").upper()
                if button.region.y < area.y:  # (its letter's row out of view)
                    above.append(letter)
                elif button.region.y >= area.bottom or not button.region.height:
                    below.append(letter)
        told = [
            f"{arrow} {', '.join(letters)} {where}"
            for arrow, letters, where in (("\u2191", above, "above"), ("\u2193", below, "below"))
            if letters
        ]
        # (walkA, mx-lookup at 80x24: the keys that reach them were found by trial)
        quiz.border_title = "  ".join(told) + " (ctrl+l, Tab)" if told else None

    def _share_rows(self) -> None:
        """The quiz's most rows: 45% of the panel, or all that the
        step's text does not need (a short text beside a long quiz: foobar's last step at
        80x24 lost choice D to a scrollbar while its text had rows to spare). The text's
        scrollbar gutter is stable, so its width (and its height) does not follow this."""
        quiz = self.query_one("#quiz", VerticalScroll)
        scroll = self.query_one("#step-scroll", VerticalScroll)
        if not quiz.display or not self.size.height:
            return
        others = sum(
            child.outer_size.height
            for child in self.children
            if child.display and child not in (quiz, scroll)
        )
        shared = self.content_size.height - others
        text = sum(
            child.outer_size.height + child.styles.margin.height
            for child in scroll.children
            if child.display
        )
        most = max(self.content_size.height * 45 // 100, shared - text)
        if quiz.styles.max_height != Scalar.from_number(most):
            quiz.styles.max_height = most
        self._name_hidden_choices()

    def show(self, session: LessonSession) -> bool:
        """Bring the panel up to date with the session (cheap when nothing changed). True when
        it now shows another step than before."""
        lesson = session.lesson
        step = session.current
        progress = session.progress[session.index] if step is not None else None
        key = (
            lesson.id,
            session.index,
            tuple(session.passed_steps()),
            progress.quiz_correct if progress else None,
            self.hint_text,
            self.quiz_feedback,
        )
        if key == self._shown:
            return False
        before = self._shown
        new_step = before is None or before[:2] != key[:2]
        self._shown = key
        self._show_steps(
            lesson.title,
            [s.title for s in lesson.steps],
            [p.done for p in session.progress],
            session.index,
        )
        self.set_class(session.complete and bool(lesson.steps), "-complete")
        if session.complete and lesson.steps:
            self.query_one("#complete", Static).update(
                Text(
                    "\u2714 Lesson complete! Every check passed. Choose the next lesson from the "
                    "command palette (ctrl+p), or keep exploring.",
                    style="bold",
                )
            )
        task_line = self.query_one("#task", Static)
        task_line.set_class(step is None, "-empty")
        if step is None:
            self.set_class(False, "-quiz")
            self._show_text(
                # (no heading: the title is the line above; walkB saw it twice at 80x24)
                f"{lesson.summary}\n\nFree play: connect with "
                "`telnet HOST PORT`, or inject faults from the command palette."
            )
            return new_step
        if new_step:
            self._show_text(step_markdown(session.index, step.title, step.text))
            self._show_quiz(session)
        from ...course.preview import step_task  # (tomllib: not for the first frame)

        self._show_task(
            step_task(step.task, step.quiz is not None), progress is not None and progress.done
        )
        hint = self.query_one("#hint", Static)
        hint.update(inline_markdown(f"Hint: {self.hint_text}") if self.hint_text else "")
        hint.set_class(not self.hint_text, "-empty")
        feedback = self.query_one("#quiz-feedback", Static)
        feedback.update(literal(self.quiz_feedback))
        feedback.set_class(not self.quiz_feedback, "-empty")
        # What just appeared is brought into view once it is laid out.
        if self.hint_text and (before is None or new_step or before[4] != self.hint_text):
            self.call_after_refresh(hint.scroll_visible, animate=False)
        if self.quiz_feedback and (before is None or new_step or before[5] != self.quiz_feedback):
            # (the quiz's last line: its box scrolled to its end once the feedback is laid out)
            box = self.query_one("#quiz", VerticalScroll)
            self.call_after_refresh(box.scroll_end, animate=False)
        return new_step

    @property
    def text(self) -> str:
        """The step's text on show (its Markdown)."""
        return self._text

    def show_preview(self, preview: LessonPreview) -> None:
        """The lesson as its file has it (course/preview.py), before the lesson itself is
        read: the title, the steps, the current step's text and its task. :meth:`show` then
        keeps the text when it is the same."""
        self._show_steps(preview.title, list(preview.steps), list(preview.done), preview.index)
        self._show_text(step_markdown(preview.index, preview.steps[preview.index], preview.text))
        self._show_task(preview.task, False)

    def _show_steps(self, title: str, steps: list[str], done: list[bool], index: int) -> None:
        """The lesson's title and its steps, a line each: done, current, to do."""
        self.query_one("#lesson-title", Static).update(literal(title))
        lines = []
        for i, (step_title, step_done) in enumerate(zip(steps, done, strict=True)):
            mark, style = (
                ("\u2714", "green")
                if step_done
                else (("\u25b6", "bold") if i == index else ("\u00b7", "dim"))
            )
            lines.append(Text.assemble((f"{mark} {i + 1}. {step_title}", style)))
        # One line a step (a long title ends in an ellipsis): every step is listed.
        self.query_one("#steps", Static).update(Text("\n").join(lines))
        self.query_one(StepsLine).set(
            title, Text.assemble(*((line.plain[0], line.style) for line in lines)), index
        )

    def _show_text(self, text: str) -> None:
        """The step's text (Markdown), from its top; the text on show (the preview's) is not
        drawn again, and stays where the student scrolled it."""
        if text != self._text:
            self._text = text
            self.step_text.update(text)
            self.query_one("#step-scroll", VerticalScroll).scroll_home(animate=False)

    def _show_task(self, told: str, done: bool) -> None:
        task_line = self.query_one("#task", Static)
        task_line.set_class(False, "-empty")
        # (theme variables: the colours follow the theme, switched at any time)
        task = Content.assemble(("Task: ", "bold $accent"), Content.from_rich_text(literal(told)))
        if done:
            task = Content.assemble(task, ("  \u2714 done", "bold $success"))
        task_line.update(TaskText(task))  # (a command kept whole on its row)

    @property
    def step_text(self) -> LessonText:
        """The step's text (Markdown): :meth:`LessonText.update` sets it."""
        from .lesson_markdown import LessonText

        return self.query_one("#step-text", LessonText)

    @property
    def choice_buttons(self) -> list[Button]:
        """The current quiz's choice buttons (the ones on screen), A first."""
        return [b for b in self.query_one("#choices").query_children(Button) if b.display]

    def _show_quiz(self, session: LessonSession) -> None:
        """The quiz's widgets updated in place for the current step (more buttons mounted
        only when a quiz has more choices than any before)."""
        self.hint_text = ""
        self.quiz_feedback = ""
        step = session.current
        quiz = step.quiz if step is not None else None
        self.set_class(quiz is not None, "-quiz")
        box = self.query_one("#quiz", VerticalScroll)
        box.scroll_home(animate=False)
        self._name_hidden_choices()
        if quiz is None:
            return
        self.query_one("#quiz-question", Static).update(inline_markdown(quiz.question, "bold"))
        holder = self.query_one("#choices", Vertical)
        buttons: list[Widget] = list(holder.query_children(Button))
        more = [
            Button("", id=f"choice-{i}", classes="choice", compact=True)
            for i in range(len(buttons), len(quiz.choices))
        ]
        if more:
            holder.mount(*more)  # (registered at once: the next step's call sees them)
            buttons += more
        for i, button in enumerate(buttons):
            assert isinstance(button, Button)
            button.display = i < len(quiz.choices)
            if button.display:
                letter = chr(ord("A") + i)
                # (the letter stands out: a choice's wrapped lines are not indented)
                button.label = Content.assemble(
                    (f"{letter}. ", "bold"), inline_markdown(quiz.choices[i])
                )
                # (a Button's label repaints it without a new layout: its height was the last
                # quiz's label's, so a longer choice lost its last lines)
                button.refresh(layout=True)
                button.quiz_answer = letter.lower()  # type: ignore[attr-defined]
        answer = self.query_one("#short-answer", Input)
        answer.display = not quiz.choices
        answer.value = ""

    def answer_box(self) -> Input | None:
        """The short-answer box when the current quiz shows one (Tab from the console or the
        lesson text goes there: walkB typed the answer into a message's DATA)."""
        if not self.display or not self.has_class("-quiz"):
            return None
        answer = self.query_one("#short-answer", Input)
        return answer if answer.display else None

    @on(Button.Pressed, ".choice")
    def _choice(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.QuizAnswered(getattr(event.button, "quiz_answer", "")))

    @on(Input.Submitted, "#short-answer")
    def _short(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.QuizAnswered(event.value))
