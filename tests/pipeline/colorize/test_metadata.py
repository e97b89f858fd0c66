"""A colorized copy keeps the input's XMP, IPTC and EXIF, and says that a model made its colors."""

import io
import json
import os
import shutil
import struct
import subprocess

import numpy as np
import pytest
from PIL import Image

from pipeline.colorize import formats as colorized_photos, metadata
from tests.pipeline.conftest import encode, gray_pattern

PROVENANCE = metadata.Provenance(model={"model": "sha256:" + "ab" * 32, "description": "sha256:" + "cd" * 32},
                                 settings={"temperature": 0.5, "saturation": 1.3, "agreement_power": 0.0,
                                           "working_size": 256, "keep_color": False})
XMP = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
       '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
       ' <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
       '  <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour, 1923</rdf:li></rdf:Alt></dc:title>\n'
       '  <dc:creator><rdf:Seq><rdf:li>A. Photographer</rdf:li></rdf:Seq></dc:creator>\n'
       ' </rdf:Description>\n</rdf:RDF></x:xmpmeta>\n' + " " * 200 + '\n<?xpacket end="w"?>').encode("utf-8")
CAPTION, KEYWORDS = b"Fishing boats in the harbour", (b"harbour", b"boats")


def iptc_record():
    """IPTC-IIM datasets 2:120 (Caption-Abstract) and 2:25 (Keywords)."""
    datasets = [(120, CAPTION)] + [(25, keyword) for keyword in KEYWORDS]
    return b"".join(struct.pack(">BBBH", 0x1C, 2, number, len(value)) + value for number, value in datasets)


def photoshop_resources(iptc):
    """Photoshop image resources holding an IPTC record (resource 0x0404), as APP13 and TIFF tag 34377 hold them."""
    return b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc + (
        b"\x00" if len(iptc) % 2 else b"")


def jpeg_with(xmp, app13):
    """A gray JPEG with EXIF (from Pillow), then the XMP and APP13 segments a photo editor writes."""
    exif = Image.Exif()
    exif[0x010E] = "Harbour scan"  # ImageDescription
    exif[0x0131] = "ScanSoft 2.0"
    data = encode(gray_pattern(40, 30), "JPEG", quality=95, exif=exif.tobytes())
    segments = b"".join(struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload
                        for marker, payload in ((0xE1, metadata.JPEG_XMP + xmp), (0xED, app13)))
    position = 2
    while data[position + 1] in (0xE0, 0xE1):
        position += 2 + struct.unpack(">H", data[position + 2:position + 4])[0]
    return data[:position] + segments + data[position:]


def jpeg_segments(data):
    """(marker, payload) of a JPEG's segments up to the start of the scan."""
    found, position = [], 2
    while data[position + 1] != 0xDA:
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        found.append((data[position + 1], data[position + 4:position + 2 + length]))
        position += 2 + length
    return found


def tint(pixels):
    """A fixed warm color with the input's gray as its luma."""
    gray = pixels.astype(np.float64) if pixels.ndim == 2 else pixels @ np.array([0.299, 0.587, 0.114])
    return np.clip(np.round(np.stack([gray + 20, gray - 6, gray - 20], axis=-1)), 0, 255).astype(np.uint8)


def colorized(data, name, provenance=PROVENANCE):
    _, output, _ = colorized_photos.colorize_image_bytes(data, name, tint, provenance=provenance)
    return output


def our_fields_removed(packet):
    return metadata.OUR_DESCRIPTION.sub(b"", packet)


def test_a_jpeg_keeps_its_xmp_and_iptc_byte_for_byte_and_is_marked():
    app13 = metadata.JPEG_PHOTOSHOP + photoshop_resources(iptc_record())
    output = colorized(jpeg_with(XMP, app13), "harbour.jpg")

    segments = jpeg_segments(output)
    assert (0xED, app13) in segments  # the IPTC, as written
    (xmp,) = [payload[len(metadata.JPEG_XMP):] for marker, payload in segments
              if marker == 0xE1 and payload.startswith(metadata.JPEG_XMP)]
    assert our_fields_removed(xmp).replace(b"\n</rdf:RDF>", b"</rdf:RDF>") == XMP.replace(b"\n</rdf:RDF>",
                                                                                            b"</rdf:RDF>")
    assert xmp.count(metadata.DIGITAL_SOURCE_TYPE.encode()) == 1
    assert PROVENANCE.model["model"].encode() in xmp
    exif = Image.open(io.BytesIO(output)).getexif()
    assert exif[0x010E] == "Harbour scan" and exif[0x0131].startswith("beam-colorize ")


