"""The hourly sweep of expired documents (embedded store: nothing deletes them otherwise)."""

import time

from azure.functions.timer import TimerRequest

from mosaic.localhost import registered_functions
from mosaic.ports.documents import Container


def test_sweep_deletes_expired_documents_and_keeps_live_ones(app_backends):
    from function_app import app

    [spec] = [s for s in registered_functions(app) if s.name == "expired_documents_sweep"]
    assert spec.schedule == "0 30 * * * *"
    store = app_backends.documents
    store.create(Container.SYSTEM, {"id": "short", "program": "SIAM", "ttl": 1})
    store.create(Container.SYSTEM, {"id": "long", "program": "SIAM", "ttl": 3600})
    store.create(Container.SYSTEM, {"id": "forever", "program": "SIAM"})
    time.sleep(1.1)

    spec.function(TimerRequest(past_due=False))

    assert store.purge_expired() == 0  # the sweep took it already
    assert sorted(d.id for d in store.query(Container.SYSTEM, "SIAM")) == ["forever", "long"]
