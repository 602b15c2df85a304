"""Which sections moved between two orders: the fewest, so that a section moved down is one move, not many."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.documents.diffing import moved_items


def test_one_section_moved_to_the_end_is_the_only_one_moved():
    assert moved_items([1, 2, 3, 4], [2, 3, 4, 1]) == {1}


def test_the_same_order_moves_nothing_and_added_or_removed_sections_are_not_moves():
    assert moved_items([1, 2, 3], [1, 2, 3]) == set()
    assert moved_items([1, 2, 3], [1, 5, 3]) == set()


def test_a_reversed_order_keeps_one_in_place():
    assert len(moved_items([1, 2, 3], [3, 2, 1])) == 2


@given(st.permutations(list(range(12))))
def test_what_did_not_move_is_in_the_same_order_on_both_sides(order):
    moved = moved_items(list(range(12)), order)
    assert [i for i in range(12) if i not in moved] == [i for i in order if i not in moved]
