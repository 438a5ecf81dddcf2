"""Security fixtures: orders with a signed-off fill (from the label fixtures)."""

from tests.labels.conftest import ready_order  # noqa: F401 - fixture
