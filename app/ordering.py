"""The order of a document's items (its sections, a roadmap's actions), written once.

Items carry a `position`: 10, 20, 30... in reading order, rewritten whole whenever the order changes, so
that an insertion never needs to find room between two numbers. The callers check who may change the
order and record what changed; this module only orders.
"""
from __future__ import annotations

from typing import NamedTuple, Protocol, TypeVar

from app.errors import Invalid


class Ordered(Protocol):
    id: int
    position: int


T = TypeVar("T", bound=Ordered)


class OrderWords(NamedTuple):
    """What a refused order says, whole sentences in the caller's words (sections, actions)."""

    not_a_list: str  # the message, then the `order` field's note
    not_a_list_field: str
    not_each_once: str
    not_each_once_field: str


def renumber(items: list[T]) -> None:
    """Positions 10, 20, 30... in the order of `items`."""
    for position, item in enumerate(items, start=1):
        item.position = position * 10


def apply_order(items: list[T], order, words: OrderWords) -> list[T]:
    """`items` in the order `order` (their ids) gives, renumbered. Refused (Invalid, on the field `order`)
    unless `order` is a list of ids naming every item exactly once."""
    if not isinstance(order, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in order):
        raise Invalid(words.not_a_list, fields={"order": words.not_a_list_field})
    if sorted(order) != sorted(item.id for item in items):
        raise Invalid(words.not_each_once, fields={"order": words.not_each_once_field})
    by_id = {item.id: item for item in items}
    ordered = [by_id[i] for i in order]
    renumber(ordered)
    return ordered


def order_after_move(items: list[T], item: T, direction: str) -> list[int]:
    """The ids of `items` with `item` swapped with its neighbour above ("up") or below (any other
    direction); unchanged when it is already first or last."""
    ids = [i.id for i in items]
    index = ids.index(item.id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return ids
