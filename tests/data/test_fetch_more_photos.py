"""The Qt resource reader that takes GCompris' photos out of its .rcc bundles, on a bundle built here."""


def test_rcc_entries_reads_stored_and_compressed_files_in_nested_folders(load_data_script, build_rcc):
    script = load_data_script("fetch_more_photos")
    bundle = build_rcc({"activity": {"resource": {"README": (b"credits", False),
                                                  "fox.webp": (b"fox" * 100, True)}},
                        "main.qml": (b"code", False)})
    assert dict(script.rcc_entries(bundle)) == {
        "/activity/resource/README": b"credits", "/activity/resource/fox.webp": b"fox" * 100, "/main.qml": b"code"}


def test_gcompris_photos_keeps_resource_photos_and_their_credits(tmp_path, load_data_script, build_rcc):
    script = load_data_script("fetch_more_photos")
    bundle = tmp_path / "erase.rcc"
    bundle.write_bytes(build_rcc({"erase": {
        "Erase.qml": (b"code", False),
        "resource": {"README": (b"fox: CC0", True), "fox.webp": (b"photo", True),
                     "castleClinton.webp": (b"drawing", False)}}}))
    out, credits = tmp_path / "out", tmp_path / "credits"
    credits.mkdir()
    script.gcompris_photos(bundle, out, credits)
    assert [path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file()] == ["erase/fox.webp"]
    assert (out / "erase" / "fox.webp").read_bytes() == b"photo"
    assert (credits / "gcompris-erase-README").read_bytes() == b"fox: CC0"
