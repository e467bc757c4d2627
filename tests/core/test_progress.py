"""The progress bar of long management commands: redrawn in place on a terminal, quiet otherwise."""
import io

from django.core.management.base import OutputWrapper

from core.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_left_complete():
    out = Terminal()
    bar = ProgressBar(OutputWrapper(out))
    bar.min_interval = 0
    for done in (0, 500, 1_000):
        bar("orders", done, 1_000)

    text = out.getvalue()
    assert bar.tty
    assert text.count("\r") == 3 and text.count("\n") == 1 and text.endswith("1,000/1,000\n")
    assert "orders       [###############...............]       500/1,000" in text


def test_not_a_terminal_draws_no_bar_and_leaves_one_line_per_finished_stage():
    out = io.StringIO()
    bar = ProgressBar(OutputWrapper(out))
    for done in range(0, 11):
        bar("orders", done, 10)
    bar("cases", 0, 0)

    assert not bar.tty
    assert out.getvalue() == "orders       10/10\ncases        0/0\n"


def test_redraws_are_throttled_but_the_end_is_always_drawn():
    out = Terminal()
    bar = ProgressBar(OutputWrapper(out))
    for done in range(10_001):
        bar("rows", done, 10_000)

    text = out.getvalue()
    assert text.count("\r") < 100  # 10,001 calls within a fraction of a second
    assert text.endswith("10,000/10,000\n")


def test_lines_written_while_a_bar_runs_go_above_it():
    out = Terminal()
    bar = ProgressBar(OutputWrapper(out), label_width=4)
    bar("demo", 1, 4)
    bar.above().write("    shops: 6 verified")
    bar.finish("demo", 3, 4, note="done")

    lines = out.getvalue().split("\n")
    assert lines[0].endswith("    shops: 6 verified")  # the bar line cleared, the message in its place
    assert lines[1].endswith("3/4  done") and "[##############################]" in lines[1]


def test_finish_with_fewer_than_expected_completes_the_bar_with_the_real_figures():
    out = io.StringIO()
    ProgressBar(OutputWrapper(out), indent="  ").finish("core.User", 7, 9, note="7 re-encrypted")
    assert out.getvalue() == "  core.User    7/9  7 re-encrypted\n"

    terminal = Terminal()
    ProgressBar(OutputWrapper(terminal)).finish("core.User", 7, 9)
    assert terminal.getvalue().endswith("[##############################]         7/9\n")
