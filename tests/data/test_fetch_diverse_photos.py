"""fetch_diverse_photos on a small npm tarball and package tree built here: which files it takes, their credits."""

import io
import zipfile

import pytest
from PIL import Image

README = """# placeholders

- [Family - Nathan Dumlao](https://unsplash.com/photos/Wr3comVZJxU)
  — ALT (EN): "A father with two children."
- [Architecture interior - People inside a library - Tetiana Shevereva](https://www.pexels.com/photo/3490856/)
  — ALT (EN): "A library."
- [Handshake working - Sora Shimazaki](https://www.pexels.com/photo/5673488/)

## Videos

- [Gardening - Pavel Danilyuk](https://www.pexels.com/video/4625767/)
"""


@pytest.fixture
def script(load_data_script):
    return load_data_script("fetch_diverse_photos")


def solid_files(**images):
    files = {"package/README.md": README.encode(), "package/LICENSE.md": b"Unsplash License"}
    files.update({f"package/src/images/{name}": data for name, data in images.items()})
    return files


def test_solid_credits_name_each_photo_by_its_title_with_photographer_and_source(script):
    assert script.solid_credits(README) == {
        "family.jpg": "Nathan Dumlao, https://unsplash.com/photos/Wr3comVZJxU",
        "architecture-interior.jpg": "Tetiana Shevereva, https://www.pexels.com/photo/3490856/",
        "handshake-work.jpg": "Sora Shimazaki, https://www.pexels.com/photo/5673488/",
        "gardening.jpg": "Pavel Danilyuk, https://www.pexels.com/video/4625767/"}


def test_unpack_solid_takes_the_credited_photos_and_keeps_licence_and_readme(tmp_path, script, credits, build_tarball):
    tarball = tmp_path / "solid.tgz"
    build_tarball(tarball, solid_files(**{
        "family.jpg": b"photo 1", "handshake-work.jpg": b"photo 2", "generic.jpg": b"an icon",
        "union-investment.png": b"a logo", "thumbs/family.jpg": b"not in the photo folder"}))
    out = tmp_path / "out"

    lines = script.unpack_solid(tarball, out, credits)
    assert sorted(path.name for path in (out / "solid-placeholders").iterdir()) == ["family.jpg", "handshake-work.jpg"]
    assert (out / "solid-placeholders" / "family.jpg").read_bytes() == b"photo 1"
    licence = "(Unsplash licence, per the package's LICENSE.md)"
    assert lines == [
        f"solid-placeholders/family.jpg: Nathan Dumlao, https://unsplash.com/photos/Wr3comVZJxU {licence}",
        f"solid-placeholders/handshake-work.jpg: Sora Shimazaki, https://www.pexels.com/photo/5673488/ {licence}"]
    assert (credits / "solid-placeholders.LICENSE.md").read_bytes() == b"Unsplash License"
    assert (credits / "solid-placeholders.README.md").read_text() == README


def test_a_photo_without_a_credit_is_an_error(tmp_path, script, credits, build_tarball):
    tarball = tmp_path / "solid.tgz"
    build_tarball(tarball, solid_files(**{"family.jpg": b"photo", "new-photo.jpg": b"uncredited"}))
    with pytest.raises(SystemExit, match="credits no photographer for new-photo.jpg"):
        script.unpack_solid(tarball, tmp_path / "out", credits)


def test_scratch_photos_leave_out_the_drawn_backgrounds(tmp_path, script, credits):
    root = tmp_path / "root"
    backgrounds = root / script.SCRATCH_BACKGROUNDS
    for relative, data in {"Indoors/kitchen.jpg": b"photo 1", "Indoors/room1.jpg": b"drawn",
                           "Nature/moon.jpg": b"grayscale", "Outdoors/night-city.gif": b"drawn",
                           "Sports/baseball-field.jpg": b"photo 2", "xy-grid.gif": b"a grid"}.items():
        (backgrounds / relative).parent.mkdir(parents=True, exist_ok=True)
        (backgrounds / relative).write_bytes(data)
    (root / script.SCRATCH_COPYRIGHT).parent.mkdir(parents=True)
    (root / script.SCRATCH_COPYRIGHT).write_text("Files: Media/*\nLicense: CC-BY-SA-3.0\n")
    out = tmp_path / "out"

    lines = script.scratch_photos(root, out, credits)
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()) == [
        "scratch/Indoors/kitchen.jpg", "scratch/Sports/baseball-field.jpg"]
    assert (out / "scratch/Sports/baseball-field.jpg").read_bytes() == b"photo 2"
    assert lines[0] == ("scratch/Indoors/kitchen.jpg: Scratch 1.4 media library, "
                        "(c) 2011 Massachusetts Institute of Technology, CC-BY-SA-3.0")
    assert "CC-BY-SA-3.0" in (credits / "scratch.copyright").read_text()


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, script, build_tarball):
    build_tarball(tmp_path / script.SOLID_TARBALL, solid_files(**{"family.jpg": b"photo"}))
    with pytest.raises(SystemExit, match="integrity .* expected sha512-tD0K.*delete it and re-run"):
        script.fetch(tmp_path)
    assert not (tmp_path / script.FOLDER).exists()


