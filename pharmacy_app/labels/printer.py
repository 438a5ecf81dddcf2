"""Sending ZPL to a network label printer: raw TCP to its host and port (9100 on a Zebra),
with a short timeout, and what the printer answered or why it could not be reached."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from ..workflow import WorkflowError

SEND_TIMEOUT_SECONDS = 5.0  # to connect and send: a printer on the pharmacy's network is near
ANSWER_WAIT_SECONDS = 0.5  # a printer seldom answers a label; what it sends is shown
ANSWER_LIMIT = 200


class PrinterUnreachable(WorkflowError):
    """The label could not be sent to its printer (refused, timed out, host not known)."""


@dataclass(frozen=True, slots=True)
class Sent:
    """A label sent to a printer, and what the printer answered ("" for nothing)."""

    host: str
    port: int
    answer: str

    @property
    def message(self) -> str:
        said = f"Sent to {self.host}:{self.port}."
        return f"{said} The printer answered: {self.answer}" if self.answer else said


def send_to_printer(host: str, port: int, zpl: str, timeout: float = SEND_TIMEOUT_SECONDS) -> Sent:
    """Send the ZPL and close the connection; PrinterUnreachable says why it could not be."""
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            connection.sendall(zpl.encode("utf-8"))
            connection.shutdown(socket.SHUT_WR)
            return Sent(host, port, _answer(connection))
    except TimeoutError as error:
        raise PrinterUnreachable(
            f"The printer at {where} did not answer within {timeout:g} seconds: check that it "
            "is on and on the network. The label was not sent."
        ) from error
    except ConnectionRefusedError as error:
        raise PrinterUnreachable(
            f"The printer at {where} refused the connection: check the stock's printer port "
            "(9100 for raw ZPL on a Zebra). The label was not sent."
        ) from error
    except socket.gaierror as error:
        raise PrinterUnreachable(
            f"The printer's host {host} is not known on this network: check the stock's "
            "printer host. The label was not sent."
        ) from error
    except OSError as error:
        raise PrinterUnreachable(
            f"The label could not be sent to {where}: {error.strerror or error}."
        ) from error


def _answer(connection: socket.socket) -> str:
    """What the printer sends back before it closes, within a moment: printable text only."""
    connection.settimeout(ANSWER_WAIT_SECONDS)
    received = b""
    try:
        while len(received) < ANSWER_LIMIT and (chunk := connection.recv(ANSWER_LIMIT)):
            received += chunk
    except (TimeoutError, ConnectionResetError):
        pass  # the label has gone; the printer said nothing more
    text = received.decode("utf-8", "replace")
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:ANSWER_LIMIT]
