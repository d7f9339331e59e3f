"""``annotate ls``: the Label Studio round trip (config, push, pull, report, serve)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import polars as pl
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from annotate.cli._common import user_errors
from annotate.labelstudio import config as ls_config
from annotate.labelstudio.client import ENV_KEY, ENV_TIMEOUT, ENV_URL, Studio, connect
from annotate.labelstudio.store import ENV_STORE

CONFIG_PATH = Path("schemas") / "labeling-config.xml"


def _connection(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--url`` / ``--api-key`` / ``--timeout`` (or their environment variables) → a ``Studio``.

    The key is read but never shown: click prints no default for it, and every error
    message passes through the client's redaction. A key given on the command line
    works but draws a warning: every user of the machine can read a command line
    (``ps``, ``/proc/PID/cmdline``), so the environment variable is the safe place.
    """
    @click.option("--url", envvar=ENV_URL, metavar="URL", help=f"Label Studio URL  [env: {ENV_URL}]")
    @click.option("--api-key", envvar=ENV_KEY, metavar="KEY", show_default=False,
                  help=f"Legacy token or personal access token. Prefer the environment variable: a command "
                       f"line is visible to every user of the machine  [env: {ENV_KEY}]")
    @click.option("--timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
                  help=f"Longest wait for any one request  [default: 30, env: {ENV_TIMEOUT}]")
    @functools.wraps(func)
    def wrapper(*args: Any, url: str | None, api_key: str | None, timeout: float | None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if api_key and ctx.get_parameter_source("api_key") == click.core.ParameterSource.COMMANDLINE:
            click.echo(f"warning: --api-key on the command line is visible to other users (ps); "
                       f"set {ENV_KEY} instead", err=True)
        kwargs["studio_factory"] = lambda: Studio(connect(url, api_key, timeout=timeout))
        return func(*args, **kwargs)
    return wrapper


def _store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--store``: the local copy of pushed predictions (see ``annotate.labelstudio.store``)."""
    @click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help=f"Folder keeping every prediction pushed, by rule version, so reviews stay measurable "
                       f"after the rules change  [default: .annotate/ls-predictions, env: {ENV_STORE}]")
    @functools.wraps(func)
    def wrapper(*args: Any, store_dir: Path | None, **kwargs: Any) -> Any:
        from annotate.labelstudio.store import PredictionStore

        kwargs["store"] = PredictionStore(store_dir)
        return func(*args, **kwargs)
    return wrapper


@click.group("ls")
def ls() -> None:
    """Review attributions in Label Studio and measure the rules.

    \b
    Example:
      annotate ls push samples/articles.jsonl --project news-review
    """


@ls.command("config")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the XML here instead of standard output (the repo keeps schemas/labeling-config.xml).")
def config_cmd(out: Path | None) -> None:
    """Print the labeling config: RTL Arabic, named/anonymous sources, cues, claims, relations.

    Paste it into a project's Settings → Labeling Interface → Code, or let
    `annotate ls push` create the project with it.

    \b
    Example:
      annotate ls config --out schemas/labeling-config.xml
    """
    xml = ls_config.labeling_config()
    if out is None:
        click.echo(xml, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(xml, encoding="utf-8")
        click.echo(f"wrote {out}")


@ls.command("push")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--project", required=True, help="Project title or id; a new title creates the project.")
@click.option("--pack", "pack_path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Rule pack folder  [default: the bundled rules/]")
@click.option("--id-field", default="id", show_default=True, help="Field or column holding the article id.")
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the article text.")
@click.option("--update", is_flag=True, help="Add this rule version's predictions to tasks already in the project.")
@click.option("--delete-old", is_flag=True, help="With --update: delete other versions' predictions afterwards.")
@click.option("--batch-size", type=click.IntRange(min=1), default=50, show_default=True,
              help="Tasks per import request.")
@click.option("--replace-config", "config_policy", flag_value="replace",
              help="Overwrite the project's labeling config even when it was customised in Label Studio.")
@click.option("--keep-config", "config_policy", flag_value="keep",
              help="Never touch the project's labeling config.")
@_store_option
@_connection
@user_errors
def push_cmd(inputs: tuple[Path, ...], project: str, pack_path: Path | None, id_field: str, text_field: str,
             update: bool, delete_old: bool, batch_size: int, config_policy: str | None, store: Any,
             studio_factory: Callable[[], Studio]) -> None:
    """Annotate INPUT articles and import them as pre-annotated tasks.

    Takes the same inputs as `annotate run`. One task per article, keyed by its id:
    pushing again adds no duplicates, and an interrupted push resumes where it
    stopped. The predictions' model_version names the rule pack and its content hash.
    Every prediction sent is also kept in --store, so a review made from an older
    rule version is still scored against it after --update --delete-old. A config
    a lead customised in Label Studio is kept (and reported) unless --replace-config.

    \b
    Example:
      annotate ls push samples/articles.jsonl --project news-review --url http://127.0.0.1:8080
      annotate ls push news.jsonl --project 3 --update --delete-old
    """
    from annotate.labelstudio.push import PushResult, push

    studio = studio_factory()
    err = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        task = bar.add_task("loading the rule pack…", total=None)

        def show(r: PushResult) -> None:
            bar.update(task, description=f"{r.articles:,} articles · {r.tasks_created:,} new tasks · "
                                         f"{r.predictions_added:,} new predictions · {r.tasks_skipped:,} skipped")

        result = push(studio, inputs, project, pack_path=pack_path, id_field=id_field, text_field=text_field,
                      update=update, delete_old=delete_old, batch_size=batch_size, progress=show,
                      store=store, config_policy=config_policy or "update")
        show(result)
    out = Console(highlight=False, soft_wrap=True)
    verb = "created" if result.project_created else "updated"
    out.print(f"project {result.project_id} {verb}; model_version {result.model_version}"
              + (" (now shown to reviewers)" if result.switched_version else ""), markup=False)
    out.print(f"{result.tasks_created:,} new tasks, {result.predictions_added:,} predictions added to existing tasks, "
              f"{result.tasks_skipped:,} already there", markup=False)
    if result.predictions_deleted:
        out.print(f"{result.predictions_deleted:,} predictions of older versions deleted (kept in the store for "
                  "scoring reviews made from them)", markup=False)
    if result.duplicates_removed:
        out.print(f"{result.duplicates_removed:,} duplicate task(s) from a push running at the same time deleted",
                  markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)
    for doc_id, problems in result.invalid:
        out.print(f"not sent: {doc_id}: " + "; ".join(problems), markup=False)
    for error in result.read_errors:
        out.print(f"failed: {error.file}:{error.line or '-'}: {error.reason}", markup=False)
    if result.invalid or result.read_errors:
        raise click.exceptions.Exit(1)


@ls.command("pull")
@click.option("--project", required=True, help="Project title or id.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True, help="Folder for reviewed.parquet, reviewed_regions.parquet, review_errors.parquet.")
@_store_option
@_connection
@user_errors
def pull_cmd(project: str, out_dir: Path, store: Any, studio_factory: Callable[[], Studio]) -> None:
    """Export reviewed annotations to reviewed.parquet.

    One row per attribution per review, with the attributions.parquet columns plus
    reviewer, task and annotation ids, lead time, whether it was kept, changed,
    added or removed (per region too), the rule that produced it and the rule
    version the review was made from (found by the review's region ids, in Label
    Studio or in --store). A review that cannot be read becomes a row of
    review_errors.parquet; contradictory regions are flagged, not believed.

    \b
    Example:
      annotate ls pull --project news-review --out exports/
    """
    from annotate.labelstudio.pull import pull

    studio = studio_factory()
    with Progress(SpinnerColumn(), TextColumn("{task.completed:,} reviewed tasks"), TimeElapsedColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("pull", total=None)
        result = pull(studio, project, out_dir, progress=lambda n: bar.update(task, completed=n), store=store)
    _pulled(result)


def _pulled(result: Any) -> None:
    """What a pull wrote, and what needs a look (errors, flagged rows)."""
    click.echo(f"{result.annotations} reviews of {result.tasks} tasks: {result.attributions} attribution rows "
               f"→ {result.reviewed_path}; {result.regions} region rows → {result.regions_path}")
    if result.errors:
        click.echo(f"{result.errors} review(s) could not be read or scored: see {result.errors_path}", err=True)
    if result.flagged:
        click.echo(f"{result.flagged} row(s) flagged (a source's label and kind disagree): not scored; "
                   "fix them in Label Studio and pull again", err=True)


def _print_frame(console: Console, title: str, frame: pl.DataFrame) -> None:
    table = Table(title=title, title_justify="left")
    for name in frame.columns:
        table.add_column(name, justify="right" if frame[name].dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*["" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v) for v in row])
    console.print(table)


def _reviewed_tables(project: str | None, reviewed_dir: Path | None, out_dir: Path, store: Any,
                     studio_factory: Callable[[], Studio]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """reviewed.parquet and reviewed_regions.parquet: pulled from --project, or read from --reviewed."""
    from annotate.labelstudio.pull import pull

    if (project is None) == (reviewed_dir is None):
        raise click.UsageError("give exactly one of --project or --reviewed")
    if project is not None:
        pulled = pull(studio_factory(), project, out_dir, store=store)
        _pulled(pulled)
        reviewed_dir = pulled.reviewed_path.parent
    assert reviewed_dir is not None
    try:
        return (pl.read_parquet(reviewed_dir / "reviewed.parquet"),
                pl.read_parquet(reviewed_dir / "reviewed_regions.parquet"))
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise click.ClickException(f"cannot read the reviewed tables in {reviewed_dir}: {exc}") from exc


def _source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--project or --reviewed, and --out: where the reviewed tables come from and where results go."""
    func = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=Path("exports"), show_default=True, help="Folder for the tables written.")(func)
    func = click.option("--reviewed", "reviewed_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
                        default=None, help="Instead of --project: a folder with reviewed.parquet from `annotate ls "
                                           "pull`.")(func)
    return click.option("--project", default=None, help="Project title or id: pull its reviews first.")(func)


