import pytest

from mosaic.domain.throttling import SlidingWindow, client_key


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9:51234", "203.0.113.9"),
        (" 203.0.113.9 ", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::/64"),
        ("[2001:DB8::1]", "2001:db8::/64"),
        ("2001:db8::1", "2001:db8::/64"),
        ("2001:db8:0:0:ffff:1:2:3", "2001:db8::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_client_key_drops_ports_and_widens_ipv6_to_its_subscriber_prefix(address, key):
    assert client_key(address) == key


def test_two_addresses_of_one_ipv6_subscriber_are_one_client():
    assert client_key("2001:db8:1:2::a") == client_key("[2001:db8:1:2:ffff::b]:8080")
    assert client_key("2001:db8:1:2::a") != client_key("2001:db8:1:3::a")


WINDOW = SlidingWindow(900)  # 15 minutes in buckets of 60 s
T = 900 * 1000.0  # the start of a bucket (and of a page)


def test_an_event_counts_for_a_whole_window_and_at_most_one_bucket_more():
    buckets = {WINDOW.bucket(T + 59): 3}  # late in its bucket
    assert WINDOW.count(buckets, T + 59) == 3
    assert WINDOW.count(buckets, T + 59 + 900) == 3
    assert WINDOW.count(buckets, T + 960) == 0


def test_no_burst_at_the_boundary_of_two_pages():
    # 5 events in the last minute of one page still count just after it.
    buckets = {WINDOW.bucket(T - 30): 5}
    assert WINDOW.page(WINDOW.bucket(T - 30)) != WINDOW.page(WINDOW.bucket(T + 1))
    assert WINDOW.count(buckets, T + 1) == 5


def test_wait_is_until_enough_old_events_leave_the_window():
    buckets = {WINDOW.bucket(T): 2, WINDOW.bucket(T + 300): 3}
    now = T + 400
    # limit 5: the two events of T's bucket leave with it, at T + 960, 560 s from now.
    assert WINDOW.seconds_until_room(buckets, now, 5) == 560
    # limit 2: all five must leave; the last three at T + 1260.
    assert WINDOW.seconds_until_room(buckets, now, 2) == 860


def test_wait_is_never_longer_than_the_window_and_a_bucket():
    buckets = {WINDOW.bucket(T + 899): 50}
    assert 900 <= WINDOW.seconds_until_room(buckets, T + 899, 5) <= 960


def test_no_wait_when_there_is_room():
    assert WINDOW.seconds_until_room({}, T, 5) == 1
