"""Fetch 165 more real photographs (animals, monuments, plants, landscapes) from seven Debian packages.

    python data/fetch_more_photos.py --dest data/downloads

They widen the photo side of the training data beyond the endless-sky landscapes: wildlife,
farm animals, monuments and musicians from GCompris (114), and photographic wallpapers from
six desktop packages. Every .deb's sha256 is pinned: a different file is an error. The
packages are only unpacked, never installed. Their copyright files (and GCompris'
per-image credits, with each photo's Wikimedia Commons source) go to
more-photos.COPYRIGHT/, beside the folder, so that the folder holds only photos. Licences:
public domain, CC0, CC-BY, CC-BY-SA, GPL-2+ and LGPL; see those files for the authors.
"""

import fnmatch
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from fetching import apt_download, install_photos, parse_dest, say_ready

PLASMA_PHOTOS = ["BytheWater", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Kite", "OneStandsOut", "Path", "summer_1am"]
# (package=version, .deb file name, sha256, globs of the photos inside the package)
PACKAGES = (
    ("gcompris-qt-data=3.1-2", "gcompris-qt-data_3.1-2_all.deb",
     "e9cf06ab2105529068df73085784e835d2ff03f870d2a8091f09125d40abac9f",
     ["usr/share/gcompris-qt/rcc/erase.rcc", "usr/share/gcompris-qt/rcc/explore_farm_animals.rcc",
      "usr/share/gcompris-qt/rcc/explore_monuments.rcc", "usr/share/gcompris-qt/rcc/explore_world_animals.rcc",
      "usr/share/gcompris-qt/rcc/explore_world_music.rcc"]),
    ("lomiri-wallpapers-16.04=20.04.0-2", "lomiri-wallpapers-16.04_20.04.0-2_all.deb",
     "a99ff6a3bfe451e4cc0682ecb3cc82e71740626d59e4845ae34a0a0e45421eab",
     # Two of the package's wallpapers are abstract art, not photos.
     [f"usr/share/backgrounds/{name}_by_*.jpg" for name in
      ["Bridge", "Dragonfly", "Picture_0B", "Picture_1A", "Wine", "aitzgorri", "free", "friends", "greentock", "life", "picosdeeuropa", "seeding", "sunset"]]),
    ("lomiri-wallpapers-20.04=20.04.0-2", "lomiri-wallpapers-20.04_20.04.0-2_all.deb",
     "d44e89b8473aafe64a5b678f014862dc31335aaaf18665c544d985d854f1a709",
     ["usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"]),
    ("mate-backgrounds=1.26.0-1", "mate-backgrounds_1.26.0-1_all.deb",
     "7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04",
     ["usr/share/backgrounds/mate/nature/*.jpg"]),
    ("lxqt-themes=1.2.0-1", "lxqt-themes_1.2.0-1_all.deb",
     "d518df36b515b09d36cb00b12645dd8ce170bb82bb0966297741905ce3edc8e1",
     [f"usr/share/lxqt/wallpapers/{name}" for name in
      ["Butterfly-Kenneth-Wimer.jpg", "Valendas.png", "after-the-rain.jpg", "appleflower.png", "beam.png", "butterfly.png", "cloud.png", "drop.png", "flowers.png", "fog.jpg", "this-is-not-windows.jpg"]]),
    ("plasma-workspace-wallpapers=4:5.27.5-2", "plasma-workspace-wallpapers_4%3a5.27.5-2_all.deb",
     "32cd18b71c8c938a18b3b351f217c02ac590e323caa3cf322fbb875ce8892f8b",
     # The package's other wallpapers are renders; the largest rendition of each photo.
     [f"usr/share/wallpapers/{name}/contents/images/2560x1600.jpg" for name in PLASMA_PHOTOS]),
    ("palapeli-data=4:22.12.3-1", "palapeli-data_4%3a22.12.3-1_all.deb",
     "69a15dce2ac25ed8708ac518cd0cee5f4eb0c70ed15da2fdb8899a19ac0ee058",
     ["usr/share/palapeli/collection/*.jpg"]),
)
# Files that name the authors and licences of single photos, kept beside the copyright files.
CREDIT_FILES = {
    "lxqt-themes": ["usr/share/lxqt/wallpapers/License"],
    "plasma-workspace-wallpapers": [f"usr/share/wallpapers/{name}/metadata.json" for name in PLASMA_PHOTOS],
    "palapeli-data": ["usr/share/palapeli/collection/*.desktop"],
}
EXPECTED_PHOTOS = 165
FOLDER = "more-photos"
PHOTO_SUFFIXES = (".jpg", ".png", ".webp")


def rcc_entries(data):
    """(path, bytes) of every file in a Qt resource bundle (.rcc, format 1-3, zlib or stored)."""
    if data[:4] != b"qres":
        raise ValueError("not a Qt resource file")
    version, tree, payloads, names = struct.unpack(">IIII", data[4:20])
    node_size = 14 if version == 1 else 22  # later versions add a modification time

    def name_at(offset):
        length = struct.unpack(">H", data[names + offset:names + offset + 2])[0]
        start = names + offset + 6  # after the length and a hash
        return data[start:start + 2 * length].decode("utf-16-be")

    def walk(node, prefix):
        at = tree + node * node_size
        name_offset, flags = struct.unpack(">IH", data[at:at + 6])
        name = name_at(name_offset) if node else ""
        if flags & 2:  # a directory: its children are consecutive nodes
            count, first = struct.unpack(">II", data[at + 6:at + 14])
            for child in range(first, first + count):
                yield from walk(child, f"{prefix}{name}/")
        else:
            start = payloads + struct.unpack(">I", data[at + 10:at + 14])[0]
            size = struct.unpack(">I", data[start:start + 4])[0]
            payload = data[start + 4:start + 4 + size]
            # Compressed payloads start with the uncompressed size (4 bytes).
            yield f"{prefix}{name}", zlib.decompress(payload[4:]) if flags & 1 else payload

    yield from walk(0, "")


def gcompris_photos(bundle, out, credits):
    """The photos of one GCompris activity bundle (its `resource/` images) and its credits file."""
    activity = bundle.stem
    for path, payload in rcc_entries(bundle.read_bytes()):
        name = pathlib.PurePosixPath(path).name
        if "/resource/" not in path:
            continue
        relative = path.split("/resource/", 1)[1].replace("/", "__")
        if name.endswith("README"):
            (credits / f"gcompris-{activity}-{relative}").write_bytes(payload)
        # castleClinton is a drawing among the monuments' photos.
        elif name.endswith(".webp") and name != "castleClinton.webp":
            (out / activity).mkdir(parents=True, exist_ok=True)
            (out / activity / relative).write_bytes(payload)


def unpack(deb, globs, out, credits):
    package = deb.name.split("_")[0]
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["dpkg-deb", "-x", str(deb), scratch], check=True)
        root = pathlib.Path(scratch)
        shutil.copy(root / "usr/share/doc" / package / "copyright", credits / f"{package}.copyright")
        for pattern in CREDIT_FILES.get(package, ()):
            for path in sorted(root.glob(pattern)):
                name = path.parent.name if path.name == "metadata.json" else path.name
                shutil.copy(path, credits / f"{package}-{name}")
        for pattern in globs:
            matches = sorted(path for path in root.glob(pattern))
            if not matches:
                sys.exit(f"{deb.name} holds nothing matching {pattern}: is it the pinned version?")
            for path in matches:
                if path.suffix == ".rcc":
                    gcompris_photos(path, out / package, credits)
                    continue
                (out / package).mkdir(parents=True, exist_ok=True)
                # Plasma names every rendition by its size: the wallpaper's folder names the photo.
                name = f"{path.parents[2].name}.jpg" if fnmatch.fnmatch(path.name, "2560x1600.jpg") else path.name
                shutil.copy(path, out / package / name)


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    debs = [apt_download(package, file_name, sha256, dest / "debs") for package, file_name, sha256, _ in PACKAGES]

    def unpack_all(staging, credits):
        for deb, (_, _, _, globs) in zip(debs, PACKAGES):
            unpack(deb, globs, staging, credits)

    return install_photos(dest, FOLDER, EXPECTED_PHOTOS, lambda folder: len(photos_in(folder)), unpack_all)


def photos_in(folder):
    return [path for path in folder.rglob("*") if path.suffix.lower() in PHOTO_SUFFIXES]


def main(argv=None):
    say_ready(fetch(parse_dest(__doc__, argv)), EXPECTED_PHOTOS)


if __name__ == "__main__":
    main()
