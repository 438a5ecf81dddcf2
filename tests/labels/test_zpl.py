"""Labels as ZPL for Zebra thermal printers: the PDF's text and barcode, sized to the roll at
its printer's dpi, critical items at 12 pt, nothing past the label, text escaped; downloaded
or sent to a printer (a listener on 127.0.0.1 here), recorded as a print like the PDF."""

from __future__ import annotations

import socket
import threading
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from pharmacy_app.extensions import db
from pharmacy_app.labels.models import PRESETS, LabelPrint, LabelStock
from pharmacy_app.labels.printing import zpl_fitting
from pharmacy_app.labels.rendering import render_labels
from pharmacy_app.labels.services import label_values, latest_fill
from pharmacy_app.labels.zpl import CRITICAL_PT, LabelDoesNotFit, Page, dots, render_zpl
from pharmacy_app.labels.zpl_text import text_width
from pharmacy_app.orders.models import Order
from pharmacy_app.workflow import WorkflowError
from tests.fuzz.conftest import fuzz_settings
from tests.labels.conftest import flashes, pdf_text
from tests.labels.samples import sample_label
from tests.labels.zpl_reading import (
    barcode_data,
    drawn,
    fields,
    formats,
    ink_columns,
    ink_rows,
    printed_text,
    scanned,
    size,
)

ROLL_4X2, ROLL_3X2, SHEET = PRESETS[0], PRESETS[1], PRESETS[3]
# zplkit's printer font has only ASCII glyphs (and a few more): labels it draws keep to them.
ASCII = {"storage": "Room temperature, 20-25 C, dry"}
LONG_NAME = (
    "Anna-Sophia Wilhelmina Maximiliana Alexandrina Konstantinopoulou-Vanderbilt de la Fuente"
)


def roll(preset=ROLL_4X2, dpi=203, **changes) -> LabelStock:
    stock = LabelStock.from_preset(preset | changes)
    stock.dpi = dpi
    return stock


def one(values, stock) -> str:
    (label,) = formats(render_zpl([values], stock))
    return label


@pytest.mark.slow  # renders the PDF
@pytest.mark.parametrize(
    ("preset", "auxiliary"), [(ROLL_4X2, ("Shake well before each use.",)), (ROLL_3X2, ())]
)
def test_the_zpl_prints_the_same_words_as_the_pdf(app, preset, auxiliary):
    values = sample_label(3, patient="José Núñez", auxiliary=auxiliary)
    with app.app_context():
        pdf_pages, _sizes = pdf_text(render_labels([values], LabelStock.from_preset(preset)))
    zpl = render_zpl([values], roll(preset))
    assert sorted(" ".join(printed_text(formats(zpl)[0])).split()) == sorted(pdf_pages[0].split())


def test_a_label_is_one_format_sized_to_the_roll_at_its_dpi():
    labels = render_zpl([sample_label(0), sample_label(1)], roll())
    assert labels.count("^XA") == labels.count("^XZ") == 2
    assert "^CI28" in labels  # UTF-8
    assert size(formats(labels)[0]) == (812, 406)  # 4 x 2 in at 203 dpi
    assert size(one(sample_label(), roll(dpi=300))) == (1200, 600)


@pytest.mark.parametrize("dpi", [203, 300])
def test_the_patient_drug_and_directions_are_at_12_pt(dpi):
    label = one(sample_label(), roll(dpi=dpi))
    critical = dots(CRITICAL_PT, dpi)
    assert critical == {203: 34, 300: 50}[dpi]  # 12 pt x dpi / 72, rounded up
    heights = {line: f.height for f in fields(label) if not f.is_barcode for line in f.lines}
    for text in ("Patient 00", "Take 1 capsule (4.5 mg) by mouth at bedtime"):
        assert heights[text] == critical
    assert any(line.startswith("Naltrexone HCl") and h == critical for line, h in heights.items())
    assert min(heights.values()) >= dots(4, dpi)


def test_300_dpi_scales_the_layout_with_the_same_text():
    low, high = one(sample_label(), roll(dpi=203)), one(sample_label(), roll(dpi=300))
    assert " ".join(printed_text(low)).split() == " ".join(printed_text(high)).split()
    bar = next(f for f in fields(high) if f.is_barcode)
    assert "^BY3," in bar.commands  # 0.25 mm modules: 3 dots at 300 dpi, 2 at 203
    assert "^BY2," in next(f for f in fields(low) if f.is_barcode).commands


