"""Input files as bytes: compression by magic bytes, every line ending, deep folders, odd names."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path

import pytest

from annotate.errors import InputError
from annotate.inputfiles import byte_lines, compression_of, format_suffix, open_bytes, shown, stem, walk_files
from annotate.readers import iter_articles
from annotate.records import ReadError


def test_lines_end_in_lf_crlf_or_a_lone_cr_even_across_read_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    import annotate.inputfiles as inputfiles

    data = b"a\nb\r\nc\rd\r\n\re"
    expected = [b"a\n", b"b\r\n", b"c\r", b"d\r\n", b"\r", b"e"]
    for block in (1, 2, 3, 64):
        monkeypatch.setattr(inputfiles, "LINE_READ_BYTES", block)
        assert list(byte_lines(io.BytesIO(data))) == expected, block


@pytest.mark.parametrize("compress, name", [
    (gzip.compress, "gzip"), (bz2.compress, "bzip2"), (lzma.compress, "xz"),
])
def test_compressed_files_are_recognised_by_their_first_bytes(tmp_path: Path, compress: object, name: str) -> None:
    path = tmp_path / "news.jsonl"  # the name does not say it is compressed
    path.write_bytes(compress(b'{"id": "a", "text": "x"}\n'))  # type: ignore[operator]
    assert compression_of(path) == name
    with open_bytes(path) as handle:
        assert handle.read() == b'{"id": "a", "text": "x"}\n'


def test_format_and_id_come_from_the_name_under_its_compression_suffix() -> None:
    assert format_suffix(Path("a/news.JSONL.gz")) == ".jsonl"
    assert format_suffix(Path("a1.txt.zst")) == ".txt"
    assert stem(Path("a1.txt.gz")) == "a1" and stem(Path("a1.txt")) == "a1"


def test_a_truncated_gzip_file_keeps_its_complete_lines_and_reports_the_rest(tmp_path: Path) -> None:
    body = "".join(f'{{"id": "a{i}", "text": "قال المصدر {i}"}}\n' for i in range(2000)).encode()
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress(body)[:-200])
    items = list(iter_articles([path]))
    *articles, last = items
    assert len(articles) > 1000 and all(not isinstance(a, ReadError) for a in articles)
    assert isinstance(last, ReadError) and "cannot be read after line" in last.reason


def test_a_zip_archive_or_a_compressed_parquet_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    archive = tmp_path / "news.jsonl"
    archive.write_bytes(b"PK\x03\x04rest of a zip")
    with pytest.raises(InputError, match=r"news\.jsonl: this is a ZIP archive"):
        iter_articles([archive])
    table = tmp_path / "t.parquet"
    table.write_bytes(gzip.compress(b"PAR1..."))
    with pytest.raises(InputError, match=r"t\.parquet: this Parquet file is gzip-compressed"):
        iter_articles([table])


def test_folders_are_walked_in_sorted_order_without_following_links_or_hidden_entries(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "no.txt").write_text("x")
    (tmp_path / "b" / "loop").symlink_to(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in walk_files(tmp_path)] == ["a.txt", "b/two.txt"]


def test_a_name_that_is_not_utf8_is_shown_with_its_bytes_escaped() -> None:
    assert shown(Path(b"caf\xe9.txt".decode("utf-8", "surrogateescape"))) == "caf\\xe9.txt"
    assert shown("مقال.txt") == "مقال.txt"


def test_a_folder_deeper_than_the_system_can_name_is_refused_naming_it(tmp_path: Path) -> None:
    import os

    name = "d" * 250
    fds = [os.open(tmp_path, os.O_RDONLY)]
    try:
        for _ in range(20):  # 20 × 251 characters: past PATH_MAX (4,096), reachable only step by step
            os.mkdir(name, dir_fd=fds[-1])
            fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
        with os.fdopen(os.open("a.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fds[-1]), "w") as handle:
            handle.write("قال")
        with pytest.raises(InputError, match=r"cannot be listed or opened \(File name too long\)"):
            iter_articles([tmp_path])
    finally:
        os.unlink("a.txt", dir_fd=fds[-1])
        for parent in reversed(fds[:-1]):
            os.close(fds.pop())
            os.rmdir(name, dir_fd=parent)
        os.close(fds.pop())