def webp(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "WEBP")
    return buffer.getvalue()


def test_gcompris_credits_read_each_block_and_mend_a_misspelt_name(script):
    readme = ("Copyright: Karelj\nSource: https://commons.wikimedia.org/wiki/File:Fish.jpg\nLicense: Public Domain\n"
              "Files:\nfish1.webp\nfish2.webp\n\n"
              "Copyright: Oktaeder\nLicense: CC0-1.0\nFiles:\nscreDriver.webp\n")
    assert script.gcompris_credits(readme) == {
        "fish1.webp": "Karelj, https://commons.wikimedia.org/wiki/File:Fish.jpg, Public Domain",
        "fish2.webp": "Karelj, https://commons.wikimedia.org/wiki/File:Fish.jpg, Public Domain",
        "screwDriver.webp": "Oktaeder, CC0-1.0"}


def test_gcompris_photos_keep_credited_photos_large_enough_and_not_already_fetched(tmp_path, script, credits, build_rcc):
    readme = b"Copyright: A\nLicense: CC0-1.0\nFiles:\nbig.webp\nsmall.webp\nbrandenburgGate.webp\n"
    bundle = tmp_path / "categorization.rcc"
    bundle.write_bytes(build_rcc({"gcompris": {"src": {"activities": {"categorization": {
        "Categorization.qml": (b"code", False),
        "resource": {"images": {
            "tools": {"README": (readme, True), "big.webp": (webp((320, 240)), False),
                      "small.webp": (webp((320, 213)), False)},
            "monuments": {"README": (readme, True), "brandenburgGate.webp": (webp((320, 240)), False)}}}}}}}}))
    out = tmp_path / "out"

    lines = script.gcompris_photos(bundle, out, credits)
    assert [path.relative_to(out).as_posix() for path in out.rglob("*.webp")] == ["gcompris-categorization/tools/big.webp"]
    assert lines == ["gcompris-categorization/tools/big.webp: A, CC0-1.0"]
    assert (credits / "gcompris-categorization-tools-README").read_bytes() == readme


def test_an_uncredited_gcompris_photo_is_an_error(tmp_path, script, credits, build_rcc):
    bundle = tmp_path / "categorization.rcc"
    bundle.write_bytes(build_rcc({"categorization": {"resource": {"images": {"tools": {
        "README": (b"Copyright: A\nLicense: CC0-1.0\nFiles:\nother.webp\n", False),
        "big.webp": (webp((320, 240)), False)}}}}}))
    with pytest.raises(SystemExit, match="no README credits tools/big.webp"):
        script.gcompris_photos(bundle, tmp_path / "out", credits)


def test_wheel_photos_take_the_named_members_and_licence_files(tmp_path, script, credits):
    wheel = tmp_path / "scikit_image-0.26.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("skimage/data/astronaut.png", b"photo")
        archive.writestr("skimage/data/camera.png", b"grayscale")
        archive.writestr("skimage/data/_fetchers.py", b"'''public domain'''")
    out = tmp_path / "out"

    lines = script.wheel_photos(wheel, {"skimage/data/astronaut.png": ("scikit-image/astronaut.png", "NASA")},
                                {"skimage/data/_fetchers.py": "scikit-image-data.py"}, out, credits)
    assert [path.relative_to(out).as_posix() for path in out.rglob("*.*")] == ["scikit-image/astronaut.png"]
    assert lines == ["scikit-image/astronaut.png: NASA (scikit_image skimage/data/astronaut.png)"]
    assert (credits / "scikit-image-data.py").read_bytes() == b"'''public domain'''"
