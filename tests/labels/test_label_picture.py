"""Renders a label to PNG for a person to look at (tests/artifacts/label.png)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pharmacy_app.barcodes import FillCode, parse_fill_code

# Renders and reads PDFs with WeasyPrint: left out of `scripts/test --quick`, run in CI.
pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_label_renders_to_a_picture(signed_in, ready_order, tmp_path):
    order_id = ready_order(patient={"first_name": "Zoë", "last_name": "Nguyễn"})
    pdf = signed_in("technician").post(f"/orders/{order_id}/label").data
    (tmp_path / "label.pdf").write_bytes(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "200",
            "-singlefile",
            str(tmp_path / "label.pdf"),
            str(ARTIFACTS / "label"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "label.png").stat().st_size > 5000


def barcodes_in(pdf: bytes, dpi: str = "203") -> list[str]:
    """The barcodes zbar reads on the PDF's first page printed at `dpi`."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "page.pdf").write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", dpi, "-f", "1", "-singlefile", "page.pdf", "page"],
            cwd=folder,
            check=True,
        )
        scanned = subprocess.run(
            ["zbarimg", "-q", "--raw", "page.png"], cwd=folder, capture_output=True, text=True
        )
    return scanned.stdout.split()


SCANNING = pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="zbar-tools or poppler-utils not installed",
)


@SCANNING
@pytest.mark.parametrize("dpi", ["203", "300"])
def test_the_barcode_scans_at_thermal_printer_resolutions(signed_in, ready_order, dpi):
    order_id = ready_order()
    scanned = barcodes_in(signed_in("technician").post(f"/orders/{order_id}/label").data, dpi)
    # The barcode names the fill (Rx number and fill number), and its text is printed below.
    assert scanned == ["100001-F01"]
    assert parse_fill_code(scanned[0]) == FillCode("RX-100001", 1)