def test_the_barcode_is_the_fill_code_with_its_text():
    label = one(sample_label(), roll())
    assert barcode_data(label) == ["100001-F01"]
    assert "100001-F01" in printed_text(label)  # the human-readable line


@pytest.mark.parametrize("dpi", [203, 300])
def test_the_printed_barcode_scans_as_the_fill_code(dpi):
    assert scanned(render_zpl([sample_label(**ASCII)], roll(dpi=dpi)), dpi) == ["100001-F01"]


def test_carets_and_tildes_in_text_cannot_break_the_format():
    patient = "Ann ^XZ~JA^FS_Lee \\& back\\slash"
    label = one(sample_label(patient=patient), roll())
    assert label.count("^XZ") == 0 and "~JA" not in label  # formats() strips the last ^XZ
    for field in fields(label):
        assert "~" not in field.data and "^" not in field.data
    assert patient in " ".join(printed_text(label))


# A 3 x 2 in roll has no room for a name on two lines at 12 pt: see the refusals below.
NAMES = [(ROLL_4X2, LONG_NAME), (PRESETS[2], LONG_NAME), (ROLL_3X2, "Ann Lee")]


@pytest.mark.parametrize(("preset", "name"), NAMES)
@pytest.mark.parametrize("dpi", [203, 300])
def test_a_long_name_wraps_and_nothing_passes_the_label_width(preset, name, dpi):
    label = one(sample_label(patient=name), roll(preset, dpi))
    width, _length = size(label)
    assert name in " ".join(printed_text(label))
    if name == LONG_NAME:
        assert name not in printed_text(label)  # wrapped onto lines, none cut off
    for field in fields(label):
        if field.block:
            block_width, count, _spacing = field.block
            assert field.x + block_width <= width
            assert count == len(field.lines)
            assert all(text_width(line, field.height) <= block_width for line in field.lines)


@pytest.mark.parametrize(("preset", "name"), NAMES)
@pytest.mark.parametrize("dpi", [203, 300])
def test_as_printed_nothing_runs_off_the_label(preset, name, dpi):
    zpl = render_zpl([sample_label(patient=name, **ASCII)], roll(preset, dpi))
    _width, length = size(formats(zpl)[0])
    picture = drawn(zpl, dpi, wider_by=200)
    padding = Page.of(roll(preset, dpi))
    assert padding.left <= ink_columns(picture)[0] and ink_columns(picture)[1] < padding.right
    assert ink_rows(picture)[1] < padding.bottom <= length


def test_a_label_too_long_for_its_roll_is_refused():
    directions = "Take 1 capsule by mouth at bedtime, " * 12
    with pytest.raises(LabelDoesNotFit, match="choose a larger label stock"):
        render_zpl([sample_label(directions=directions)], roll(ROLL_3X2))


def test_accented_latin_names_print_as_utf8():
    label = one(sample_label(patient="José Núñez"), roll())
    assert "José Núñez" in printed_text(label)


@pytest.mark.parametrize("patient", ["王芳", "Иван Петров", "Nguyễn Văn An"])
def test_a_script_the_printer_font_lacks_is_refused_with_the_pdf_named(patient):
    with pytest.raises(WorkflowError, match=r"resident font \(\^A0\).*as PDF"):
        render_zpl([sample_label(patient=patient)], roll())


def test_a_sheet_stock_is_not_printed_as_zpl():
    with pytest.raises(WorkflowError, match="laser sheet: ZPL is for a thermal roll"):
        render_zpl([sample_label()], LabelStock.from_preset(SHEET))


def test_the_printer_nudge_moves_the_label_and_keeps_it_on_the_label():
    plain, nudged = Page.of(roll()), Page.of(roll(offset_x_mm=Decimal(1), offset_y_mm=Decimal(-1)))
    assert (nudged.left - plain.left, nudged.top - plain.top) == (8, -8)
    assert nudged.right <= nudged.width


PRINTABLE_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x17F) | st.sampled_from("^~_\\&\u00a0\t\n"),
    max_size=60,
)


@fuzz_settings(60)
@given(patient=PRINTABLE_TEXT, directions=PRINTABLE_TEXT)
def test_any_label_text_gives_well_formed_zpl(patient, directions):
    try:
        zpl = render_zpl([sample_label(patient=patient, directions=directions)], roll())
    except LabelDoesNotFit:
        return
    (label,) = formats(zpl)
    found = fields(label)
    # Every field is closed, and no text opens a command inside one.
    assert label.count("^FD") == label.count("^FS") == len(found)
    assert all("^" not in f.data and "~" not in f.data for f in found)
    # Every word is printed (control characters and spaces aside; a long word may be cut).
    printed = "".join("".join(printed_text(label)).split())
    for text in (patient, directions):
        assert "".join(c for c in text if c.isprintable() and not c.isspace()) in printed