def test_without_provenance_the_xmp_is_the_inputs_and_nothing_is_added():
    output = colorized(jpeg_with(XMP, metadata.JPEG_PHOTOSHOP + photoshop_resources(iptc_record())), "a.jpg",
                       provenance=None)
    assert (0xE1, metadata.JPEG_XMP + XMP) in jpeg_segments(output)
    assert Image.open(io.BytesIO(output)).getexif()[0x0131] == "ScanSoft 2.0"


def test_an_output_colorized_again_names_one_source_type_and_a_scans_own_is_replaced():
    again = colorized(colorized(jpeg_with(XMP, b"Photoshop 3.0\x00"), "a.jpg"), "a.jpg")
    (xmp,) = [payload for marker, payload in jpeg_segments(again) if payload.startswith(metadata.JPEG_XMP)]
    assert xmp.count(b"DigitalSourceType") == 1 and xmp.count(b"colorize:Model=") == 1
    scan = XMP.replace(b' <rdf:Description rdf:about="" xmlns:dc',
                       b' <rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
                       b' Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/print"'
                       b' xmlns:dc')
    packet = metadata.xmp_packet(metadata.Embedded(xmp=scan), PROVENANCE)
    assert b"digitalsourcetype/print" not in packet and packet.count(b"DigitalSourceType") == 1


def png_with_xmp():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt(metadata.PNG_XMP_KEY, XMP.decode("utf-8"), zip=False)
    info.add_text("Comment", "scanned at 600 dpi")
    return encode(gray_pattern(40, 30), "PNG", pnginfo=info)


def tiff_with_xmp_and_iptc():
    from PIL import TiffImagePlugin

    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[metadata.TIFF_XMP] = XMP
    tags[metadata.TIFF_IPTC] = iptc_record()
    tags.tagtype[metadata.TIFF_IPTC] = 7
    tags[metadata.TIFF_PHOTOSHOP] = photoshop_resources(iptc_record())
    tags[0x010E] = "Harbour scan"
    return encode(gray_pattern(40, 30), "TIFF", tiffinfo=tags)


def test_png_tiff_and_webp_keep_their_xmp():
    png = Image.open(io.BytesIO(colorized(png_with_xmp(), "a.png")))
    assert our_fields_removed(png.info[metadata.PNG_XMP_KEY].encode()).replace(b"\n</rdf:RDF>", b"</rdf:RDF>") \
        == XMP.replace(b"\n</rdf:RDF>", b"</rdf:RDF>")
    assert png.info["Comment"] == "scanned at 600 dpi"
    tiff = Image.open(io.BytesIO(colorized(tiff_with_xmp_and_iptc(), "a.tif")))
    assert bytes(tiff.tag_v2[metadata.TIFF_IPTC]) == iptc_record()
    assert metadata.DIGITAL_SOURCE_TYPE.encode() in bytes(tiff.tag_v2[metadata.TIFF_XMP])
    assert b"Harbour, 1923" in bytes(tiff.tag_v2[metadata.TIFF_XMP])
    webp = encode(gray_pattern(40, 30).convert("RGB"), "WEBP", xmp=XMP)
    assert b"Harbour, 1923" in Image.open(io.BytesIO(colorized(webp, "a.webp"))).info["xmp"]


def exiftool():
    """The path of exiftool, an independent reader; tests skip without it, except under CI (.ci/run installs it)."""
    path = shutil.which("exiftool")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("exiftool is missing: .ci/run installs libimage-exiftool-perl")
        pytest.skip("exiftool is not installed (apt-get install -y libimage-exiftool-perl)")
    return path


@pytest.mark.parametrize("name, make", [("harbour.jpg", lambda: jpeg_with(
    XMP, metadata.JPEG_PHOTOSHOP + photoshop_resources(iptc_record()))), ("harbour.png", png_with_xmp),
    ("harbour.tif", tiff_with_xmp_and_iptc)])
def test_exiftool_reads_the_inputs_metadata_and_the_provenance(tmp_path, name, make):
    path = tmp_path / name
    path.write_bytes(colorized(make(), name))
    read = json.loads(subprocess.run([exiftool(), "-j", "-G1", "-struct", str(path)], check=True,
                                     capture_output=True, text=True).stdout)[0]
    assert read["XMP-dc:Title"] == "Harbour, 1923" and read["XMP-dc:Creator"] == ["A. Photographer"]
    assert read["XMP-iptcExt:DigitalSourceType"] == metadata.DIGITAL_SOURCE_TYPE
    assert read["XMP-colorize:Model"] == PROVENANCE.model["model"]
    assert json.loads(read["XMP-colorize:Settings"])["saturation"] == 1.3
    if not name.endswith(".png"):
        assert read["IPTC:Caption-Abstract"] == CAPTION.decode() and read["IPTC:Keywords"] == ["harbour", "boats"]
    software = [value for key, value in read.items() if key.endswith(":Software")]
    assert software and all(value.startswith("beam-colorize ") for value in software)
