"""Every extractor of data/photo_extractors.py on a small archive built here: the photos, licence files and credits."""

import dataclasses
import io

import pytest
from PIL import Image


def webp(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "WEBP")
    return buffer.getvalue()


BIG, SMALL = webp((320, 240)), webp((320, 213))
SOLID_README = b"""# placeholders

- [Family - Nathan Dumlao](https://unsplash.com/photos/Wr3comVZJxU)
  \xe2\x80\x94 ALT (EN): "A father with two children."
- [Handshake working - Sora Shimazaki](https://www.pexels.com/photo/5673488/)
"""
GCOMPRIS_README = b"Copyright: A\nSource: https://commons.example/fish\nLicense: CC0-1.0\nFiles:\nbig.webp\nscreDriver.webp\n"

# (extractor, archive file, its files (a .rcc as a tree for build_rcc), catalog entry less spec/pin/size,
#  the photos it must write {path: bytes}, its CREDITS lines, the licence files it must write {name: bytes})
CASES = {
    "members of an npm tarball's folder, less those left out, credited by file name": (
        "shop-1.0.0.tgz",
        {"package/LICENSE": b"GPL", "package/assets/images/ann-1-unsplash.jpg": b"photo 1",
         "package/assets/images/grey-0-unsplash.jpg": b"grey", "package/assets/images/logo.png": b"a logo",
         "package/assets/images/thumbs/ann-1-unsplash.jpg": b"a thumbnail"},
        {"folder": "shop", "photos": ["package/assets/images/"], "left_out": ["grey-0-unsplash.jpg"],
         "credit_from_name": "unsplash", "licences": {"package/LICENSE": "shop.LICENSE"}},
        {"shop/ann-1-unsplash.jpg": b"photo 1"},
        ["shop/ann-1-unsplash.jpg: ann on Unsplash, photo 1 (Unsplash licence, as the file name says) "
         "(SPEC package/assets/images/ann-1-unsplash.jpg)"],
        {"shop.LICENSE": b"GPL"}),
    "members of a wheel, named under a root, credited by file name (Pexels)": (
        "rooms-0.2.0-py3-none-any.whl",
        {"rooms/images/pexels-ann-5.jpg": b"a room", "rooms/images/pexels-6.jpg": b"another",
         "rooms-0.2.0.dist-info/METADATA": b"License: MIT"},
        {"folder": "rooms", "root": "rooms/images/", "photos": ["pexels-ann-5.jpg", "pexels-6.jpg"],
         "credit_from_name": "pexels", "licences": {"rooms-0.2.0.dist-info/METADATA": "rooms.METADATA"}},
        {"rooms/pexels-ann-5.jpg": b"a room", "rooms/pexels-6.jpg": b"another"},
        ["rooms/pexels-ann-5.jpg: ann on Pexels, https://www.pexels.com/photo/5/ (Pexels licence, per the package's "
         "README) (SPEC rooms/images/pexels-ann-5.jpg)",
         "rooms/pexels-6.jpg: Pexels, https://www.pexels.com/photo/6/ (Pexels licence, per the package's README) "
         "(SPEC rooms/images/pexels-6.jpg)"],
        {"rooms.METADATA": b"License: MIT"}),
    "members of an sdist, each photo credited by name": (
        "crop-1.0.tar.gz",
        {"crop-1.0/LICENSE": b"MIT", "crop-1.0/tests/images/farm.jpg": b"a farmer", "crop-1.0/tests/images/odd.jpg": b""},
        {"folder": "crop", "photos": ["crop-1.0/tests/images/farm.jpg"], "credits": {"farm.jpg": "Ann on Unsplash"},
         "credits_licence": "the Unsplash licence", "licences": {"crop-1.0/LICENSE": "crop.LICENSE"}},
        {"crop/farm.jpg": b"a farmer"},
        ["crop/farm.jpg: Ann on Unsplash (the Unsplash licence) (SPEC crop-1.0/tests/images/farm.jpg)"],
        {"crop.LICENSE": b"MIT"}),
    "members of a .deb, with its Debian copyright file, credited by its Files: entry": (
        "demo_1_all.deb",
        {"usr/share/demo/pics/soup.jpg": b"a soup", "usr/share/demo/pics/tea.JPG": b"tea",
         "usr/share/doc/demo/copyright": b"Files: pics/*\nLicense: BSD-3-clause\n"},
        {"folder": "demo", "root": "usr/share/demo/pics/", "photos": ["tea.JPG", "soup.jpg"],
         "debian_copyright": "Ann, BSD-3-clause", "files_entry": "Files: pics/*"},
        {"demo/soup.jpg": b"a soup", "demo/tea.JPG": b"tea"},
        ["demo/tea.JPG: demo, Ann, BSD-3-clause (Debian's copyright of demo: Files: pics/*) "
         "(SPEC usr/share/demo/pics/tea.JPG)",
         "demo/soup.jpg: demo, Ann, BSD-3-clause (Debian's copyright of demo: Files: pics/*) "
         "(SPEC usr/share/demo/pics/soup.jpg)"],
        {"demo.copyright": b"Files: pics/*\nLicense: BSD-3-clause\n"}),
    "unpacked_globs: wallpapers by glob, Plasma's renditions by their folder, a GCompris bundle's photos": (
        "walls_1_all.deb",
        {"usr/share/backgrounds/Bridge_by_Ann.jpg": b"a bridge", "usr/share/backgrounds/Abstract_by_Bob.jpg": b"art",
         "usr/share/wallpapers/Kite/contents/images/2560x1600.jpg": b"a kite",
         "usr/share/wallpapers/Kite/contents/images/1280x800.jpg": b"a small kite",
         "usr/share/wallpapers/Kite/metadata.json": b"{\"License\": \"CC-BY-SA\"}",
         "usr/share/games/erase.rcc": {"erase": {"Erase.qml": (b"code", False), "resource": {
             "README": (b"fox: CC0", True), "fox.webp": (b"a fox", True), "castleClinton.webp": (b"drawn", False)}}},
         "usr/share/doc/walls/copyright": b"Files: *\nLicense: CC0\n"},
        {"folder": "walls", "extract": "unpacked_globs", "left_out": ["castleClinton.webp"],
         "photos": ["usr/share/backgrounds/Bridge_by_*.jpg", "usr/share/wallpapers/Kite/contents/images/2560x1600.jpg",
                    "usr/share/games/erase.rcc"],
         "credit_files": ["usr/share/wallpapers/Kite/metadata.json"]},
        {"walls/Bridge_by_Ann.jpg": b"a bridge", "walls/Kite.jpg": b"a kite", "walls/erase/fox.webp": b"a fox"},
        [],
        {"walls.copyright": b"Files: *\nLicense: CC0\n", "walls-Kite": b"{\"License\": \"CC-BY-SA\"}",
         "gcompris-erase-README": b"fox: CC0"}),
    "gcompris_categorization: credited photos large enough, not left out, a misspelt name mended": (
        "games_1_all.deb",
        {"usr/share/games/sort.rcc": {"sort": {"resource": {"images": {
            "tools": {"README": (GCOMPRIS_README, True), "big.webp": (BIG, False), "small.webp": (SMALL, False),
                      "screwDriver.webp": (BIG, True)},
            "monuments": {"README": (GCOMPRIS_README, False), "big.webp": (BIG, False)}}}}}},
        {"folder": "sorting", "extract": "gcompris_categorization", "bundle": "usr/share/games/sort.rcc",
         "images": "/sort/resource/images/", "short_side": 240, "left_out": ["monuments/big.webp"],
         "misspelt": {"screDriver.webp": "screwDriver.webp"}},
        {"sorting/tools/big.webp": BIG, "sorting/tools/screwDriver.webp": BIG},
        ["sorting/tools/big.webp: A, https://commons.example/fish, CC0-1.0",
         "sorting/tools/screwDriver.webp: A, https://commons.example/fish, CC0-1.0"],
        {"sorting-tools-README": GCOMPRIS_README, "sorting-monuments-README": GCOMPRIS_README}),
    "scratch_backgrounds: the .jpg backgrounds by category, less the drawn ones": (
        "scratch_1_all.deb",
        {"usr/share/scratch/Backgrounds/Indoors/kitchen.jpg": b"a kitchen",
         "usr/share/scratch/Backgrounds/Indoors/room1.jpg": b"drawn",
         "usr/share/scratch/Backgrounds/Outdoors/night-city.gif": b"drawn",
         "usr/share/scratch/Backgrounds/grid.jpg": b"not in a category",
         "usr/share/doc/scratch/copyright": b"CC-BY-SA-3.0"},
        {"folder": "scratch", "extract": "scratch_backgrounds", "backgrounds": "usr/share/scratch/Backgrounds",
         "left_out": ["room1"], "credit": "Scratch, CC-BY-SA-3.0",
         "licences": {"usr/share/doc/scratch/copyright": "scratch.copyright"}},
        {"scratch/Indoors/kitchen.jpg": b"a kitchen"},
        ["scratch/Indoors/kitchen.jpg: Scratch, CC-BY-SA-3.0"],
        {"scratch.copyright": b"CC-BY-SA-3.0"}),
    "readme_credited: the photo folder's .jpg files, each credited by the README's list": (
        "solid-3.0.3.tgz",
        {"package/README.md": SOLID_README, "package/LICENSE.md": b"Unsplash License",
         "package/src/images/family.jpg": b"photo 1", "package/src/images/handshake-work.jpg": b"photo 2",
         "package/src/images/generic.jpg": b"an icon", "package/src/images/thumbs/family.jpg": b"a thumbnail"},
        {"folder": "solid", "extract": "readme_credited", "photos": ["package/src/images/"], "left_out": ["generic.jpg"],
         "readme": "package/README.md", "title_files": {"handshake-working": "handshake-work"},
         "licence_note": "Unsplash licence", "licences": {"package/LICENSE.md": "solid.LICENSE.md"}},
        {"solid/family.jpg": b"photo 1", "solid/handshake-work.jpg": b"photo 2"},
        ["solid/family.jpg: Nathan Dumlao, https://unsplash.com/photos/Wr3comVZJxU (Unsplash licence)",
         "solid/handshake-work.jpg: Sora Shimazaki, https://www.pexels.com/photo/5673488/ (Unsplash licence)"],
        {"solid.LICENSE.md": b"Unsplash License"}),
    "unsplash_named: the full-size demo photos, credited by their names": (
        "tabler-ui-0.0.34.tgz",
        {"package/src/demo/photos/ales-krivec-107499-1500.jpg": b"big", "package/src/demo/photos/ales-krivec-107499-500.jpg":
         b"small", "package/dist/demo/photos/david-marcu-114194-1500.jpg": b"a copy", "package/LICENSE": b"MIT"},
        {"extract": "unsplash_named", "photos": ["package/src/demo/photos/"], "suffix": "-1500.jpg",
         "licences": {"package/LICENSE": "tabler-ui.LICENSE"}},
        {"ales-krivec-107499-1500.jpg": b"big"},
        ["Photographs from the npm package SPEC (MIT), published on Unsplash by:",
         "ales-krivec-107499-1500.jpg: Ales Krivec, Unsplash photo 107499"],
        {"tabler-ui.LICENSE": b"MIT"}),
    "wheel_samples: a wheel's sample images, each to its place with its credit": (
        "scikit_image-0.26.0-cp311-cp311-linux_x86_64.whl",
        {"skimage/data/astronaut.png": b"photo", "skimage/data/camera.png": b"grey", "skimage/data/_fetchers.py": b"PD"},
        {"extract": "wheel_samples", "samples": {"skimage/data/astronaut.png": ["scikit-image/astronaut.png", "NASA"]},
         "licences": {"skimage/data/_fetchers.py": "scikit-image-data.py"}},
        {"scikit-image/astronaut.png": b"photo"},
        ["scikit-image/astronaut.png: NASA (scikit_image skimage/data/astronaut.png)"],
        {"scikit-image-data.py": b"PD"}),
}