# The print through the app: the same gates and record as the PDF.


def stock_named(app, preset, **changes) -> int:
    with app.app_context():
        stock = db.session.scalars(
            select(LabelStock).where(LabelStock.name == preset["name"])
        ).one()
        for name, value in changes.items():
            setattr(stock, name, value)
        db.session.commit()
        return stock.id


def prints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LabelPrint))


def test_the_zpl_download_is_recorded_as_a_print(app, signed_in, ready_order):
    order_id = ready_order()
    answer = signed_in("technician").post(f"/orders/{order_id}/label.zpl")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    assert "label-RX-100001.zpl" in answer.headers["Content-Disposition"]
    assert barcode_data(formats(answer.get_data(as_text=True))[0]) == ["100001-F01"]
    assert prints(app) == 1


def test_a_label_that_may_not_print_is_refused_as_zpl_too(app, signed_in, api, make_document):
    order_id = api.post("/api/v1/orders", json=make_document()).get_json()["id"]
    client = signed_in("technician")
    assert client.post(f"/orders/{order_id}/label.zpl").status_code == 303
    assert "not verified yet" in flashes(client) and prints(app) == 0


def test_a_sheet_is_refused_as_zpl_and_nothing_is_recorded(app, signed_in, ready_order):
    order_id, sheet = ready_order(), stock_named(app, SHEET)
    client = signed_in("technician")
    client.post(f"/orders/{order_id}/label.zpl", data={"stock": sheet})
    assert "laser sheet" in flashes(client) and prints(app) == 0


def test_a_label_too_long_names_a_roll_it_fits(app, ready_order):
    order_id = ready_order()
    with app.app_context():
        values = label_values(latest_fill(db.session.get(Order, order_id)))
        values["auxiliary"] = ("Refrigerate, do not freeze.", "Shake well before each use.")
        values["purpose"] = "for fibromyalgia and chronic pain"
        small = db.session.scalars(select(LabelStock).where(LabelStock.name == ROLL_3X2["name"]))
        with pytest.raises(LabelDoesNotFit, match=r"It fits .*4 x 2 in"):
            zpl_fitting(values, small.one())


class Listener:
    """A printer on 127.0.0.1: takes one connection, keeps what it was sent, answers."""

    def __init__(self, answer: bytes = b""):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.answer = answer
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.server.accept()
        with connection:
            while chunk := connection.recv(4096):
                self.received += chunk
            connection.sendall(self.answer)
        self.server.close()

    def done(self) -> bytes:
        self.thread.join(5)
        return self.received


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: a connection is refused."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def test_sending_gives_the_printer_exactly_the_zpl(app, signed_in, ready_order):
    order_id, printer = ready_order(), Listener(answer=b"OK\r\n")
    stock = stock_named(app, ROLL_4X2, printer_host="127.0.0.1", printer_port=printer.port)
    client = signed_in("technician")
    answer = client.post(f"/orders/{order_id}/label/send", data={"stock": stock})
    assert answer.status_code == 303
    said = flashes(client)
    assert f"Sent to 127.0.0.1:{printer.port}." in said and "answered: OK" in said
    downloaded = client.post(f"/orders/{order_id}/label.zpl", data={"stock": stock})
    assert printer.done().decode() == downloaded.get_data(as_text=True)
    assert prints(app) == 2  # the one sent, then the download (a reprint)


def test_a_printer_that_refuses_is_a_message_and_no_print(app, signed_in, ready_order):
    order_id = ready_order()
    stock = stock_named(app, ROLL_4X2, printer_host="127.0.0.1", printer_port=closed_port())
    client = signed_in("technician")
    answer = client.post(f"/orders/{order_id}/label/send", data={"stock": stock})
    assert answer.status_code == 303
    assert "refused the connection" in flashes(client)
    assert prints(app) == 0


def test_a_stock_without_a_printer_is_not_sent(app, signed_in, ready_order):
    order_id, client = ready_order(), signed_in("technician")
    client.post(f"/orders/{order_id}/label/send")
    assert "has no network printer" in flashes(client) and prints(app) == 0


