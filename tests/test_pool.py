"""The worker pool's order of work: what a user sees is the same whatever the order (test_check_cli
checks that); with several workers the largest file starts first, so a long one does not start last."""

from __future__ import annotations

from derivcheck.pool import dispatch_order

SOURCES = {"a.yaml": b"x" * 10, "b.yaml": b"x" * 300, "c.yaml": b"x" * 10, "d.yaml": b"x" * 40}


def test_one_worker_takes_the_files_in_the_given_order():
    assert dispatch_order(list(SOURCES), SOURCES, jobs=1) == [0, 1, 2, 3]


def test_several_workers_take_the_largest_first_and_equal_sizes_in_order():
    assert dispatch_order(list(SOURCES), SOURCES, jobs=2) == [1, 3, 0, 2]


def test_files_on_disk_are_sized_by_their_bytes(tmp_path):
    paths = []
    for name, size in (("small", 5), ("large", 500), ("middle", 50)):
        (tmp_path / f"{name}.yaml").write_text("#" * size)
        paths.append(str(tmp_path / f"{name}.yaml"))
    assert dispatch_order(paths + [str(tmp_path / "missing.yaml")], jobs=4) == [1, 2, 0, 3]