@pytest.fixture
def build_archive(tmp_path, build_tarball, build_wheel, build_deb, build_rcc):
    """A function (file name, {member: bytes, or an .rcc's tree}) -> the archive, of the kind its name says."""
    def build(file_name, files):
        files = {name: build_rcc(data) if isinstance(data, dict) else data for name, data in files.items()}
        if file_name.endswith(".deb"):
            return build_deb(file_name.split("_")[0], files)
        path = tmp_path / file_name
        (build_wheel if file_name.endswith(".whl") else build_tarball)(path, files)
        return path
    return build


def files_under(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_each_extractor_takes_its_photos_licence_files_and_credits(case, tmp_path, build_archive, fetch_photos,
                                                                   extractors, credits):
    file_name, files, entry, photos, lines, licences = CASES[case]
    archive = build_archive(file_name, files)
    spec = "pool/main/d/demo/" + archive.name if file_name.endswith(".deb") else f"demo=={file_name}"
    package = fetch_photos.package_of({"file": archive.name, **entry},
                                      {archive.name: {"spec": spec, "pin": "", "size": ""}}, case)
    out = tmp_path / "out"

    assert extractors.EXTRACTORS[package.extract](package, archive, out, credits) == [
        line.replace("SPEC", spec) for line in lines]
    assert files_under(out) == photos
    assert files_under(credits) == licences


def test_every_extractor_is_tested_here(extractors):
    tested = {entry.get("extract", "members") for _, _, entry, _, _, _ in CASES.values()}
    assert tested == set(extractors.EXTRACTORS)


def test_rcc_entries_read_stored_and_compressed_files_in_nested_folders(extractors, build_rcc):
    bundle = build_rcc({"activity": {"resource": {"README": (b"credits", False), "fox.webp": (b"fox" * 100, True)}},
                        "main.qml": (b"code", False)})
    assert dict(extractors.rcc_entries(bundle)) == {
        "/activity/resource/README": b"credits", "/activity/resource/fox.webp": b"fox" * 100, "/main.qml": b"code"}
    with pytest.raises(ValueError, match="not a Qt resource file"):
        list(extractors.rcc_entries(b"PK\x03\x04"))


# What is wrong in an archive that is not the pinned version: (archive, files, entry, the error).
WRONG = {
    "a named photo missing": ("shop-1.0.0.tgz", {"package/LICENSE": b"GPL"},
                              {"folder": "shop", "photos": ["package/pizza.jpg"]},
                              "shop-1.0.0.tgz has no package/pizza.jpg: is it the pinned version"),
    "a licence file missing": ("shop-1.0.0.tgz", {"package/a.jpg": b"a"},
                               {"folder": "shop", "photos": ["package/a.jpg"], "licences": {"package/LICENSE": "L"}},
                               "has no package/LICENSE: is it the pinned version"),
    "a photo its credits do not name": ("shop-1.0.0.tgz", {"package/b.jpg": b"b"},
                                        {"folder": "shop", "photos": ["package/b.jpg"], "credits": {"a.jpg": "Ann"},
                                         "credits_licence": "CC0"},
                                        "b.jpg has no credit here: is the package the pinned version"),
    "a file not named as Unsplash names them": ("shop-1.0.0.tgz", {"package/new-photo.jpg": b""},
                                                {"folder": "shop", "photos": ["package/new-photo.jpg"],
                                                 "credit_from_name": "unsplash"},
                                                "new-photo.jpg is not named .* is the package the pinned version"),
    "a photo the README does not credit": ("solid-3.0.3.tgz", {"package/README.md": SOLID_README,
                                                               "package/src/images/new.jpg": b""},
                                           {"folder": "solid", "extract": "readme_credited",
                                            "photos": ["package/src/images/"], "readme": "package/README.md",
                                            "licence_note": "Unsplash"},
                                           "its README credits no photographer for new.jpg"),
    "a GCompris photo no README credits": ("games_1_all.deb", {"usr/share/games/sort.rcc": {"sort": {"resource": {
        "images": {"tools": {"README": (b"Copyright: A\nFiles:\nother.webp\n", False), "big.webp": (BIG, False)}}}}}},
        {"folder": "sorting", "extract": "gcompris_categorization", "bundle": "usr/share/games/sort.rcc",
         "images": "/sort/resource/images/", "short_side": 240}, "no README credits tools/big.webp"),
    "a glob that matches nothing": ("walls_1_all.deb", {"usr/share/doc/walls/copyright": b"CC0"},
                                    {"folder": "walls", "extract": "unpacked_globs", "photos": ["usr/share/*.jpg"]},
                                    "holds nothing matching usr/share/\\*.jpg: is it the pinned version"),
}


@pytest.mark.parametrize("case", WRONG)
def test_an_archive_that_is_not_the_pinned_version_is_an_error(case, tmp_path, build_archive, fetch_photos,
                                                               extractors, credits):
    file_name, files, entry, error = WRONG[case]
    archive = build_archive(file_name, files)
    package = fetch_photos.package_of({"file": archive.name, **entry},
                                      {archive.name: {"spec": "demo", "pin": "", "size": ""}}, case)
    with pytest.raises(SystemExit, match=error):
        extractors.EXTRACTORS[package.extract](package, archive, tmp_path / "out", credits)


def test_two_packages_with_a_photo_of_the_same_name_in_one_folder_are_an_error(tmp_path, build_archive, fetch_photos,
                                                                               extractors, credits):
    archives = [build_archive(name, {"package/pics/burger.jpg": b"a burger"}) for name in ("a-1.tgz", "b-1.tgz")]
    package = fetch_photos.package_of({"file": "a-1.tgz", "folder": "shop", "photos": ["package/pics/burger.jpg"]},
                                      {"a-1.tgz": {"spec": "a@1", "pin": "", "size": ""}}, "a")
    extractors.members(package, archives[0], tmp_path / "out", credits)
    package = dataclasses.replace(package, file=archives[1].name)
    with pytest.raises(SystemExit, match="two packages have a photo named shop/burger.jpg"):
        extractors.members(package, archives[1], tmp_path / "out", credits)

