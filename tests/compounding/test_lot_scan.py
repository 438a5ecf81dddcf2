"""At compounding each lot is scanned (or typed) and must be the lot the worksheet chose: a
wrong lot is refused at its field with the reason and nothing is taken from stock."""

from __future__ import annotations

from tests.compounding.test_records import on_hand, record_of, start
from tests.fills import lot_form


def weights_post(client, record, **lots):
    """The worksheet's own figures with each lot scanned as the worksheet chose it, but the
    lots given by role."""
    data = {f"actual-{c.id}": str(c.required) for c in record.components} | lot_form(record)
    data |= {f"lot-{c.id}": lots[c.role] for c in record.components if c.role in lots}
    return client.post(f"/compounding/records/{record.id}/weights", data=data)


def test_a_wrong_lot_scanned_is_refused_at_its_field_and_nothing_is_taken(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    filler = next(c for c in record.components if c.role == "filler")
    before = on_hand(app, "P-883120")
    page = weights_post(technician, record, filler="LM-11890\r\n")  # lactose, not MCC
    text = page.get_data(as_text=True)
    assert "Wrong lot for the filler: LM-11890 was scanned" in text
    assert f"the worksheet chose lot {filler.lot.lot_number}" in text
    # Said at the filler's scan field, with what was scanned kept to correct.
    field = text[text.index(f'id="lot-{filler.id}"') :]
    assert field.index("Wrong lot for the filler") < field.index("</td>")
    assert 'value="LM-11890' in field
    assert record_of(app, order_id).status == "in_progress"
    assert on_hand(app, "P-883120") == before


def test_a_lot_not_scanned_is_asked_for(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    active = next(c for c in record.components if c.role == "active")
    text = weights_post(technician, record, active="").get_data(as_text=True)
    assert f"Scan (or type) the lot of the active: lot {active.lot.lot_number}" in text
    assert record_of(app, order_id).status == "in_progress"


def test_the_lot_as_a_scanner_or_a_person_types_it_is_accepted(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    typed = {c.role: f"  {c.lot.lot_number.lower()}\t" for c in record.components}
    weights_post(technician, record, **typed)
    assert record_of(app, order_id).status == "awaiting_signoff"


def test_the_weights_form_has_a_scan_field_for_each_lot(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    page = technician.get(f"/compounding/records/{record.id}").get_data(as_text=True)
    for component in record.components:
        assert f'name="lot-{component.id}" data-scan' in page
    assert "scan.js" in page
