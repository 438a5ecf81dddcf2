"""Reading ZPL back, for the tests: each label's fields, their text un-escaped, and the label
drawn as a Zebra printer would print it (zplkit's ZD621 profile) to scan and measure."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

FORMAT = re.compile(r"\^XA(.*?)\^XZ", re.DOTALL)
FIELD = re.compile(r"\^FO(\d+),(\d+)(.*?)\^FD(.*?)\^FS", re.DOTALL)
HEX = re.compile(r"(?:_[0-9A-Fa-f]{2})+")


@dataclass(frozen=True)
class Field:
    x: int
    y: int
    commands: str  # what stands between ^FO and ^FD: ^A0, ^FB, ^FH, ^BY, ^BC
    data: str  # as written in the ZPL

    @property
    def block(self) -> tuple[int, int, int] | None:
        """A field block's width, line count and line spacing."""
        found = re.search(r"\^FB(\d+),(\d+),(\d+)", self.commands)
        return tuple(int(n) for n in found.groups()) if found else None  # type: ignore[return-value]

    @property
    def height(self) -> int:
        return int(re.search(r"\^A0N,(\d+),", self.commands)[1])

    @property
    def lines(self) -> list[str]:
        """The printed lines: ^FH hex escapes decoded, then a block's escapes read as the
        printer reads them (a backslash doubled is one; "\\&" starts a new line)."""
        text = HEX.sub(lambda m: bytes.fromhex(m[0].replace("_", "")).decode(), self.data)
        lines, line = [], ""
        for token in re.findall(r"\\\\|\\&|.", text, re.DOTALL):
            if token == "\\&":
                lines, line = [*lines, line], ""
            else:
                line += token[0]
        return [*lines, line]

    @property
    def is_barcode(self) -> bool:
        return "^BC" in self.commands


def formats(zpl: str) -> list[str]:
    return FORMAT.findall(zpl)


def fields(label: str) -> list[Field]:
    return [Field(int(x), int(y), commands, data) for x, y, commands, data in FIELD.findall(label)]


def size(label: str) -> tuple[int, int]:
    """A format's ^PW and ^LL."""
    return int(re.search(r"\^PW(\d+)", label)[1]), int(re.search(r"\^LL(\d+)", label)[1])


def printed_text(label: str) -> list[str]:
    """Every text field's lines, in order (not the barcode's data)."""
    return [line for field in fields(label) if not field.is_barcode for line in field.lines]


def barcode_data(label: str) -> list[str]:
    return [field.data for field in fields(label) if field.is_barcode]


def drawn(zpl: str, dpi: int, wider_by: int = 0):  # type: ignore[no-untyped-def]
    """The first label drawn by zplkit (a test dependency) at `dpi`, on a canvas `wider_by`
    dots wider than its ^PW, to see anything printed past it."""
    kit = pytest.importorskip("zplkit")
    width, _length = size(formats(zpl)[0])
    options = kit.Options(profile="zd621", dpi=dpi)
    source = zpl.replace(f"^PW{width}", f"^PW{width + wider_by}", 1)
    raster = kit.render(source.encode(), options).labels[0].rasterize()
    return raster


def ink_columns(raster) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The first and last column with a black dot."""
    width, pixels = raster.width, raster.pixels
    columns = {i % width for i, dot in enumerate(pixels) if dot == 0}
    return min(columns), max(columns)


def ink_rows(raster) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    width, pixels = raster.width, raster.pixels
    rows = {i // width for i, dot in enumerate(pixels) if dot == 0}
    return min(rows), max(rows)


def scanned(zpl: str, dpi: int) -> list[str]:
    """The barcodes zbar reads on the label as the printer would print it."""
    if shutil.which("zbarimg") is None:
        pytest.skip("zbar-tools not installed")
    kit = pytest.importorskip("zplkit")
    png = kit.render(zpl.encode(), kit.Options(profile="zd621", dpi=dpi)).labels[0].png()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "label.png").write_bytes(png)
        read = subprocess.run(
            ["zbarimg", "-q", "--raw", "label.png"], cwd=folder, capture_output=True, text=True
        )
    return read.stdout.split()
