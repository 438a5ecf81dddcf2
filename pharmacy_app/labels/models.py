"""Label stocks (settings: sizes, layout, printer offsets) and the record of every print."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import Model
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..compounding.models import CompoundingRecord


# Thermal label printers print at 203 dpi (8 dots a mm) or 300 dpi (12 dots a mm); a roll's
# ZPL is laid out in the dots of its printer (labels/zpl.py).
PRINTER_DPI = (203, 300)
RAW_PRINT_PORT = 9100  # Zebra's raw TCP port (also called JetDirect or port 9100 printing)


class LabelStock(Model):
    """A label size and layout: one label a page (thermal roll) or a grid on a sheet (laser),
    with this printer's x/y nudge in mm; a roll may also be printed as ZPL at its printer's
    resolution, and sent to it over the network when its host is set."""

    __tablename__ = "label_stocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    label_width_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    label_height_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    sheet_width_mm: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # None: a roll
    sheet_height_mm: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    columns: Mapped[int] = mapped_column(Integer, default=1)
    rows: Mapped[int] = mapped_column(Integer, default=1)
    margin_top_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    margin_left_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    gap_x_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    gap_y_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    padding_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(2))
    offset_x_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    offset_y_mm: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal(0))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    dpi: Mapped[int] = mapped_column(Integer, default=PRINTER_DPI[0])
    # A network printer that takes raw ZPL on a TCP port: a host name or an IP address.
    printer_host: Mapped[str | None] = mapped_column(String(253))
    printer_port: Mapped[int] = mapped_column(Integer, default=RAW_PRINT_PORT)
    # Where a print starts on a partly used sheet (1: the top-left label, then row by row),
    # chosen for one print and never stored; templates/labels/labels.html places the labels.
    first_position = 1

    @classmethod
    def from_preset(cls, preset: dict[str, object]) -> LabelStock:
        """A stock from one of PRESETS, with the layout defaults a roll has (unsaved)."""
        defaults: dict[str, object] = {
            "columns": 1,
            "rows": 1,
            "margin_top_mm": Decimal(0),
            "margin_left_mm": Decimal(0),
            "gap_x_mm": Decimal(0),
            "gap_y_mm": Decimal(0),
            "offset_x_mm": Decimal(0),
            "offset_y_mm": Decimal(0),
            "sheet_width_mm": None,
            "sheet_height_mm": None,
            "is_default": False,
            "dpi": PRINTER_DPI[0],
            "printer_host": None,
            "printer_port": RAW_PRINT_PORT,
        }
        return cls(**(defaults | preset))

    @validates("dpi")
    def _known_dpi(self, _key: str, dpi: int) -> int:
        # Not a CHECK: SQLite adds one only by rebuilding the table, which would lose the
        # index on the folded name. The form offers only these.
        if dpi not in PRINTER_DPI:
            raise ValueError(f"A thermal printer prints at 203 or 300 dpi, not {dpi}.")
        return dpi

    @validates("printer_port")
    def _tcp_port(self, _key: str, port: int) -> int:
        if not 1 <= port <= 65535:
            raise ValueError(f"A TCP port is 1 to 65535, not {port}.")
        return port

    @property
    def is_sheet(self) -> bool:
        return self.sheet_width_mm is not None

    @property
    def per_page(self) -> int:
        return self.columns * self.rows if self.is_sheet else 1

    @property
    def page_size_mm(self) -> tuple[Decimal, Decimal]:
        if self.sheet_width_mm is not None and self.sheet_height_mm is not None:
            return self.sheet_width_mm, self.sheet_height_mm
        return self.label_width_mm, self.label_height_mm


# A stock is chosen by name: the database refuses a second of one name in any case, whichever
# admin saves it, with the name folded as LabelStockForm.name_taken folds it.
Index("uq_label_stocks_name_folded", func.lower(LabelStock.name), unique=True)


class LabelPrint(Model):
    """Every print and reprint of a fill's label: who, when, on which stock."""

    __tablename__ = "label_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("compounding_records.id"), index=True)
    stock_id: Mapped[int] = mapped_column(ForeignKey("label_stocks.id"))
    printed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reprint: Mapped[bool] = mapped_column(Boolean, default=False)
    batch: Mapped[bool] = mapped_column(Boolean, default=False)

    record: Mapped[CompoundingRecord] = relationship()
    stock: Mapped[LabelStock] = relationship(lazy="joined")
    printed_by: Mapped[User] = relationship(lazy="joined")


# Common pharmacy label stocks (sizes from the makers' specifications).
PRESETS: list[dict[str, object]] = [
    {
        "name": "Thermal roll 4 x 2 in (Zebra, 101.6 x 50.8 mm)",
        "label_width_mm": Decimal("101.6"),
        "label_height_mm": Decimal("50.8"),
        "padding_mm": Decimal("2.5"),
        "is_default": True,
    },
    {
        "name": "Thermal roll 3 x 2 in (76.2 x 50.8 mm)",
        "label_width_mm": Decimal("76.2"),
        "label_height_mm": Decimal("50.8"),
        "padding_mm": Decimal(2),
    },
    {
        "name": "DYMO 30256 shipping (101 x 59 mm)",
        "label_width_mm": Decimal(101),
        "label_height_mm": Decimal(59),
        "padding_mm": Decimal("2.5"),
    },
    {
        "name": "Avery 5163 sheet, 2 x 4 in, 10 per US letter",
        "label_width_mm": Decimal("101.6"),
        "label_height_mm": Decimal("50.8"),
        "sheet_width_mm": Decimal("215.9"),
        "sheet_height_mm": Decimal("279.4"),
        "columns": 2,
        "rows": 5,
        "margin_top_mm": Decimal("12.7"),
        "margin_left_mm": Decimal("3.97"),
        "gap_x_mm": Decimal("4.78"),
        "gap_y_mm": Decimal(0),
        "padding_mm": Decimal("3"),
    },
    {
        "name": "Avery L7165 sheet, 99.1 x 67.7 mm, 8 per A4",
        "label_width_mm": Decimal("99.1"),
        "label_height_mm": Decimal("67.7"),
        "sheet_width_mm": Decimal(210),
        "sheet_height_mm": Decimal(297),
        "columns": 2,
        "rows": 4,
        "margin_top_mm": Decimal("13.1"),
        "margin_left_mm": Decimal("4.65"),
        "gap_x_mm": Decimal("2.5"),
        "gap_y_mm": Decimal(0),
        "padding_mm": Decimal("3"),
    },
]
