"""Start-up's last step: what it allocated is frozen out of the collector's view."""

from __future__ import annotations

import gc

from service.startup import settle_memory


def test_settle_memory_freezes_what_start_up_allocated():
    gc.unfreeze()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
