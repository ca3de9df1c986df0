"""The command line: every command's output and exit code, and never a traceback for a user's mistake."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import DATA, event_yaml
from timeline.cli import cli

INVALID = sorted((DATA / "invalid").glob("*.yaml"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_validate_reports_a_valid_file(write_events: Callable[[str], Path]) -> None:
    path = write_events(event_yaml("one") + event_yaml("two"))
    assert run("validate", str(path)) == (
        0,
        f"{path}: 2 events, all valid; quotes not checked: the header names no articles_dir.\n",
        "",
    )


@pytest.mark.parametrize("case", INVALID, ids=[p.stem for p in INVALID])
def test_validate_prints_every_problem_and_exits_1(case: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_bytes(case.read_bytes())
    code, out, err = run("validate", str(path))
    expected = case.with_suffix(".errors").read_text(encoding="utf-8").replace("events.yaml:", f"{path}:")
    count = expected.count("\n")
    summary = f"{count} problem{'s' if count != 1 else ''} found; nothing was written.\n"
    assert (code, out, err) == (1, "", expected + summary)


def test_build_then_build_again_writes_nothing_the_second_time(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    first = run("build", "--source", str(source), "--out", str(out))
    assert first == (
        0,
        f"1 events -> {out}/: wrote 18 files.\n",
        "",
    )
    second = run("build", "--source", str(source), "--out", str(out))
    assert second == (0, f"1 events -> {out}/: wrote nothing (all up to date).\n", "")
    assert run("build", "--source", str(source), "--out", str(out), "--check") == (
        0,
        f"{out}: up to date (18 files).\n",
        "",
    )


def test_build_check_exits_1_when_stale(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    run("build", "--source", str(source), "--out", str(out))
    write_events(event_yaml("one", title="Other"))
    code, _, err = run("build", "--source", str(source), "--out", str(out), "--check")
    assert code == 1
    assert err == (
        "stale: changes.atom, changes.json, embed.html, events/one.html, events/one.ics, index.html, "
        "timeline.atom, timeline.ics, timeline.json, timeline.rss, years/2011.html, events.history.json; "
        "run `timeline build`\n"
    )


def test_a_missing_source_is_one_line_on_stderr(tmp_path: Path) -> None:
    code, out, err = run("build", "--source", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "feeds"))
    assert (code, out) == (1, "")
    assert err == f"error: {tmp_path / 'nope.yaml'}: no such file; pass the events file with --source\n"


def test_a_damaged_history_is_one_clear_message(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    (source.parent / "events.history.json").write_text("{oops", encoding="utf-8")
    code, _, err = run("build", "--source", str(source), "--out", str(source.parent / "feeds"))
    assert code == 1
    assert err.startswith(f"error: {source.parent / 'events.history.json'}: the history store is damaged")
    assert "Traceback" not in err


def test_list_shows_dates_markers_titles_and_tags(write_events: Callable[[str], Path]) -> None:
    path = write_events(
        event_yaml("one", title="First", date="1987")
        + "  - id: two\n    title: Second\n    summary: s\n    date: {start: 2011-12-05, end: 2011-12-07}\n"
        "    certainty: inferred\n    date_note: why\n    status: planned\n    tags: [council]\n"
        "    sources: [{article: a.txt, quote: q}]\n"
    )
    code, out, _ = run("list", "--source", str(path))
    assert code == 0
    assert out.splitlines() == [
        "Test timeline",
        "             1987    First  ",
        "5–7 December 2011 ~? Second  #council",
    ]


@pytest.mark.parametrize("command", ["validate", "build", "list", "serve"])
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and out.startswith(f"Usage: cli {command}")


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "timeline", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "Publish a dated list of events" in result.stdout


def test_serve_refuses_a_bad_cron_line_before_starting(write_events: Callable[[str], Path]) -> None:
    path = write_events(event_yaml("one"))
    code, out, err = run("serve", "--source", str(path), "--rebuild-cron", "every day")
    assert (code, out) == (2, "")
    assert err.endswith(
        "Error: Invalid value for --rebuild-cron: Wrong number of fields; got 2, expected 5\n"
    )
    assert "Traceback" not in err


def test_build_today_sets_the_day_of_the_dated_outputs(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one", date="2011-12-05"))
    out = source.parent / "feeds"
    assert run("build", "--source", str(source), "--out", str(out), "--today", "2026-12-05")[0] == 0
    assert b"15 years ago today: A title" in (out / "on-this-day.atom").read_bytes()
    code, _, err = run("build", "--source", str(source), "--out", str(out), "--today", "2026-13-01")
    assert code == 2 and "Invalid value for '--today'" in err


def built(source: Path, *extra: str) -> str:
    out = source.parent / "feeds"
    code, stdout, stderr = run("build", "--source", str(source), "--out", str(out), *extra)
    assert (code, stderr) == (0, "")
    return stdout.split(": wrote ", 1)[1].strip()


def test_a_build_with_nothing_to_do_imports_no_renderer(write_events: Callable[[str], Path]) -> None:
    source = write_events(event_yaml("one"))
    assert built(source) == "18 files."
    command = [sys.executable, "-X", "importtime", "-m", "timeline", "build", "--source", str(source)]
    command += ["--out", str(source.parent / "feeds")]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    assert finished.stdout.endswith("wrote nothing (all up to date).\n")
    imported = {line.rsplit("|", 1)[-1].strip() for line in finished.stderr.splitlines()}
    assert not imported & {"yaml", "feedgen", "icalendar", "jinja2", "timeline.builder.publish"}


@pytest.mark.parametrize(
    "change", ["the events", "the history", "an output deleted", "an output edited", "the day"]
)
def test_a_build_after_any_change_to_its_inputs_or_outputs_builds(
    write_events: Callable[[str], Path], change: str
) -> None:
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    built(source, "--today", "2026-11-23")
    extra = ["--today", "2026-11-23"]
    if change == "the events":
        write_events(event_yaml("one", title="Changed"))
    elif change == "the history":
        history = source.parent / "events.history.json"
        first = '"first_published": "2020-01-01T00:00:00Z"'
        history.write_text(re.sub(r'"first_published": "[^"]+"', first, history.read_text(encoding="utf-8")))
    elif change == "an output deleted":
        (out / "timeline.atom").unlink()
    elif change == "an output edited":
        (out / "timeline.atom").write_text("edited by hand", encoding="utf-8")
    else:
        extra = ["--today", "2026-11-24"]
    assert built(source, *extra) != "nothing (all up to date)."
    assert built(source, *extra) == "nothing (all up to date)."


def test_the_console_script_ends_a_build_with_its_messages_and_exit_code(
    write_events: Callable[[str], Path],
) -> None:
    # It ends the process without freeing the build's objects one by one: nothing may be lost.
    source = write_events(event_yaml("one"))
    out = source.parent / "feeds"
    command = [sys.executable, "-m", "timeline", "build", "--source", str(source), "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (finished.returncode, finished.stdout, finished.stderr) == (
        0,
        f"1 events -> {out}/: wrote 18 files.\n",
        "",
    )
    (out / "timeline.atom").write_text("edited by hand", encoding="utf-8")
    finished = subprocess.run([*command, "--check"], capture_output=True, text=True, check=False)
    assert (finished.returncode, finished.stdout) == (1, "")
    assert finished.stderr == "stale: timeline.atom; run `timeline build`\n"


def test_build_folder_builds_every_timeline_into_its_own_feeds_and_one_that_fails_stops_no_other(
    tmp_path: Path,
) -> None:
    from tests.conftest import MINIMAL

    for name, events in (
        ("alpha", event_yaml("one")),
        ("beta", "  - id: [broken\n"),
        ("gamma", event_yaml("two")),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "events.yaml").write_text(MINIMAL + events, encoding="utf-8")
    (tmp_path / "Misnamed").mkdir()
    (tmp_path / "Misnamed" / "events.yaml").write_text(MINIMAL + event_yaml("three"), encoding="utf-8")
    (tmp_path / "notes").mkdir()  # no events.yaml: not a timeline
    code, out, err = run("build", "--folder", str(tmp_path))
    assert code == 1
    assert out.startswith(f"alpha:\n1 events -> {tmp_path}/alpha/feeds/: wrote 18 files.\nbeta:\ngamma:\n")
    assert f"{tmp_path}/beta/events.yaml:8:1: YAML syntax" in err and "1 of 3 timelines failed: beta" in err
    assert f"{tmp_path}/Misnamed: skipped: a timeline's folder name is its address" in err
    assert (tmp_path / "gamma" / "feeds" / "timeline.atom").is_file()
    assert not (tmp_path / "beta" / "feeds").exists() and not (tmp_path / "Misnamed" / "feeds").exists()
    assert run("build", "--folder", str(tmp_path / "notes")) == (
        1,
        "",
        f"error: {tmp_path}/notes: no subfolder holds an events.yaml; nothing to build\n",
    )
