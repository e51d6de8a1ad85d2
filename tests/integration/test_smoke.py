def test_landing_in_portuguese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="pt-PT">' in response.text