def test_the_api_answers_zpl_and_sends_it(app, api, ready_order):
    order_id = ready_order()
    zpl = api.post(f"/api/v1/orders/{order_id}/label?format=zpl")
    assert zpl.status_code == 200 and zpl.mimetype == "text/plain"
    assert barcode_data(formats(zpl.get_data(as_text=True))[0]) == ["100001-F01"]
    printer = Listener()
    stock = stock_named(app, ROLL_4X2, printer_host="127.0.0.1", printer_port=printer.port)
    sent = api.post(f"/api/v1/orders/{order_id}/label?format=zpl&send=1&stock={stock}")
    assert sent.get_json() == {"sent_to": f"127.0.0.1:{printer.port}", "answer": ""}
    assert printer.done().startswith(b"^XA")
    assert prints(app) == 2


def test_the_api_refuses_a_bad_format_and_reports_an_unreachable_printer(app, api, ready_order):
    order_id = ready_order()
    bad = api.post(f"/api/v1/orders/{order_id}/label?format=png&send=yes")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"format", "send"}
    stock = stock_named(app, ROLL_4X2, printer_host="127.0.0.1", printer_port=closed_port())
    refused = api.post(f"/api/v1/orders/{order_id}/label?format=zpl&send=1&stock={stock}")
    assert refused.status_code == 502 and "refused" in refused.get_json()["message"]
    assert prints(app) == 0


def test_every_label_value_has_its_place_on_the_zpl(app, ready_order):
    """A value added to label_values must be given its place in labels/zpl.py too."""
    order_id = ready_order()
    with app.app_context():
        values = label_values(latest_fill(db.session.get(Order, order_id)))
    placed = {
        "pharmacy", "rx_number", "fill_code", "date_filled", "patient", "prescriber", "drug",
        "form", "directions", "auxiliary", "quantity", "refills", "discard_after", "storage",
        "batch", "compounded", "warnings", "caution", "purpose", "description",
    }  # fmt: skip
    assert set(values) <= placed


# The stock's printer settings, at their fields.

ROLL_FORM = {
    "name": "Zebra ZD421 4 x 6 in",
    "label_width_mm": "101.6",
    "label_height_mm": "152.4",
    "padding_mm": "3",
    **{name: "0" for name in ("margin_top_mm", "margin_left_mm", "gap_x_mm", "gap_y_mm")},
    **{name: "0" for name in ("offset_x_mm", "offset_y_mm")},
    "columns": "1",
    "rows": "1",
}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"printer_host": "http://zebra.local"}, "printer_host", "no http://"),
        ({"printer_host": "zebra.local:9100"}, "printer_host", "A host name or an IP address"),
        ({"printer_host": "10.0.0"}, "printer_host", "A host name or an IP address"),
        ({"printer_port": "70000"}, "printer_port", "1 to 65535"),
        ({"printer_port": "0"}, "printer_port", "1 to 65535"),
        ({"dpi": "600"}, "dpi", "Not a valid choice"),
        (
            {"printer_host": "10.0.0.9", "sheet_width_mm": "215.9", "sheet_height_mm": "279.4"},
            "printer_host",
            "A laser sheet is printed as PDF",
        ),
    ],
)
def test_a_printer_setting_out_of_range_is_refused_at_its_field(
    app, signed_in, changes, field, message
):
    page = signed_in("admin").post("/labels/stocks", data=ROLL_FORM | changes)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert message in html and f'id="{field}"' in html
    with app.app_context():
        assert (
            db.session.scalar(select(LabelStock).where(LabelStock.name == ROLL_FORM["name"]))
            is None
        )


@pytest.mark.parametrize("host", ["zebra-front.pharmacy.lan", "192.168.1.40", "fe80::1"])
def test_a_roll_keeps_its_printer_and_resolution(app, signed_in, host):
    form = ROLL_FORM | {"dpi": "300", "printer_host": f" {host} ", "printer_port": ""}
    assert signed_in("admin").post("/labels/stocks", data=form).status_code == 302
    with app.app_context():
        stock = db.session.scalars(select(LabelStock).where(LabelStock.name == form["name"])).one()
        assert (stock.dpi, stock.printer_host, stock.printer_port) == (300, host, 9100)


def test_the_model_refuses_a_resolution_no_thermal_printer_has():
    with pytest.raises(ValueError, match="203 or 300 dpi"):
        roll(dpi=600)


def test_the_order_page_offers_zpl_and_sending_when_a_roll_has_a_printer(
    app, signed_in, ready_order
):
    order_id, client = ready_order(), signed_in("technician")
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f'formaction="/orders/{order_id}/label.zpl"' in page
    assert "Send to printer" not in page
    stock_named(app, ROLL_4X2, printer_host="zebra-front.pharmacy.lan")
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f'formaction="/orders/{order_id}/label/send"' in page
