"""The `timeline` command: a thin shell over the library (the only module that imports click)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from timeline.errors import TimelineError, ValidationError
from timeline.model import Certainty, Status, Timeline

if TYPE_CHECKING:  # the builder is imported only by the commands that build
    from timeline.builder.result import BuildResult

SOURCE = click.option(
    "--source",
    "-s",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("events.yaml"),
    show_default=True,
    help="The events file.",
)
OUT = click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("feeds"),
    show_default=True,
    help="The folder the outputs are written to.",
)

FOLDER = click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder of timelines, one a subfolder holding its events.yaml: every one of them "
    "(their feeds in each subfolder's feeds/). -s and -o are then not used.",
)
NO_ARTICLE_CHECK = click.option(
    "--no-article-check",
    is_flag=True,
    help="Do not check the quotes against the articles (for articles that are not at hand).",
)


def _max_age(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The option saying how long a cache or CDN in front of a bucket may keep what it is sent."""
    return click.option(
        name,
        default=60,
        show_default=True,
        type=click.IntRange(min=1),
        help="Seconds a cache or CDN may keep a feed or page sent to the bucket (archive pages: a week).",
    )


def _quotes_said(timeline: Timeline, checked: bool) -> str:
    """What a command says of the quotes: checked, not asked to be, or nothing to check them by."""
    if timeline.articles_dir is None:
        return "quotes not checked: the header names no articles_dir"
    if not checked:
        return "quotes not checked against the articles (--no-article-check)"
    quotes = sum(len(event.sources) for event in timeline.events)
    return f"{_count(quotes, 'quote')} found verbatim in {_count(len(timeline.articles), 'article')}"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'s' if number != 1 else ''}"


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn the user's mistakes into messages and exit code 1; never a traceback."""
    try:
        yield
    except ValidationError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", err=True)
        sys.exit(1)
    except TimelineError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="timeline-feeds")
def cli() -> None:
    """Publish a dated list of events as Atom, RSS, JSON Feed and iCalendar."""


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--title", help="The timeline's name (default: the folder's).")
@click.option(
    "--base-url",
    help="Where the outputs will be served (default: http://127.0.0.1:8000/, where serve serves).",
)
@click.option(
    "--id-authority",
    help='A domain you own and a year, like "news.example.org,2026": it makes the permanent ids '
    "(default: the base URL's domain and this year; without one, a placeholder to change).",
)
@click.option("--language", default="en", show_default=True, help="The language of the text.")
@click.option("--timezone", default="UTC", show_default=True, help="For times written without an offset.")
def init(
    folder: Path,
    title: str | None,
    base_url: str | None,
    id_authority: str | None,
    language: str,
    timezone: str,
) -> None:
    """Start a timeline of your own in FOLDER (default: here): an events.yaml with its header and
    no events, its JSON Schema for editors, and an empty articles/ folder. Writes over nothing."""
    from timeline.source.new import Settings, start

    with _user_errors():
        written = start(folder, Settings(title, base_url, id_authority, language, timezone))
    for path in written:
        click.echo(f"wrote {path}{'/' if path.is_dir() else ''}")
    events = written[0]
    click.echo(
        f"next: put an article in {written[2]}/, then `timeline extract {written[2]}/FILE --into {events}`; "
        f"review the drafts, then `timeline build --source {events}` (or `timeline serve --source {events}`)"
    )


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False), default="events.yaml")
@NO_ARTICLE_CHECK
def validate(source: Path, no_article_check: bool) -> None:
    """Check SOURCE and list every problem with its line and column, each quote against its
    article included."""
    from timeline.source.load import load

    with _user_errors():
        timeline = load(source, check_articles=not no_article_check)
    quoted = _quotes_said(timeline, not no_article_check)
    drafts = len(timeline.drafts)
    waiting = f"; {_count(drafts, 'draft')} not published until reviewed (reviewed: false)" if drafts else ""
    click.echo(f"{source}: {len(timeline.events)} events, all valid{waiting}; {quoted}.")


