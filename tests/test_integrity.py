"""A database constraint that decides a race is answered 409, never 500."""
from sqlalchemy.exc import IntegrityError


def test_an_integrity_error_reaching_the_handler_is_a_409(app, client):
    @app.get("/api/v1/_raise_integrity")
    def _raise():
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    response = client.get("/api/v1/_raise_integrity")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
