import pytest

from bot.sandbox.script import ScriptError, parse_line, parse_script


def test_command_with_prefix_and_quoted_values():
    step = parse_line('as @alice in "Guild A": /playlist add name:chill track:"Daft Punk - One More Time"')
    assert (step.kind, step.user, step.guild, step.command) == ("command", "alice", "Guild A", "playlist add")
    assert step.options == {"name": "chill", "track": "Daft Punk - One More Time"}


def test_switch_click_select_complete():
    assert parse_line("as @bob").kind == "switch"
    assert parse_line('in "Guild B"').guild == "Guild B"
    click = parse_line("as @bob: click Next")
    assert (click.kind, click.target, click.user) == ("click", "Next", "bob")
    select = parse_line('select "Pick one" a b')
    assert (select.target, select.values) == ("Pick one", ["a", "b"])
    complete = parse_line("complete /playlist show name:ch")
    assert (complete.kind, complete.command, complete.options) == ("complete", "playlist show", {"name": "ch"})


def test_blank_and_comments_are_skipped():
    assert parse_line("   ") is None and parse_line("# note") is None


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("/playlist add name:x stray", "not an option"),
        ('/playlist add name:"open', "Unbalanced quotes"),
        ("dance", "Unknown instruction"),
        ("click", "click Next"),
        ("complete /playlist show", "at least one option"),
    ],
)
def test_bad_lines_explain_themselves(line, fragment):
    with pytest.raises(ScriptError) as e:
        parse_line(line)
    assert fragment in str(e.value)


def test_parallel_blocks_group_lines_and_errors_name_the_line():
    steps = parse_script(
        [
            "/playlist create name:a",
            "parallel",
            "/playlist add name:a track:'A - 1'",
            "as @bob: /playlist add name:a track:'B - 2'",
            "end",
        ]
    )
    assert [s.kind for s in steps] == ["command", "parallel"]
    assert len(steps[1].steps) == 2 and steps[1].steps[1].user == "bob"
    with pytest.raises(ScriptError, match="line 2"):
        parse_script(["parallel", "click Next", "end"])
    with pytest.raises(ScriptError, match="without end"):
        parse_script(["parallel"])
