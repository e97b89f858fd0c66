"""Tests for colorize-review's server without a browser: the gallery's order, the token, the paths it
serves, requests from elsewhere, previews and the hints CSV it writes."""

import csv
import io
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from pipeline.colorize import guidance as colorize_guidance
from pipeline.review import gallery, server


@pytest.fixture
def client(review):
    return TestClient(server.make_app(review), base_url="http://testserver")


def headers(review, **more):
    return {"X-Review-Token": review.token, **more}


def read_rows(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_the_gallery_puts_failures_first_then_the_least_confident(reviewed_run, review, client):
    items = client.get("/api/gallery?limit=200", headers=headers(review)).json()["items"]
    assert [item["path"] for item in items[:1]] == ["broken.jpg"]
    assert items[0]["status"] == "failed" and items[0]["reason"] == "not_an_image"
    colorized = [item for item in items if item["status"] == "colorized"]
    confidences = [item["confidence"] for item in colorized]
    assert len(colorized) == 5 and confidences == sorted(confidences)
    # The confidences are the ones the job wrote into report.json.
    reported = {os.path.relpath(path, reviewed_run.input): value
                for path, value in reviewed_run.report["confidence"].items()}
    assert {item["path"]: item["confidence"] for item in colorized} == reported
    assert items[-1] == {"path": "color reference.png", "status": "passed_through"}
    page = client.get("/api/gallery?offset=2&limit=2", headers=headers(review)).json()
    assert page["total"] == 7 and [item["path"] for item in page["items"]] == [item["path"] for item in items[2:4]]


def test_a_folder_without_a_run_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="holds no colorize run .* run colorize --input"):
        gallery.read_gallery(str(tmp_path), str(tmp_path))


@pytest.mark.parametrize("path", ["/", "/api/gallery", "/image/input/sea1.jpg", "/static/review.js"])
def test_every_request_needs_the_token(review, client, path):
    assert client.get(path).status_code == 403
    assert client.get(path, params={"token": "wrong" + review.token}).status_code == 403
    assert client.get(path, headers={"X-Review-Token": review.token[:-1]}).status_code == 403
    assert client.get(path, params={"token": review.token}).status_code == 200


def test_the_page_sets_a_same_site_cookie_that_serves_its_own_requests_but_cannot_write(review, client):
    page = client.get("/", params={"token": review.token})
    assert page.status_code == 200 and review.token in page.text
    assert "samesite=strict" in page.headers["set-cookie"].lower() and "httponly" in page.headers["set-cookie"].lower()
    assert client.get("/api/gallery").status_code == 200  # the cookie, now held by the client
    refused = client.post("/api/save", json={"path": "sea1.jpg", "hints": []})  # the cookie alone
    assert refused.status_code == 403 and "X-Review-Token" in refused.json()["error"]


@pytest.mark.parametrize("path", ["../colored/sea1.jpg", "..%2F..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd",
                                  "sub/../../x.jpg", "outside-link.jpg", ".%2F..%2Fscans%2Fsea1.jpg"])
def test_a_path_that_leaves_the_folders_is_refused(reviewed_run, review, client, path):
    link = reviewed_run.input / "outside-link.jpg"
    if not link.is_symlink():
        outside = reviewed_run.input.parent / "secret.jpg"
        Image.new("RGB", (8, 8)).save(outside)
        link.symlink_to(outside)
    response = client.get(f"/image/input/{path}", headers=headers(review))
    assert response.status_code in (403, 404)
    with pytest.raises(server.Refused) as refused:
        server.inside(review.input, path.replace("%2F", "/"))
    assert refused.value.status in (403, 404)


def test_only_the_runs_own_outputs_are_served_from_the_output_folder(review, client):
    assert client.get("/image/output/sea1.jpg", headers=headers(review)).status_code == 200
    assert client.get("/image/output/.colorize/report.json", headers=headers(review)).status_code == 403
    assert client.get("/image/output/.colorize/state.sqlite", headers=headers(review)).status_code == 403


def test_another_host_or_origin_cannot_write_hints(review, client):
    body = {"path": "sea1.jpg", "hints": [{"x": 5, "y": 5, "color": "#aa2020"}]}
    from_elsewhere = client.post("/api/save", json=body, headers=headers(review, Origin="http://evil.example"))
    assert from_elsewhere.status_code == 403 and "evil.example" in from_elsewhere.json()["error"]
    rebound = client.post("/api/save", json=body, headers=headers(review, Host="evil.example"))
    assert rebound.status_code == 403
    assert not os.path.exists(review.hints)
    same_origin = client.post("/api/save", json=body, headers=headers(review, Origin="http://testserver"))
    assert same_origin.status_code == 200 and len(read_rows(review.hints)) == 1