@cli.command()
@click.argument("article", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--published",
    help="The article's publication date (YYYY, YYYY-MM or YYYY-MM-DD), for dates it gives "
    'without a year and for "now" or "later this year"; default: the page\'s own (HTML), or '
    "the date given under articles in --source.",
)
@click.option("--name", help="The article's name in events.yaml's articles (default: its file name).")
@click.option(
    "--into",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Append the candidates to this events file's events list, each marked `reviewed: false` "
    "(not published until a person removes the mark); it is also the --source.",
)
@SOURCE
def extract(article: Path, published: str | None, name: str | None, into: Path | None, source: Path) -> None:
    """Print candidate events drawn from ARTICLE (plain text or HTML) as YAML to review.

    One candidate a date a sentence states, with exactly the precision it states; none for a
    sentence without a date, or one that an event of --source (if it exists) already quotes.
    """
    from timeline.extract.dates import published_date
    from timeline.extract.draft import MAX_DRAFTS, as_yaml, draft_from
    from timeline.extract.into import append

    try:
        when = published_date(published) if published is not None else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--published") from None
    name = name or article.name
    with _user_errors():
        drafted, when = draft_from(article, into or source, name, when)
    if when is None:
        click.echo(
            'no publication date (--published): dates given without a year, and "now" or '
            '"later this year", are left out',
            err=True,
        )
    if len(drafted) == MAX_DRAFTS:
        click.echo(
            f"at most {MAX_DRAFTS} drafts are made from one article: if it has more dates, extract a "
            "part of it at a time",
            err=True,
        )
    if into is None:
        click.echo(as_yaml(drafted, name), nl=False)
        click.echo(f"{_count(len(drafted), 'candidate')} from {article}", err=True)
        return
    with _user_errors():
        append(into, drafted, name, when)
    appended = f"{_count(len(drafted), 'draft')} from {article} appended to {into}"
    click.echo(f"{appended}; review each, then remove its `reviewed: false`", err=True)


@cli.command()
def schema() -> None:
    """Print events.yaml's JSON Schema, for editors and other tools (the repo ships it as
    events.schema.json)."""
    from timeline.source.json_schema import json_schema_text

    click.echo(json_schema_text(), nl=False)


@cli.command()
@SOURCE
@OUT
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the outputs are stale.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Build the dated outputs (on this day) for this day instead of today.",
)
@FOLDER
@NO_ARTICLE_CHECK
def build(
    source: Path, out: Path, check: bool, today: datetime | None, folder: Path | None, no_article_check: bool
) -> None:
    """Render every output into OUT, rewriting only the files that changed.

    With --folder, every timeline of the folder, each into its own feeds/: one that fails
    does not stop the others (the exit code says whether any did)."""
    day = today.date() if today else None
    checked = not no_article_check
    if folder is None:
        _build_one(source, out, check, day, checked)
        return
    from timeline.source.folder import EVENTS, OUT, misnamed_message, timelines_in

    with _user_errors():
        if not folder.is_dir():
            raise TimelineError(f"{folder}: not a folder of timelines")
        names, misnamed = timelines_in(folder)
        for name in misnamed:
            click.echo(misnamed_message(folder, name), err=True)
        if not names:
            raise TimelineError(f"{folder}: no subfolder holds an {EVENTS}; nothing to build")
    failed = []
    for name in names:
        click.echo(f"{name}:")
        try:
            _build_one(folder / name / EVENTS, folder / name / OUT, check, day, checked)
        except SystemExit as end:
            if end.code:
                failed.append(name)
    if failed:
        click.echo(f"{len(failed)} of {len(names)} timelines failed: {', '.join(failed)}", err=True)
        sys.exit(1)


def _build_one(source: Path, out: Path, check: bool, day: date | None, checked: bool) -> None:
    from timeline.builder.accelerators import from_environment
    from timeline.builder.record import up_to_date
    from timeline.history import history_path

    skip = from_environment().skip_unchanged_builds
    if (
        not check
        and skip
        and (events := up_to_date(source, out, history_path(source), day, checked)) is not None
    ):
        # Same events file, history, day, code and outputs as the last build: nothing to do,
        # and no renderer imported to find that out.
        click.echo(f"{events} events -> {out}/: wrote nothing (all up to date).")
        return
    with _user_errors():
        result = _built(source, out, check=check, today=day, check_articles=checked)
    if not checked:
        click.echo(_quotes_said(result.timeline, checked) + ".", err=True)
    if check:
        if result.stale:
            click.echo(f"stale: {', '.join(result.stale)}; run `timeline build`", err=True)
            sys.exit(1)
        click.echo(f"{out}: up to date ({len(result.files)} files).")
        return
    click.echo(f"{len(result.timeline.events)} events -> {out}/: wrote {_written(result.written)}.")


def _built(source: Path, out: Path, *, check: bool, today: date | None, check_articles: bool) -> BuildResult:
    """A build (or, with `check`, a look at what a build would change), by the plain function
    under TIMELINE_PLAIN=1."""
    from timeline.builder import plain, publish
    from timeline.builder.accelerators import NONE, from_environment

    if from_environment() == NONE and not check:
        result = plain.build(source, out, today=today, check_articles=check_articles)
    else:
        result = publish.build(source, out, check=check, today=today, check_articles=check_articles)
    _ENDS_WITH_THE_PROCESS.append(result)
    return result


def _written(names: tuple[str, ...]) -> str:
    if not names:
        return "nothing (all up to date)"
    return f"{len(names)} files" if len(names) > 8 else ", ".join(names)


