"""The review page in a real browser: headless Chromium (Debian's chromium and chromium-driver) through
Selenium opens the gallery, checks its order and the failure shown, opens a photo, adds two hints,
saves them, and sees the CSV written and the preview changed.

Outside CI the test skips, saying so, when no browser is installed; under CI=true it never skips.
REVIEW_SCREENSHOTS=FOLDER saves the gallery and a photo with hints there (the README's pictures:
REVIEW_SCREENSHOTS=docs REVIEW_MODEL=model/default/model.keras pytest tests/pipeline/review/test_page.py).
"""

import csv
import os
import shutil
import threading

import pytest

from jobs import review as review_job
from pipeline.review import server
from tests.pipeline.review.conftest import make_run

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT_SECONDS = 60


def browser_or_skip():
    if CHROMIUM and DRIVER:
        try:
            from selenium import webdriver
        except ImportError:
            webdriver = None
        if webdriver is not None:
            return webdriver
    message = "no browser: apt-get install chromium chromium-driver (and pip install selenium) to run it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browser():
    webdriver = browser_or_skip()
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def page_run(reviewed_run, tmp_path_factory):
    model = os.environ.get("REVIEW_MODEL")
    return make_run(tmp_path_factory.mktemp("shown"), model) if model else reviewed_run


@pytest.fixture
def served(page_run, tmp_path):
    """A running review server of the run, in this process; yields (its address, the Review)."""
    review = server.Review(input=str(page_run.input), output=str(page_run.output), hints=str(tmp_path / "hints.csv"),
                           model=page_run.model)
    app_server, listener, url = review_job.make_server(review, "127.0.0.1", 0)
    ready = threading.Event()
    thread = threading.Thread(target=review_job.serve, args=(app_server, listener, url, lambda _: ready.set()),
                              daemon=True)
    thread.start()
    assert ready.wait(30)
    yield url, review
    app_server.should_exit = True
    thread.join(30)


def wait_for(driver, condition, message):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(lambda _: driver.execute_script(condition), message)


PREVIEW_SUM = """
const image = document.getElementById("preview");
if (!image.complete || !image.naturalWidth) return null;
const canvas = document.createElement("canvas");
canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
const context = canvas.getContext("2d");
context.drawImage(image, 0, 0);
const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
let red = 0, green = 0;
for (let i = 0; i < data.length; i += 4) { red += data[i]; green += data[i + 1]; }
// The red over green where the second hint goes (0.7, 0.6 of the photo).
const at = 4 * (Math.floor(0.6 * canvas.height) * canvas.width + Math.floor(0.7 * canvas.width));
return [red, green, data[at] - data[at + 1], image.dataset.version];
"""


def screenshot(driver, name):
    """The browser's window as a JPEG in $REVIEW_SCREENSHOTS, when it is set."""
    folder = os.environ.get("REVIEW_SCREENSHOTS")
    if folder:
        import io

        from PIL import Image

        os.makedirs(folder, exist_ok=True)
        Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGB").save(
            os.path.join(folder, name), quality=85)


def test_a_person_finds_the_worst_photos_first_and_fixes_one_with_two_clicks(browser, served):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    url, review = served
    browser.get(url)
    wait_for(browser, "return document.body.dataset.galleryLoaded === '7'", "the gallery did not load")
    cards = browser.find_elements(By.CSS_SELECTOR, "#cards .card")
    order = [card.get_attribute("data-path") for card in cards]
    assert order == [entry.path for entry in review.entries]
    assert order[0] == "broken.jpg" and "not_an_image" in cards[0].text
    confidences = [float(card.get_attribute("data-confidence")) for card in cards
                   if card.get_attribute("data-status") == "colorized"]
    assert len(confidences) == 5 and confidences == sorted(confidences)
    wait_for(browser, "return [...document.querySelectorAll('#cards img')].every(i => i.complete && i.naturalWidth)",
             "the thumbnails did not load")
    screenshot(browser, "review-gallery.jpg")

    chosen = order[1]  # the least confident photo
    cards[1].find_element(By.TAG_NAME, "a").click()
    wait_for(browser, "return document.getElementById('preview').dataset.version === '1'", "no first preview")
    before = wait_for(browser, PREVIEW_SUM, "the preview did not draw")
    stage = browser.find_element(By.ID, "stage")
    width, height = stage.size["width"], stage.size["height"]
    for number, (x, y) in enumerate([(0.3, 0.4), (0.7, 0.6)], 1):
        ActionChains(browser).move_to_element_with_offset(stage, int((x - 0.5) * width),
                                                          int((y - 0.5) * height)).click().perform()
        wait_for(browser, f"return document.body.dataset.hints === '{number}'", "the hint was not added")
        wait_for(browser, "return document.querySelectorAll('#suggestions .swatch').length > 0",
                 "no colors suggested")
    # The second hint's color: a red the person picks instead of the model's suggestion.
    browser.execute_script("const input = document.getElementById('custom'); input.value = '#c02020';"
                           "input.dispatchEvent(new Event('change'));")
    wait_for(browser, "return !document.getElementById('preview-note').textContent.includes('coloring')"
                      " && Number(document.getElementById('preview').dataset.version) >= 3", "no new preview")
    after = wait_for(browser, PREVIEW_SUM, "the preview did not draw")
    screenshot(browser, "review-photo.jpg")
    browser.find_element(By.ID, "close-picker").click()
    # A third hint, deleted with the Delete key once selected; the first dragged a tenth of the width right.
    ActionChains(browser).move_to_element_with_offset(stage, 0, -int(0.4 * height)).click().perform()
    wait_for(browser, "return document.body.dataset.hints === '3'", "the third hint was not added")
    ActionChains(browser).send_keys(Keys.DELETE).perform()
    wait_for(browser, "return document.body.dataset.hints === '2'", "the third hint was not deleted")
    first = browser.find_element(By.CSS_SELECTOR, '.marker[data-index="0"]')
    ActionChains(browser).click_and_hold(first).move_by_offset(int(0.1 * width), 0).release().perform()
    wait_for(browser, "return !document.getElementById('preview-note').textContent.includes('coloring')",
             "no preview after the drag")
    browser.find_element(By.ID, "save").click()
    wait_for(browser, "return document.getElementById('status').dataset.saved === '2'", "not saved")

    with open(review.hints, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["path"] for row in rows] == [chosen, chosen]
    assert rows[1]["color"] == "#c02020"
    photo_width = review.desk.shown(os.path.join(review.input, chosen)).width
    assert abs(float(rows[0]["x"]) / photo_width - 0.4) < 0.03 and abs(float(rows[1]["x"]) / photo_width - 0.7) < 0.03
    assert after[:2] != before[:2]  # the preview changed with the hints
    assert after[2] > before[2] + 20  # and the red hint made its point redder
