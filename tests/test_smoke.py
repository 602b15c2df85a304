def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_coordinator_sees_group_after_login(client, login, make_group):
    group, people = make_group()
    login(client, people["member"])
    page = client.get(f"/groups/{group.id}")
    assert page.status_code == 200
    assert group.name in page.get_data(as_text=True)
