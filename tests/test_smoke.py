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


def test_count_queries_counts_each_statement_the_app_runs_and_only_those(client, count_queries):
    from sqlalchemy import text

    from app.extensions import db

    with count_queries() as nothing:
        pass
    with count_queries() as queries:
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
    assert nothing.count == 0
    sent = [statement for statement, _ in queries.statements]
    assert sent in (["SELECT 1", "SELECT 2"], ["BEGIN IMMEDIATE", "SELECT 1", "SELECT 2"])  # SQLite: the app's BEGIN
    with count_queries() as page:
        assert client.get("/healthz").status_code == 200
    assert page.count >= 1  # the health check asks the database
