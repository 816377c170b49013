"""Record admission: each owned partition's records once, in offset order, from where they start."""

from __future__ import annotations

from stream_app.positions import PartitionPositions, Verdict

ACCEPT, SKIP, RESEEK = Verdict.ACCEPT, Verdict.SKIP, Verdict.RESEEK


def owning(*starts: tuple[int, int]) -> PartitionPositions:
    """Positions owning each (partition, start offset)."""
    positions = PartitionPositions()
    for partition, start in starts:
        positions.own(partition)
        positions.start(partition, start)
    return positions


def admit_all(positions: PartitionPositions, partition: int, offsets: list[int]) -> list[Verdict]:
    return [positions.admit(partition, offset) for offset in offsets]


def test_records_follow_on_from_the_start_offset() -> None:
    positions = owning((0, 5))
    assert admit_all(positions, 0, [5, 6, 7]) == [ACCEPT] * 3
    assert positions.next_offset(0) == 8


def test_nothing_is_taken_before_the_start_is_known() -> None:
    positions = PartitionPositions()
    positions.own(1)  # streams rebuilt; the consumer may still hand over records from anywhere
    assert positions.owns(1) and positions.next_offset(1) is None
    assert admit_all(positions, 1, [40, 41]) == [SKIP, SKIP]  # the seek to the start reads them again
    positions.start(1, 30)
    positions.start(1, 50)  # only the first start counts
    assert admit_all(positions, 1, [30, 31]) == [ACCEPT] * 2


def test_records_of_partitions_not_owned_are_skipped() -> None:
    positions = owning((0, 0), (1, 3))
    assert positions.admit(2, 0) is SKIP and not positions.owns(2)
    positions.revoke({0})
    positions.start(0, 0)  # a start for a partition no longer owned changes nothing
    assert positions.admit(0, 0) is SKIP and positions.next_offset(0) is None and not positions.owns(0)
    assert positions.admit(1, 3) is ACCEPT


def test_records_already_processed_are_skipped() -> None:
    positions = owning((2, 10))
    assert admit_all(positions, 2, [10, 11, 12]) == [ACCEPT] * 3
    # a seek back (faust's own, to the committed offset) hands them over again
    assert admit_all(positions, 2, [10, 11, 12, 13]) == [SKIP, SKIP, SKIP, ACCEPT]
    assert admit_all(positions, 2, [3]) == [SKIP]  # behind the start too


def test_a_hole_asks_once_per_fetch_to_read_again() -> None:
    # the case seen after a restart: the consumer had taken and dropped offsets 59..98, the next
    # fetch starts at 99; the core must not see 99 before 59
    positions = owning((2, 59), (3, 115))
    positions.new_fetch()
    assert admit_all(positions, 2, [99, 100, 101]) == [RESEEK, SKIP, SKIP]  # the rest is from the old position
    assert admit_all(positions, 3, [115, 116]) == [ACCEPT] * 2  # other partitions are not affected
    assert positions.next_offset(2) == 59
    positions.sought(2, 59, 59)
    positions.new_fetch()  # the next fetch reads from where the seek put the partition
    assert admit_all(positions, 2, [59, 60]) == [ACCEPT] * 2


def test_a_hole_still_there_after_a_seek_asks_again() -> None:
    positions = owning((1, 0))
    positions.new_fetch()
    assert positions.admit(1, 40) is RESEEK
    positions.sought(1, 0, 0)
    positions.new_fetch()
    assert positions.admit(1, 40) is RESEEK  # dropped again: never taken as a real hole
    assert positions.next_offset(1) == 0


def test_offsets_deleted_before_they_were_read_are_given_up() -> None:
    positions = owning((0, 10))
    positions.new_fetch()
    assert positions.admit(0, 30) is RESEEK
    positions.sought(0, 10, 25)  # the first offset still kept is 25: 10..24 are gone
    positions.new_fetch()
    assert admit_all(positions, 0, [25, 26]) == [ACCEPT] * 2
    positions.sought(0, 27, 3)  # never moves back
    assert positions.next_offset(0) == 27


def test_a_new_ownership_replaces_the_old_one() -> None:
    positions = owning((0, 10))
    positions.new_fetch()
    assert admit_all(positions, 0, [10, 11, 20]) == [ACCEPT, ACCEPT, RESEEK]
    positions.revoke({0})
    positions.sought(0, 12, 50)  # a seek that finished after the revocation changes nothing
    positions.own(0)  # rebuilt from the table: read again from the committed offset
    positions.start(0, 11)
    positions.sought(0, 12, 50)  # nor one that finished after the rebuild
    assert admit_all(positions, 0, [11, 12]) == [ACCEPT] * 2  # no longer waiting for a seek


def test_committed_offsets_are_kept_per_partition_and_go_with_it() -> None:
    positions = PartitionPositions()
    positions.committed(0, 10)
    positions.committed(3, 7)
    positions.committed(0, 12)
    assert positions.committed_offsets() == {0: 12, 3: 7}
    positions.revoke([0])
    assert positions.committed_offsets() == {3: 7}