@ls.command("agreement")
@_source_options
@_store_option
@_connection
@user_errors
def agreement_cmd(project: str | None, reviewed_dir: Path | None, out_dir: Path, store: Any,
                  studio_factory: Callable[[], Studio]) -> None:
    """Agreement between reviewers of the same tasks, for a methods section.

    For every task with two or more reviews, every pair of reviews: span F1 (exact
    and overlapping) for cues, sources and claims; Krippendorff's alpha (nominal)
    for source type, source kind and credibility grade on the spans both marked;
    and the list of disagreements (agreement_spans.parquet, agreement_alpha.parquet,
    disagreements.parquet).

    \b
    Example:
      annotate ls agreement --project news-review --out exports/
      annotate ls agreement --reviewed exports/
    """
    from annotate.labelstudio.agreement import agreement
    from annotate.labelstudio.pull import write_atomic

    reviewed, _ = _reviewed_tables(project, reviewed_dir, out_dir, store, studio_factory)
    result = agreement(reviewed)
    console = Console(highlight=False, width=max(Console().width, 120))
    console.print(f"{result.tasks} task(s) with two or more reviews, {result.pairs} pair(s) of reviews", markup=False)
    if not result.pairs:
        console.print("nothing to compare: ask a second reviewer to review some tasks "
                      "(Settings → Annotation → overlap)", markup=False)
    _print_frame(console, "Span agreement (F1 between two reviewers)", result.spans)
    _print_frame(console, "Krippendorff's alpha on spans both marked", result.alpha)
    for name, frame in (("agreement_spans", result.spans), ("agreement_alpha", result.alpha),
                        ("disagreements", result.disagreements)):
        path = out_dir / f"{name}.parquet"
        write_atomic(frame, path)
        console.print(f"{name}: {path}", markup=False)