def test_save_replaces_only_that_images_rows_and_the_next_run_can_read_them(review, client, tmp_path):
    with open(review.hints, "w", newline="") as file:
        file.write("path,x,y,color\nforest1.jpg,1,2,#102030\nsea1.jpg,3,4,#405060\nvalley2.jpg,5,6,#708090\n")
    body = {"path": "sea1.jpg", "hints": [{"x": 10, "y": 12.5, "color": "#AA2020"},
                                          {"x": 30, "y": 40, "color": "#2040aa", "radius": 3}],
            "reference": "color reference.png"}
    saved = client.post("/api/save", json=body, headers=headers(review))
    assert saved.status_code == 200 and saved.json()["saved"] == 2
    rows = read_rows(review.hints)
    assert [(row["path"], row["x"], row["y"], row["color"], row["radius"]) for row in rows] == [
        ("forest1.jpg", "1", "2", "#102030", ""), ("valley2.jpg", "5", "6", "#708090", ""),
        ("sea1.jpg", "10.0", "12.5", "#aa2020", ""), ("sea1.jpg", "30.0", "40.0", "#2040aa", "3")]
    assert read_rows(review.references) == [{"path": "sea1.jpg", "reference": os.path.relpath(
        os.path.join(review.input, "color reference.png"), os.path.dirname(review.hints))}]
    # What colorize reads of them: the same hints, and the reference file.
    sources = colorize_guidance.read_sources(review.hints, references_path=review.references)
    assert [row.color for row in sources.hint_rows["sea1.jpg"]] == ["#aa2020", "#2040aa"]
    assert os.path.samefile(sources.reference_rows["sea1.jpg"][0][1].path,
                            os.path.join(review.input, "color reference.png"))
    assert sorted(name for name in os.listdir(tmp_path) if name.startswith(".")) == []  # no temporary left
    # Opening the photo again shows what was saved.
    shown = client.get("/api/photo", params={"path": "sea1.jpg"}, headers=headers(review)).json()
    assert [hint["color"] for hint in shown["hints"]] == ["#aa2020", "#2040aa"]
    assert shown["reference"] == "color reference.png"


@pytest.mark.parametrize("body, message", [
    ({"path": "sea1.jpg", "hints": [{"x": 1e6, "y": 1, "color": "#aa2020"}]}, "outside the photo"),
    ({"path": "sea1.jpg", "hints": [{"x": 1, "y": 1, "color": "red"}]}, "is not #rrggbb"),
    ({"path": "../sea1.jpg", "hints": []}, "not an image of this run"),
    ({"path": "sea1.jpg", "hints": [], "reference": "../colored/sea1.jpg"}, "may not leave"),
])
def test_a_bad_save_says_why_and_writes_nothing(review, client, body, message):
    response = client.post("/api/save", json=body, headers=headers(review))
    assert response.status_code in (400, 403, 404) and message in response.json()["error"]
    assert not os.path.exists(review.hints)


def test_the_preview_follows_the_hints_and_suggestions_come_from_the_model(review, client):
    plain = client.post("/api/preview", json={"path": "sea1.jpg", "hints": []}, headers=headers(review))
    assert plain.status_code == 200 and plain.headers["content-type"] == "image/jpeg"
    details = client.get("/api/photo", params={"path": "sea1.jpg"}, headers=headers(review)).json()
    x, y = details["width"] / 2, details["height"] / 2
    hinted = client.post("/api/preview", json={"path": "sea1.jpg", "hints": [{"x": x, "y": y, "color": "#c02020"}]},
                         headers=headers(review))
    before = np.asarray(Image.open(io.BytesIO(plain.content)).convert("RGB"), dtype=np.int16)
    after = np.asarray(Image.open(io.BytesIO(hinted.content)).convert("RGB"), dtype=np.int16)
    assert before.shape == after.shape and max(before.shape[:2]) <= 1600
    middle = after[after.shape[0] // 2, after.shape[1] // 2]
    assert middle[0] > middle[1] + 20 and np.abs(after - before).max() > 20  # red where the hint is
    assert 0 <= float(hinted.headers["X-Confidence"]) <= 1
    colors = client.post("/api/suggest", json={"path": "sea1.jpg", "x": x, "y": y}, headers=headers(review)).json()
    assert 1 <= len(colors["colors"]) <= 6
    shares = [share for _, share in colors["colors"]]
    assert shares == sorted(shares, reverse=True) and all(code.startswith("#") for code, _ in colors["colors"])


def test_the_command_prints_one_address_and_stops_on_ctrl_c_in_one_line(reviewed_run, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs.review", "--input", str(reviewed_run.input), "--output", str(reviewed_run.output),
         "--hints", str(tmp_path / "h.csv"), "--model", reviewed_run.model],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=os.path.dirname(server.STATIC) + "/../../..")
    try:
        first = process.stdout.readline()
        assert first.startswith("review: http://127.0.0.1:") and "/?token=" in first
        import urllib.request

        url = first.split()[1]
        assert urllib.request.urlopen(url, timeout=30).status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url.split("?")[0], timeout=30)
        assert refused.value.code == 403
        process.stdout.readline()  # what Save writes
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert out.strip() == "review: stopped" and process.returncode == 0
    assert err.strip() == ""
