import datetime as dt

import pytest

from qingqian.cases.aging import BUCKETS, bucket_for, due_date_bounds, needs_judicial_route


@pytest.mark.parametrize(
    ("days", "key"),
    [
        (-5, "0_30"),
        (0, "0_30"),
        (30, "0_30"),
        (31, "31_60"),
        (60, "31_60"),
        (61, "61_90"),
        (90, "61_90"),
        (91, "91_180"),
        (180, "91_180"),
        (181, "181_365"),
        (365, "181_365"),
        (366, "over_365"),
        (5000, "over_365"),
    ],
)
def test_bucket_edges(days: int, key: str) -> None:
    assert bucket_for(days).key == key


def test_judicial_route_starts_after_180_days() -> None:
    assert not needs_judicial_route(180)
    assert needs_judicial_route(181)


@pytest.mark.parametrize("bucket", BUCKETS, ids=lambda b: b.key)
def test_due_date_bounds_agree_with_bucket_for(bucket: object) -> None:
    as_of = dt.date(2026, 11, 28)
    earliest, latest = due_date_bounds(bucket, as_of)  # type: ignore[arg-type]
    for offset in range(-40, 800, 7):
        due = as_of - dt.timedelta(days=offset)
        inside = (earliest is None or due >= earliest) and (latest is None or due <= latest)
        assert inside == (bucket_for(offset) == bucket), offset