@ls.command("suggest")
@_source_options
@_store_option
@_connection
@user_errors
def suggest_cmd(project: str | None, reviewed_dir: Path | None, out_dir: Path, store: Any,
                studio_factory: Callable[[], Studio]) -> None:
    """Suggest lexicon entries and rule examples from what reviewers added.

    Attributions reviewers added are what the rules missed: grouped by cue form
    and where the source stands, ranked by how many misses each would cover, each
    with a YAML snippet (the cue, the reviewers' sentences as rule examples) to
    review and paste into the rule pack (suggestions.yaml, suggestions.parquet).

    \b
    Example:
      annotate ls suggest --project news-review --out exports/
      annotate ls suggest --reviewed exports/
    """
    from annotate.labelstudio.pull import write_atomic
    from annotate.labelstudio.suggest import as_frame, suggestions

    reviewed, _ = _reviewed_tables(project, reviewed_dir, out_dir, store, studio_factory)
    found = suggestions(reviewed)
    frame = as_frame(found)
    console = Console(highlight=False, width=max(Console().width, 120))
    if not found:
        console.print("reviewers added nothing the rules missed: no suggestion", markup=False)
    _print_frame(console, "Suggestions (most misses covered first)", frame.drop("snippet"))
    write_atomic(frame, out_dir / "suggestions.parquet")
    yaml_path = out_dir / "suggestions.yaml"
    yaml_path.write_text("".join(s.snippet() for s in found), encoding="utf-8")
    console.print(f"suggestions: {out_dir / 'suggestions.parquet'}, {yaml_path}", markup=False)


