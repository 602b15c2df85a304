from tests.comments.conftest import setting  # noqa: F401  (a group, its people and a statement)