@cli.command()
@SOURCE
@OUT
@click.option("--to", "to", required=True, metavar="s3://BUCKET[/PREFIX]", help="The bucket to publish to.")
@_max_age("--max-age")
@NO_ARTICLE_CHECK
def publish(source: Path, out: Path, to: str, max_age: int, no_article_check: bool) -> None:
    """Build, then upload to an S3-compatible bucket what changed since its last publish.

    The endpoint and keys are boto3's: AWS_ENDPOINT_URL (for any S3-compatible store),
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION or a profile. New pages go up
    first, feeds after, deletions last; a publish stopped midway is finished by the next one.
    """
    from timeline.bucket import s3

    with _user_errors():
        target = s3.Target.parse(to)
        result = _built(source, out, check=False, today=None, check_articles=not no_article_check)
        click.echo(f"{len(result.timeline.events)} events -> {out}/: wrote {_written(result.written)}.")
        sent = s3.publish(out, target, max_age=max_age)
    click.echo(
        f"{target}: uploaded {len(sent.uploaded)}, deleted {len(sent.deleted)}, {sent.unchanged} unchanged."
    )


@cli.command(name="list")
@SOURCE
def list_events(source: Path) -> None:
    """Show the timeline in the terminal, oldest first.

    ~ marks an inferred or approximate date, ? a planned event, x a cancelled one.
    """
    from timeline.source.load import load

    with _user_errors():
        timeline = load(source)
    width = max((len(e.date.label()) for e in timeline.events), default=0)
    style: Callable[..., str] = click.style
    click.echo(style(timeline.title, bold=True))
    for event in timeline.events:
        marks = ("~" if event.certainty is not Certainty.STATED else " ") + {
            Status.CONFIRMED: " ",
            Status.PLANNED: "?",
            Status.CANCELLED: "x",
        }[event.status]
        tags = style(" ".join(f"#{t}" for t in event.tags), dim=True)
        click.echo(f"{style(event.date.label().rjust(width), fg='cyan')} {marks} {event.title}  {tags}")


@cli.command()
@SOURCE
@OUT
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The TCP port.")
@click.option(
    "--watch-interval",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="Seconds between checks of the events file (also the clients' cache lifetime).",
)
@click.option(
    "--rebuild-cron",
    default="5 0 * * *",
    show_default=True,
    help="When to rebuild everything, as a crontab line in the timeline's time zone.",
)
@click.option(
    "--access-log", is_flag=True, help="Log every request (measured here: it halves the requests per second)."
)
@click.option(
    "--publish-to",
    metavar="s3://BUCKET[/PREFIX]",
    help="Also publish every build to this bucket (see `timeline publish`); WebSub hubs are told after.",
)
@_max_age("--publish-max-age")
@FOLDER
@NO_ARTICLE_CHECK
def serve(
    source: Path,
    out: Path,
    host: str,
    port: int,
    watch_interval: float,
    rebuild_cron: str,
    access_log: bool,
    publish_to: str | None,
    publish_max_age: int,
    folder: Path | None,
    no_article_check: bool,
) -> None:
    """Build, then keep OUT current and serve it over HTTP until stopped.

    Rebuilds when the events file changes, on the cron schedule, and on SIGHUP; SIGTERM or
    SIGINT stop it cleanly. A bad edit is logged and the last good outputs stay served. With
    --folder, every timeline of the folder (a subfolder holding an events.yaml), each under
    /<subfolder>/, the cron schedule in UTC.
    """
    from timeline.daemon.folder import run_folder
    from timeline.daemon.main import ServeOptions, run
    from timeline.daemon.scheduler import valid_cron

    try:
        valid_cron(rebuild_cron, "UTC")
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--rebuild-cron") from None
    if folder is not None and publish_to is not None:
        raise click.BadParameter(
            "a folder of timelines is not published to a bucket yet", param_hint="--publish-to"
        )
    with _user_errors():
        checked = not no_article_check
        options = ServeOptions(source, out, host, port, watch_interval, rebuild_cron, access_log, checked)
        options = replace(options, publish_to=publish_to, publish_max_age=publish_max_age, folder=folder)
        if folder is not None:
            run_folder(options)
        else:
            run(options)


# What a build made (the timeline and its history, a million objects for a large timeline): the
# console script ends without freeing them one by one, since a process's memory goes back to
# the system anyway when it ends.
_ENDS_WITH_THE_PROCESS: list[object] = []


def main() -> None:
    """Entry point of the console script."""
    try:
        cli(prog_name="timeline")
    except SystemExit as end:
        if not _ENDS_WITH_THE_PROCESS:
            raise
        _end_now(end.code)
    if _ENDS_WITH_THE_PROCESS:
        _end_now(0)


def _end_now(code: str | int | None) -> None:
    """End the process as SystemExit(code) would, without freeing what it holds."""
    if isinstance(code, str):
        print(code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)