@ls.command("report")
@click.option("--project", default=None, help="Project title or id: pull its reviews first.")
@click.option("--reviewed", "reviewed_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Instead of --project: a folder with reviewed.parquet from `annotate ls pull`.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True, help="Folder for rules_report.parquet, labels_report.parquet, missed_cues.parquet.")
@_store_option
@_connection
@user_errors
def report_cmd(project: str | None, reviewed_dir: Path | None, out_dir: Path, store: Any,
               studio_factory: Callable[[], Studio]) -> None:
    """Measure every rule against the reviewers and print what to fix next.

    Per rule and rule version: how often it fired, coverage, overlaps and conflicts
    with other rules, kept/changed/removed and precision (a change of source kind
    only is charged to the rule that typed the source). Per version and label:
    precision, recall, F1. What reviewers added that no rule found, by cue, and
    the rows not scored because they contradict themselves.

    \b
    Example:
      annotate ls report --project news-review --out exports/
      annotate ls report --reviewed exports/
    """
    from annotate.labelstudio.report import build_report

    reviewed, regions = _reviewed_tables(project, reviewed_dir, out_dir, store, studio_factory)
    report = build_report(reviewed, regions, out_dir)
    console = Console(highlight=False, width=max(Console().width, 160))  # tables are wide; never elide rule ids
    console.print(f"{report.reviews} reviews, rule version(s): {', '.join(report.versions) or '-'}", markup=False)
    _print_frame(console, "Rules (worst precision first; each figure is for its model_version)", report.rules)
    _print_frame(console, "Labels (per model_version)", report.labels)
    _print_frame(console, "Added by reviewers, no rule found them (by cue)", report.missed)
    if report.flagged.height:
        _print_frame(console, "Flagged, not scored (fix in Label Studio)", report.flagged)
    for name, path in report.paths.items():
        console.print(f"{name}: {path}", markup=False)


@ls.command("serve")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".ls-data"),
              show_default=True, help="Where Label Studio keeps its database, uploads and the login.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--no-sample", is_flag=True, help="Do not push the bundled sample articles.")
@click.option("--wait", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="How long to wait for Label Studio to answer  [default: 600, env: ANNOTATE_LS_WAIT]")
@user_errors
def serve_cmd(data_dir: Path, port: int, no_sample: bool, wait: float | None) -> None:
    """Start a local Label Studio with the sample articles pre-annotated.

    Needs Label Studio in .venv-ls/ (see the README) or LABEL_STUDIO_BIN. Binds to
    127.0.0.1 only; the first start takes about 30 s (longer on a busy machine:
    --wait). Ctrl-C, SIGTERM or SIGHUP stop Label Studio too. The admin login goes to
    Label Studio through its environment, so it never shows in `ps`.

    \b
    Example:
      annotate ls serve --data-dir .ls-data --port 8080
    """
    import signal

    from annotate.labelstudio import serve

    def stop_on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # unwinds through the finally below, which stops Label Studio

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    console = Console(stderr=True)
    with console.status("starting Label Studio (the first start migrates its database, ~30 s)…"):
        served = serve.start(data_dir, port, sample=None if no_sample else serve.SAMPLE, wait=wait)
    creds = served.server.credentials
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"Label Studio is up at {served.server.url} (started in {served.startup_seconds:.1f} s)", markup=False)
    out.print(f"log in as {creds.email} with password {creds.password}", markup=False)
    if served.project_id is not None:
        out.print(f"sample project: {served.server.url}/projects/{served.project_id}/data", markup=False)
    out.print(f"API token for push/pull: in {served.credentials_path} (\"token\"); e.g.\n"
              f"  export {ENV_URL}={served.server.url}\n"
              f"  export {ENV_KEY}=$(python -c \"import json;print(json.load(open('{served.credentials_path}'))"
              f"['token'])\")", markup=False)
    out.print("Ctrl-C stops the server.", markup=False)
    try:
        while served.server.process is not None and served.server.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        served.server.stop()
    click.echo("stopped")
