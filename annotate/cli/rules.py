"""``annotate rules``: commands for rule authors."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from rich.console import Console

from annotate.cli._common import PACK_HELP, user_errors
from annotate.errors import RuleProblem
from annotate.pack import DEFAULT_PACK, CompiledPack, load_pack
from annotate.rules.check import check_pack
from annotate.rules.diff import DEFAULT_SEED, PackDiff, diff_packs, pack_at_ref, read_sample
from annotate.rules.diff_view import print_counts, print_diff, write_diff
from annotate.rules.generate import generated_macros, regenerate
from annotate.rules.schema import SCHEMA_FILE, render_json_schema


@click.group()
def rules() -> None:
    """Validate, test, compare and generate rule packs.

    \b
    Example:
      annotate rules check rules/
    """


_CORPUS = click.Path(exists=True, path_type=Path)


@rules.command()
@click.argument("pack", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--pack", "-p", "pack_option", type=click.Path(exists=True, path_type=Path), default=None,
              help=PACK_HELP + "; the same as the PACK argument, like --pack of every other command")
@click.option("--corpus", type=_CORPUS, multiple=True,
              help="Also run the pack over these articles and compare with --against (JSONL, CSV, Parquet, folder).")
@click.option("--sample", type=click.IntRange(min=1), help="Use this many articles of --corpus, drawn with a fixed seed.")
@click.option("--against", "ref", default="HEAD", show_default=True,
              help="The git ref (branch, tag, commit) whose version of the pack --corpus compares with.")
@click.option("--max-changes", type=click.IntRange(min=0), default=0, show_default=True,
              help="Warn when more attributions than this appear, disappear or change on the corpus.")
@user_errors
def check(pack: Path | None, pack_option: Path | None, corpus: tuple[Path, ...], sample: int | None, ref: str,
          max_changes: int) -> None:
    """Validate PACK (default: the bundled rules/) and run every example in it.

    Every problem is reported with its file, line and rule id; the exit code is 1 when
    any example fails or the pack does not load. With --corpus, the pack is also run
    over those articles next to its version at --against, and a warning says when the
    change moves more attributions than --max-changes (see `annotate rules diff`).

    \b
    Examples:
      annotate rules check rules/
      annotate rules check --corpus ../shared/corpus/news-wild.jsonl --sample 300 --against main
    """
    if sample is not None and not corpus:
        raise click.UsageError("--sample draws from --corpus: give the articles with --corpus FILE")
    console = Console(highlight=False, markup=False, soft_wrap=True)
    if pack is not None and pack_option is not None and pack != pack_option:
        raise click.UsageError("give the pack once: as PACK or with --pack")
    pack = pack or pack_option
    compiled = load_pack(pack)
    report = check_pack(compiled)
    root = pack or DEFAULT_PACK  # not compiled.root: a pack from the cache may name another folder
    if root.is_dir():
        report.warnings += [RuleProblem(str(item.file), item.line, item.name,
                                        f"generated from {', '.join(item.lexicons)}, which changed since; "
                                        "run `annotate rules generate`")
                            for item in generated_macros(root) if item.stale]
    for warning in report.warnings:
        console.print(f"warning {warning}", style="yellow")
    for failure in report.failures:
        console.print(f"FAIL {failure}", style="red")
    summary = (f"{compiled.name} {compiled.version}: {len(compiled.rules)} rules, {len(compiled.kind_rules)} "
               f"source-kind rules, {len(compiled.furniture)} furniture rules; {report.examples} examples and "
               f"{report.counterexamples} counterexamples run, {len(report.failures)} failed, "
               f"{len(report.warnings)} warnings")
    console.print(summary)
    if corpus:
        diff = _diff_against(root, ref, compiled, corpus, sample)
        moved = len(diff.changes)
        if moved > max_changes:
            console.print(f"warning the change moves {moved} attributions on {diff.documents} articles, more than "
                          f"--max-changes {max_changes}; see them with: annotate rules diff {root} "
                          f"--against {ref} --corpus {' '.join(map(str, corpus))}"
                          + (f" --sample {sample}" if sample else ""), style="yellow")
        print_counts(Console(highlight=False, soft_wrap=True), diff)
    if not report.ok:
        raise SystemExit(1)


def _diff_against(root: Path, ref: str, new: CompiledPack, corpus: tuple[Path, ...], sample: int | None,
                  seed: int = DEFAULT_SEED) -> PackDiff:
    with tempfile.TemporaryDirectory(prefix="annotate-rules-") as tmp:
        old = load_pack(pack_at_ref(root, ref, Path(tmp)))
    return diff_packs(old, new, read_sample(corpus, sample, seed), old_label=ref, new_label="working tree")


@rules.command()
@click.argument("packs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--corpus", type=_CORPUS, multiple=True, required=True,
              help="Articles to run both versions over (JSONL, CSV, Parquet, .txt or a folder); repeatable.")
@click.option("--against", "ref", help="Compare the pack with its version at this git ref (default: HEAD when "
              "one pack or none is given).")
@click.option("--sample", type=click.IntRange(min=1), help="Use this many articles, drawn with a fixed seed.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of --sample.")
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True,
              help="Changes shown per rule, with their sentences.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write every change to a .json, .jsonl or .parquet file.")
@user_errors
def diff(packs: tuple[Path, ...], corpus: tuple[Path, ...], ref: str | None, sample: int | None, seed: int,
         show: int, out: Path | None) -> None:
    """Show what a change to a pack does: attributions that appear, disappear or change.

    Runs two versions of a pack over the same articles: the pack (default: the bundled
    rules/) against its version at a git ref, or two pack folders OLD NEW. Attributions
    are paired by overlapping cue spans; a pair that differs in cue, source, type, kind,
    grade or rule is a change. Prints a summary line (for the commit message), counts per
    rule and each change with its sentence, the cue marked.

    \b
    Examples:
      annotate rules diff --against HEAD --corpus ../shared/corpus/news-wild.jsonl --sample 300
      annotate rules diff old-rules/ rules/ --corpus articles.jsonl --out diff.parquet
    """
    if len(packs) > 2:
        raise click.UsageError("give at most two packs: OLD NEW, or one pack to compare with --against")
    if len(packs) == 2 and ref is not None:
        raise click.UsageError("with two packs there is nothing to take from git: drop --against")
    articles = read_sample(corpus, sample, seed)
    if len(packs) == 2:
        old, new = load_pack(packs[0]), load_pack(packs[1])
        result = diff_packs(old, new, articles, old_label=str(packs[0]), new_label=str(packs[1]))
    else:
        root = packs[0] if packs else DEFAULT_PACK
        new = load_pack(root)
        ref = ref or "HEAD"
        with tempfile.TemporaryDirectory(prefix="annotate-rules-") as tmp:
            old = load_pack(pack_at_ref(root, ref, Path(tmp)))
        result = diff_packs(old, new, articles, old_label=ref, new_label="working tree")
    print_diff(Console(highlight=False, soft_wrap=True), result, show)
    if out is not None:
        write_diff(result, out)
        click.echo(f"wrote {out}")


@rules.command()
@click.argument("pack", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 when a generated macro is stale.")
@user_errors
def generate(pack: Path | None, check_only: bool) -> None:
    """Rewrite the generated macros of PACK (default: the bundled rules/) from their lexicons.

    A macro is generated when the comment line right above it reads
    `# generated: trie of LEXICON …` (e.g. the furniture breadcrumb trie, built from
    site_sections, countries and capitals). Run this after editing those lexicons.

    \b
    Examples:
      annotate rules generate
      annotate rules generate rules/ --check
    """
    root = pack or DEFAULT_PACK
    if check_only:
        stale = [g for g in generated_macros(root) if g.stale]
        for item in stale:
            click.echo(f"{item.file}:{item.line} [{item.name}]: stale; its lexicons ({', '.join(item.lexicons)}) "
                       "changed: run `annotate rules generate`")
        if stale:
            raise SystemExit(1)
        click.echo("generated macros are up to date")
        return
    changed = regenerate(root)
    for item in changed:
        click.echo(f"rewrote {item.file}:{item.line} [{item.name}] from {', '.join(item.lexicons)}")
    if not changed:
        click.echo("generated macros are up to date")


@rules.command()
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True,
              help="Folder to write the schema into.")
def schema(out: Path) -> None:
    """Write the JSON Schema of rule files (for editors) from the rule models.

    \b
    Example:
      annotate rules schema --out schemas/
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / SCHEMA_FILE
    path.write_text(render_json_schema(), encoding="utf-8")
    click.echo(f"wrote {path}")
