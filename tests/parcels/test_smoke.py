def test_home_renders(client, districts):
    response = client.get("/")
    assert response.status_code == 200
    assert b'dir="rtl"' in response.content


def test_lookup_inside(client, district_11_point):
    response = client.get("/api/lookup/", {"lat": district_11_point.y, "lon": district_11_point.x})
    assert response.status_code == 200
    assert response.json()["district"]["code"] == 11
