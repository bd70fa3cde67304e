"""What `ficpress serve` tells the operator: the addresses other devices can open."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import segno

from builder.serve import addresses
from tests.conftest import SEED_MANUSCRIPT
from tests.serving import serving


def test_a_named_host_is_the_only_address() -> None:
    assert addresses.site_addresses("192.168.1.20", 8080) == ["http://192.168.1.20:8080/"]
    assert addresses.site_addresses("::1", 8000) == ["http://[::1]:8000/"]


def test_any_host_lists_reachable_interface_addresses_only() -> None:
    found = addresses.site_addresses("0.0.0.0", 8000)
    for address in found:
        host = address.removeprefix("http://").removesuffix(":8000/")
        ip = ipaddress.ip_address(host)
        assert not ip.is_loopback and not ip.is_link_local and not ip.is_unspecified
    # Every listed address is one this machine can listen on.
    for address in found:
        host = address.removeprefix("http://").removesuffix(":8000/")
        with socket.socket() as listener:
            listener.bind((host, 0))


def test_loopback_and_link_local_are_not_offered() -> None:
    assert not addresses.reachable("127.0.0.1")
    assert not addresses.reachable("169.254.3.4")
    assert not addresses.reachable("0.0.0.0")
    assert addresses.reachable("10.0.0.7")


def test_the_qr_code_has_one_text_row_per_two_modules() -> None:
    url = "http://192.168.1.20:8000/"
    drawn = addresses.qr_code(url).splitlines()
    size = segno.make(url, error="m").symbol_size()[0]  # with the quiet zone
    assert len(drawn) == (size + 1) // 2
    assert set("".join(drawn)) <= {"█", "▀", "▄", " "}


def test_serve_prints_its_address(tmp_path: Path) -> None:
    (tmp_path / "story.md").write_bytes(SEED_MANUSCRIPT.read_bytes())
    with serving(tmp_path, capture=True) as server:
        pass
    assert f"Readers open: {server.base}/".encode() in server.output
    assert "█".encode() not in server.output  # not a terminal: no QR code in a log


def test_serve_refuses_zero_workers(tmp_path: Path) -> None:
    from builder.cli import main

    assert main(["serve", "--manuscripts", str(tmp_path), "--workers", "0"]) == 2
