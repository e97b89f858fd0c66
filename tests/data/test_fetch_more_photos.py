"""The Qt resource reader that takes GCompris' photos out of its .rcc bundles, on a bundle built here."""

import struct
import zlib


def build_rcc(tree):
    """A version-1 .rcc of `tree`: {dir name: {... file name: (bytes, compress)}}."""
    nodes, names, payloads = [], bytearray(), bytearray()

    def name_offset(name):
        offset = len(names)
        names.extend(struct.pack(">HI", len(name), 0) + name.encode("utf-16-be"))
        return offset

    # Breadth-first, so that the children of every directory are consecutive nodes.
    queue = [("", tree)]
    nodes.append(None)
    while queue:
        name, entries = queue.pop(0)
        index = nodes.index(None)
        nodes[index] = struct.pack(">IHII", name_offset(name), 2, len(entries), len(nodes))
        for child, value in entries.items():
            if isinstance(value, dict):
                nodes.append(None)
                queue.append((child, value))
            else:
                content, compress = value
                stored = struct.pack(">I", len(content)) + zlib.compress(content) if compress else content
                nodes.append(struct.pack(">IHHHI", name_offset(child), 1 if compress else 0, 0, 0, len(payloads)))
                payloads.extend(struct.pack(">I", len(stored)) + stored)
    tree_offset = 20
    data_offset = tree_offset + 14 * len(nodes)
    names_offset = data_offset + len(payloads)
    header = b"qres" + struct.pack(">IIII", 1, tree_offset, data_offset, names_offset)
    return header + b"".join(nodes) + bytes(payloads) + bytes(names)


def test_rcc_entries_reads_stored_and_compressed_files_in_nested_folders(load_data_script):
    script = load_data_script("fetch_more_photos")
    bundle = build_rcc({"activity": {"resource": {"README": (b"credits", False),
                                                  "fox.webp": (b"fox" * 100, True)}},
                        "main.qml": (b"code", False)})
    assert dict(script.rcc_entries(bundle)) == {
        "/activity/resource/README": b"credits", "/activity/resource/fox.webp": b"fox" * 100, "/main.qml": b"code"}


def test_gcompris_photos_keeps_resource_photos_and_their_credits(tmp_path, load_data_script):
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
