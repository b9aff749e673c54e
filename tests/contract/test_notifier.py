from __future__ import annotations

import dataclasses
from pathlib import Path

from mosaic.adapters.embedded.notifier import OutboxNotifier
from mosaic.domain.membership import Channel
from mosaic.ports.notifier import Notification, Notifier


def notification(program: str, key: str | None = None, template: str = "expiry-d7") -> Notification:
    return Notification(
        program=program,
        membership_number="M0001",
        channel=Channel.PUSH,
        template=template,
        to="device-token-1",
        data={"points": 120, "expiresOn": "2026-01-31"},
        idempotency_key=key,
    )


def test_each_send_gets_its_own_delivery_id(notifier: Notifier, program: str) -> None:
    first = notifier.send(notification(program))
    second = notifier.send(notification(program))

    assert first
    assert second
    assert first != second


def test_same_idempotency_key_delivers_once_and_returns_the_first_id(
    notifier: Notifier, program: str
) -> None:
    first = notifier.send(notification(program, key="expiry:M0001:2026-01"))

    again = notifier.send(notification(program, key="expiry:M0001:2026-01", template="other"))

    assert again == first
    assert notifier.send(notification(program, key="expiry:M0001:2026-02")) != first


def test_idempotency_keys_are_per_program(
    notifier: Notifier, program: str, other_program: str
) -> None:
    mine = notifier.send(notification(program, key="welcome:M0001"))

    theirs = notifier.send(notification(other_program, key="welcome:M0001"))

    assert theirs != mine


# The outbox's own inspection, which the local host and the demo read.


def test_outbox_records_each_delivery_once_in_order(tmp_path: Path) -> None:
    outbox = OutboxNotifier(tmp_path / "outbox.db")
    first = outbox.send(notification("P1", key="k1"))
    outbox.send(notification("P1", key="k1"))
    second = outbox.send(notification("P2"))
    third = outbox.send(notification("P1", template="welcome"))

    assert [delivery for delivery, _ in outbox.sent()] == [first, second, third]
    assert outbox.sent("P1") == [
        (first, notification("P1", key="k1")),
        (third, notification("P1", template="welcome")),
    ]
    outbox.close()


def test_outbox_is_shared_by_two_instances_on_one_file(tmp_path: Path) -> None:
    host, cli = OutboxNotifier(tmp_path / "outbox.db"), OutboxNotifier(tmp_path / "outbox.db")

    first = host.send(notification("P1", key="k1"))

    assert cli.send(notification("P1", key="k1")) == first
    assert [delivery for delivery, _ in cli.sent()] == [first]
    host.close()
    cli.close()


def test_outbox_keeps_a_rendered_email_so_a_person_can_open_it(tmp_path: Path) -> None:
    outbox = OutboxNotifier(tmp_path / "outbox.db")
    email = dataclasses.replace(
        notification("P1", key="k1"), subject="Points", html="<p>120 ฿</p>", text="120 ฿"
    )

    delivery = outbox.send(email)

    assert outbox.sent("P1") == [(delivery, email)]
    outbox.close()
