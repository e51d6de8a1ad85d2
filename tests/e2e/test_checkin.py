"""The door on a phone (390 px wide, JavaScript off): a member of the door team signs in,
lands on check-in, types a ticket's code as a person types it, and sees the answer; the
same code again says it was already checked in."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, BrowserType, Page, expect

from tests.e2e.harness import CHROMIUM, PROJECT_ROOT, VENV_BIN, BrowserErrors, LiveServer
from tests.e2e.steps import Buyer, buy, expect_order_status, pay_on_demo_card_page, sign_in_staff

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 390
# The code is printed on the ticket and in its QR; here it is asked of the server's own
# app (same database, same secret), as the ticket page would show it.
CODE_OF_ATTENDEE = """
import sys
from sqlalchemy import select
from app import create_app
from app.extensions import db
from app.orders.tickets import Ticket
from app.tickets.codes import ticket_code
with create_app().app_context():
    [ref] = [t.ref for t in db.session.scalars(select(Ticket)) if t.attendee_name == sys.argv[1]]
    print(ticket_code(ref))
"""


def code_of(live_server: LiveServer, attendee: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-c", CODE_OF_ATTENDEE, attendee],
        cwd=PROJECT_ROOT,
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def door_phone(
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    browser_errors: BrowserErrors,
) -> Page:
    context = new_context(
        viewport={"width": PHONE_WIDTH, "height": 844},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="pt-PT",
        timezone_id="Europe/Lisbon",
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    browser_errors.watch(context)
    return context.new_page()


def _type_code(page: Page, typed: str) -> None:
    page.locator("[data-checkin-form] [name=code]").fill(typed)
    page.locator("[data-checkin-submit]").click()


def test_the_door_types_a_code_and_lets_its_attendee_in_once(
    door_phone: Page, live_server: LiveServer, email: str, browser_errors: BrowserErrors
) -> None:
    page = door_phone
    buy(page, "bilhete-geral", Buyer(name="Leonor Brás", email=email), "card")
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    code = code_of(live_server, "Leonor Brás")

    sign_in_staff(page, live_server, "door")
    # The door lands on check-in: the form is the first thing on the page.
    expect(page.locator("[data-checkin-form] [name=code]")).to_be_visible()
    expect(page.locator("[data-scanner]")).to_be_hidden()  # the camera needs JavaScript

    # As a person types it from a screen: lowercase, in two halves.
    _type_code(page, code.lower().replace("-", " "))
    answer = page.locator('[data-checkin="ok"]')
    expect(answer).to_be_visible()
    expect(answer).to_be_in_viewport()
    expect(answer.locator("[data-checkin-name]")).to_have_text("Leonor Brás")
    expect(answer.locator("[data-checkin-type]")).to_have_text("Bilhete Geral")
    box = answer.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
    # Nothing on the page is wider than the phone (no sideways scrolling at the door).
    assert page.locator("html").bounding_box()["width"] <= PHONE_WIDTH

    _type_code(page, code)
    again = page.locator('[data-checkin="already"]')
    expect(again).to_be_visible()
    expect(again).to_be_in_viewport()
    expect(again.locator("[data-checkin-when]")).to_contain_text("staff-door-")

    _type_code(page, "NOTA-TICKET")
    expect(page.locator('[data-checkin="unknown"]')).to_be_visible()


# -- the camera, played by Chromium's fake capture device ---------------------------------

FRAME_WIDTH, FRAME_HEIGHT = 640, 480


def qr_video(segno: Any, code: str, path: Path) -> Path:
    """A few seconds of still video (Y4M, greyscale) showing `code`'s QR, as a phone's
    camera would see a ticket held up to it."""
    # A full QR code, as the tickets carry (a Micro QR has one finder pattern, and
    # phones' scanners do not read it).
    matrix = segno.make_qr(code, error="m").matrix
    module = min(FRAME_WIDTH, FRAME_HEIGHT) // (len(matrix) + 8)
    left = (FRAME_WIDTH - module * len(matrix)) // 2
    top = (FRAME_HEIGHT - module * len(matrix)) // 2
    luma = bytearray(b"\xff" * (FRAME_WIDTH * FRAME_HEIGHT))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(module):
                    start = (top + y * module + dy) * FRAME_WIDTH + left + x * module
                    luma[start : start + module] = b"\x00" * module
    chroma = b"\x80" * (FRAME_WIDTH * FRAME_HEIGHT // 2)
    header = f"YUV4MPEG2 W{FRAME_WIDTH} H{FRAME_HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    with path.open("wb") as video:
        video.write(header)
        for _ in range(20):
            video.write(b"FRAME\n" + bytes(luma) + chroma)
    return path


def test_the_door_scans_a_qr_with_the_camera_where_the_phone_has_one(
    door_phone: Page,
    live_server: LiveServer,
    email: str,
    browser_type: BrowserType,
    tmp_path: Path,
) -> None:
    """JavaScript on, a camera showing the ticket's QR: the answer comes by itself.

    Headless Chromium has no BarcodeDetector, so this walks the self-hosted decoder
    (jsQR, loaded from static/ under the page's policy) that most Android phones skip.
    """
    # The QR encoder the tickets are drawn with (segno); without it there is no ticket to show.
    segno = pytest.importorskip("segno")
    buy(door_phone, "bilhete-geral", Buyer(name="Teresa Gaspar", email=email), "card")
    pay_on_demo_card_page(door_phone)
    code = code_of(live_server, "Teresa Gaspar")
    video = qr_video(segno, code, tmp_path / "ticket.y4m")

    browser = browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            viewport={"width": PHONE_WIDTH, "height": 844},
            is_mobile=True,
            has_touch=True,
            locale="pt-PT",
            timezone_id="Europe/Lisbon",
            base_url=live_server.url,
            permissions=["camera"],
        )
        context.set_default_timeout(15_000)
        errors: list[str] = []
        context.on("weberror", lambda error: errors.append(str(error.error)))
        page = context.new_page()
        sign_in_staff(page, live_server, "door")
        expect(page.locator("[data-scan-stop]")).to_be_hidden()
        page.locator("[data-scan-start]").click()
        answer = page.locator('[data-checkin="ok"]')
        expect(answer).to_be_visible()
        expect(answer.locator("[data-checkin-name]")).to_have_text("Teresa Gaspar")
        expect(page.locator("[data-scan-video]")).to_be_visible()
        # Below the video on a phone, the answer is brought into sight.
        expect(answer).to_be_in_viewport(ratio=0.9)
        # The ticket stays in front of the camera: it is not sent again (the person
        # still standing there must not turn yellow).
        page.wait_for_timeout(4_000)
        expect(page.locator('[data-checkin="ok"]')).to_be_visible()
        expect(page.locator("[data-scan-start]")).to_be_hidden()
        page.locator("[data-scan-stop]").click()
        expect(page.locator("[data-scan-video]")).to_be_hidden()
        expect(page.locator("[data-scan-start]")).to_be_visible()
        # Typed with JavaScript on, the answer is swapped in and the field is ready again.
        _type_code(page, code)
        expect(page.locator('[data-checkin="already"]')).to_be_visible()
        expect(page.locator("[data-checkin-form] [name=code]")).to_be_focused()
        assert not errors, errors
    finally:
        browser.close()
