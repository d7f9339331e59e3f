"""``annotate report``: one self-contained HTML page from a run folder."""

from __future__ import annotations

from pathlib import Path

import click

from annotate.aliases import load_aliases
from annotate.cli._common import user_errors
from annotate.report import DEFAULT_SAMPLE, build_report


@click.command("report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="report.html, or a folder to hold it  [default: RUN_DIR/report.html]")
@click.option("--date-field", default=None,
              help="Column holding each article's date (ISO, 11/03/2018, 20180311 …); doc_id works when ids end in a date.")
@click.option("--outlet-field", default="outlet", show_default=True, help="Column naming each article's outlet.")
@click.option("--aliases", "aliases_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="YAML file 'canonical name: [variants]'; wins over the automatic source names.")
@click.option("--input", "inputs", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Where the article texts are, if not where manifest.json says (repeatable).")
@click.option("--id-field", default=None, help="Id field of --input  [default: as in the run]")
@click.option("--text-field", default=None, help="Text field of --input  [default: as in the run]")
@click.option("--sample", type=click.IntRange(min=0), default=DEFAULT_SAMPLE, show_default=True,
              help="How many articles to show highlighted.")
@click.option("--top", type=click.IntRange(min=1), default=30, show_default=True, help="How many top sources to list.")
@user_errors
def report(run_dir: Path, out: Path | None, date_field: str | None, outlet_field: str, aliases_path: Path | None,
           inputs: tuple[Path, ...], id_field: str | None, text_field: str | None, sample: int, top: int) -> None:
    """Write an HTML report of RUN_DIR: who is quoted, how anonymously, by outlet and over time.

    One file that opens offline and prints: headline figures, anonymous and unresolved
    shares and grade mix by outlet (and by month with --date-field), source kinds and
    chains by outlet, the gender of quoted people, the top sources by source_key, the
    articles that lean most on anonymous sources, and a sample of articles with cue,
    source and claim highlighted.

    \b
    Example:
      annotate run ../shared/corpus/news-dev.jsonl --out exports/
      annotate report exports/ --date-field doc_id -o exports/report.html
    """
    summary = build_report(run_dir, out if out is not None else run_dir, date_field=date_field,
                           outlet_field=outlet_field, aliases=load_aliases(aliases_path), inputs=inputs or None,
                           id_field=id_field, text_field=text_field, sample=sample, top=top)
    h = summary.figures.headline
    click.echo(f"{h['articles']:,} articles, {h['attributions']:,} attributions: "
               f"{100 * h['share_anonymous']:.1f}% anonymous, {100 * h['share_unresolved']:.1f}% unresolved")
    click.echo(f"wrote {summary.path}")
