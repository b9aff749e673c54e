from datetime import timedelta

from mosaic.domain.building import build_membership
from mosaic.domain.devices import DEVICES_KEPT, register_device
from mosaic.domain.membership import Device, DeviceDetails
from tests.factories import NOW, sor_record


def _membership(*devices: Device):
    return build_membership(sor_record(), None, NOW).model_copy(update={"devices": list(devices)})


def test_the_same_device_again_updates_what_was_sent_and_keeps_the_rest():
    known = Device.model_validate(
        {
            "deviceId": "phone-1",
            "platform": "ios",
            "pushToken": "tok-1",
            "pushOptIn": False,
            "registeredAt": NOW.isoformat(),
        }
    )
    later = NOW + timedelta(days=1)

    updated = register_device(
        _membership(known), DeviceDetails(device_id="phone-1", os_version="26.1"), later
    )

    [device] = updated.devices
    assert device.os_version == "26.1"
    assert device.push_token == "tok-1"
    assert device.platform == "ios"
    assert device.model_extra == {"pushOptIn": False}
    assert device.registered_at == later


def test_only_the_most_recently_registered_devices_are_kept():
    membership = _membership()
    for n in range(DEVICES_KEPT + 5):
        details = DeviceDetails(device_id=f"d{n}")
        membership = register_device(membership, details, NOW + timedelta(minutes=n))
    ids = [d.device_id for d in membership.devices]
    assert ids == [f"d{n}" for n in range(5, DEVICES_KEPT + 5)]
