"""Parquet export: schemas from the models, streamed row groups, atomic replacement."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from record_factories import attribution

from annotate.errors import ExportError
from annotate.export import (
    RunWriter,
    TableWriter,
    model_row,
    model_schema,
    render_table_schemas,
)
from annotate.records import Attribution, DocumentProfile, ReadError

REPO = Path(__file__).resolve().parents[1]
TEXT = "وقال الوزير إن الاجتماع انتهى."


def test_model_schema_maps_every_field_with_nullability() -> None:
    schema = model_schema(Attribution, carried=["outlet", "doc_id"])
    assert schema.names[: len(Attribution.model_fields)] == list(Attribution.model_fields)
    assert schema.field("cue_start").type == pa.int64() and not schema.field("cue_start").nullable
    assert schema.field("source_text").type == pa.string() and schema.field("source_text").nullable
    assert schema.field("source_kind").type == pa.string()
    assert schema.field("credibility_reasons").type == pa.list_(pa.string())
    assert schema.field("credibility_score").type == pa.float64()
    assert schema.field("implicit").type == pa.bool_()
    assert schema.names[-2:] == ["outlet", "input_doc_id"]
    assert model_schema(DocumentProfile).field("anonymous_share").nullable


def test_run_writer_streams_row_groups_and_carries_fields(tmp_path: Path) -> None:
    att = attribution(TEXT, 0, "وقال", "الوزير", "role", claim="إن الاجتماع انتهى")
    with RunWriter(tmp_path, carried=["outlet"], rows_per_group=2) as writer:
        for i in range(5):
            row = model_row(att.model_copy(update={"attribution_id": i}), ["outlet"], {"outlet": "BBC Arabic"})
            writer.write_rows("attributions", [row])
        writer.write_rows("errors", [model_row(ReadError(file="in.jsonl", line=3, stage="read", reason="bad JSON"))])
        paths = writer.commit()
    table = pq.read_table(paths["attributions"])
    assert table.num_rows == 5
    assert pq.ParquetFile(paths["attributions"]).num_row_groups == 3
    assert table.column("outlet").to_pylist() == ["BBC Arabic"] * 5
    assert table.column("source_kind").to_pylist()[0] == "role"
    assert pq.read_table(paths["errors"]).to_pylist()[0]["line"] == 3
    assert pq.read_table(paths["documents"]).num_rows == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "attributions.parquet", "documents.parquet", "errors.parquet", "manifest.json"]


def test_a_spooled_table_is_transformed_row_group_by_row_group_on_commit(tmp_path: Path) -> None:
    """The run-wide source_key merge: attributions wait in an Arrow spool, then go through the
    transform into Parquet once, in the row groups they would have had, and the spool is gone."""
    att = attribution(TEXT, 0, "وقال", "الوزير", "role")
    seen: list[int] = []

    def upper_kind(table: pa.Table) -> pa.Table:
        seen.append(table.num_rows)
        index = table.schema.get_field_index("source_kind")
        kinds = pa.array([kind.upper() for kind in table.column(index).to_pylist()], pa.string())
        return table.set_column(index, table.schema.field(index), kinds)

    with RunWriter(tmp_path, rows_per_group=2) as writer:
        for i in range(5):
            writer.write_rows("attributions", [model_row(att.model_copy(update={"attribution_id": i}))])
        assert len([p for p in tmp_path.iterdir() if p.name.startswith(".attributions.parquet.")]) == 1  # the spool
        paths = writer.commit({"attributions": upper_kind})
    assert seen == [2, 2, 1]
    assert pq.ParquetFile(paths["attributions"]).num_row_groups == 3
    assert pq.read_table(paths["attributions"]).column("source_kind").to_pylist() == ["ROLE"] * 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "attributions.parquet", "documents.parquet", "errors.parquet", "manifest.json"]


def test_only_a_spooled_table_takes_a_transform_and_an_abort_removes_the_spool(tmp_path: Path) -> None:
    with RunWriter(tmp_path) as writer:
        writer.write_rows("attributions", [model_row(attribution(TEXT, 0, "وقال", "الوزير", "role"))])
        with pytest.raises(ValueError, match="only a spooled table"):
            writer.commit({"errors": lambda table: table})
    assert list(tmp_path.iterdir()) == []


def test_a_table_failing_as_the_tables_are_finished_side_by_side_aborts_them_all(tmp_path: Path) -> None:
    old = tmp_path / "documents.parquet"
    pq.write_table(pa.table({"old": [1]}), old)

    def failing(table: pa.Table) -> pa.Table:
        raise ExportError("attributions.parquet: writing failed (no space left); is the disk full?")

    with RunWriter(tmp_path, rows_per_group=1) as writer:
        writer.write_rows("attributions", [model_row(attribution(TEXT, 0, "وقال", "الوزير", "role"))])
        writer.write_rows("errors", [model_row(ReadError(file="f", stage="read", reason="r"))])
        with pytest.raises(ExportError, match="is the disk full"):
            writer.commit({"attributions": failing})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents.parquet"]  # no temporary file is left
    assert pq.read_table(old).column_names == ["old"]


def test_failing_run_leaves_no_file_and_keeps_older_tables(tmp_path: Path) -> None:
    old = tmp_path / "errors.parquet"
    pq.write_table(pa.table({"old": [1]}), old)
    with pytest.raises(RuntimeError, match="crash"):
        with RunWriter(tmp_path, rows_per_group=1) as writer:
            writer.write_rows("errors", [model_row(ReadError(file="f", stage="read", reason="r"))])
            raise RuntimeError("crash in the middle of a run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["errors.parquet"]
    assert pq.read_table(old).column_names == ["old"]


def test_row_that_does_not_fit_the_schema_is_an_export_error(tmp_path: Path) -> None:
    writer = TableWriter(tmp_path / "errors.parquet", model_schema(ReadError), rows_per_group=1)
    with pytest.raises(ExportError, match="does not fit the table schema"):
        writer.write([{"file": "f", "line": "not a number", "doc_id": None, "stage": "read", "reason": "r"}])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_folder_is_an_export_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot create the output folder"):
        RunWriter(blocker / "out")


def test_committed_table_schemas_are_current() -> None:
    folder = REPO / "schemas" / "tables"
    for name, text in render_table_schemas().items():
        path = folder / name
        assert path.exists() and path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: regenerate with `.venv/bin/python -m annotate.export schemas/tables`")


def test_an_error_row_with_a_lone_surrogate_is_written_with_it_escaped(tmp_path: Path) -> None:
    error = ReadError(file="caf\udce9.jsonl", line=2, doc_id="s\ud800", stage="read", reason="bad \udfff")
    with RunWriter(tmp_path, carried=["outlet"]) as writer:
        writer.write_rows("errors", [model_row(error)])
        att = attribution(TEXT, 0, "وقال", "الوزير", "role").model_copy(update={"doc_id": "d\ud800"})
        writer.write_rows("attributions", [model_row(att, ["outlet"], {"outlet": "x\udfff"})])
        paths = writer.commit()
    (row,) = pq.read_table(paths["errors"]).to_pylist()
    assert (row["file"], row["doc_id"], row["reason"]) == ("caf\\udce9.jsonl", "s\\ud800", "bad \\udfff")
    (att_row,) = pq.read_table(paths["attributions"]).to_pylist()
    assert (att_row["doc_id"], att_row["outlet"]) == ("d\\ud800", "x\\udfff")


def test_carried_columns_are_renamed_the_same_way_for_every_table() -> None:
    from annotate.export import carried_columns

    carried = ["outlet", "doc_id", "input_doc_id", "characters", "input_characters"]
    expected = ["outlet", "input_doc_id_2", "input_doc_id", "input_characters_2", "input_characters"]
    assert carried_columns(Attribution, carried) == carried_columns(DocumentProfile, carried) == expected
    for model in (Attribution, DocumentProfile):
        names = model_schema(model, carried).names
        assert len(names) == len(set(names))
