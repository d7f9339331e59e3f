"""``annotate spark``: the engine on Apache Spark, Parquet partitioned in the Hive layout.

Also the file to hand to ``spark-submit`` on a cluster (it runs this command):

    spark-submit --master yarn annotate/cli/spark.py hdfs:///news/ --out hdfs:///annotate/news --partition-by outlet
"""

from __future__ import annotations

import click

from annotate.cli._common import PACK_HELP, user_errors


@click.command("spark")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "-o", "out_dir", required=True,
              help="Folder (local path or URI) for attributions/, documents/ and errors/.")
@click.option("--partition-by", default=None,
              help="Carried input field to partition attributions and documents by (outlet, date …).")
@click.option("--master", default=None,
              help="Spark master URL, e.g. local[2]  [default: spark-submit's, else local[*]]")
@click.option("--pack", "-p", "pack_path", type=click.Path(exists=True), default=None, help=PACK_HELP)
@click.option("--id-field", default="id", show_default=True, help="Field holding the article id.")
@click.option("--text-field", default="text", show_default=True, help="Field holding the article text.")
@user_errors
def spark(inputs: tuple[str, ...], out_dir: str, partition_by: str | None, master: str | None,
          pack_path: str | None, id_field: str, text_field: str) -> None:
    """Annotate JSONL INPUT files or folders on Spark and write partitioned Parquet to --out.

    Writes OUT/attributions/ and OUT/documents/ (in OUT/<table>/<field>=<value>/ folders
    with --partition-by) and OUT/errors/, with the same rows as `annotate run`.
    INPUT may be a local path or a URI Spark reads (hdfs://, s3a:// …). Needs Java 17+
    and the spark extra (pip install 'annotate[spark]').

    \b
    Example:
      annotate spark samples/articles.jsonl --out exports/spark --partition-by outlet --master local[2]
    """
    from annotate import spark as runner

    runner.check_requirements()
    summary = runner.run(inputs, out_dir, partition_by=partition_by, pack=pack_path, id_field=id_field,
                         text_field=text_field, master=master)
    rows = [
        ("articles read", f"{summary.articles_read:,}"),
        ("annotated", f"{summary.annotated:,}"),
        ("failed", f"{summary.failed:,}"),
        ("attributions", f"{summary.attributions:,}"),
        ("time", f"{summary.seconds:,.1f} s"),
        *summary.tables.items(),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {value}")
    if summary.failed:
        click.echo(f"{summary.failed:,} article(s) failed: see {summary.tables['errors']} (file, line, reason)")


if __name__ == "__main__":  # spark-submit annotate/cli/spark.py …
    spark()
