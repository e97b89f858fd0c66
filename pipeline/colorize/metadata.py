"""What a colorized copy says besides its pixels: the input's XMP and IPTC kept, and a mark that a model colored it.

Pillow reads and writes EXIF, ICC profiles and PNG text (pipeline/colorize/photos.py); this
module carries the rest, as the bytes the input holds them in:

- XMP: a JPEG's APP1 packet (and the APP1 segments of an extended XMP), a PNG's iTXt
  chunk XML:com.adobe.xmp, a TIFF's tag 700, a WebP's XMP chunk;
- IPTC-IIM: a JPEG's APP13 segments (Photoshop image resources, the IPTC record among
  them) and a TIFF's tags 33723 (IPTC) and 34377 (Photoshop image resources).

A JPEG's segments are copied whole, so the IPTC digest Photoshop keeps still matches. The
only change to the input's XMP is the provenance added by `mark`: an rdf:Description put
before the packet's closing </rdf:RDF>, everything else byte for byte (with
--no-provenance, the whole packet is). The provenance says that a trained model made the
colors (IPTC's Digital Source Type), which tool and version, the model's content hash and
the settings that made the pixels; EXIF Software names the tool too (photos.py).

Written by hand rather than with exiv2 (pyexiv2) or exiftool: copying segments and chunks
is what keeps them byte for byte, which a library that parses and re-serializes does not,
and it needs no system dependency. exiftool is the independent reader in the tests.
"""

import dataclasses
import importlib.metadata
import json
import re
import struct
from xml.sax.saxutils import quoteattr

from pipeline.io import images

TOOL = "beam-colorize"
# IPTC NewsCodes, Digital Source Type (http://cv.iptc.org/newscodes/digitalsourcetype/):
# compositeWithTrainedAlgorithmicMedia is "a mix or composite of one or more elements, at
# least one of which is trained algorithmic media". The lightness is the captured photo's,
# the colors a trained model's: a composite, not wholly generated (trainedAlgorithmicMedia),
# nor an enhancement that leaves the content as it was (algorithmicallyEnhanced).
DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
IPTC_EXT_NAMESPACE = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
NAMESPACE = "urn:beam-colorize:xmp:1.0/"  # ours: what made the colors
PREFIX = "colorize"
JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"  # the signature that opens a JPEG's XMP APP1 segment
JPEG_XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"
JPEG_PHOTOSHOP = b"Photoshop 3.0\x00"  # APP13: Photoshop image resources, with the IPTC-IIM record
JPEG_SEGMENT_LIMIT = 65_533  # bytes of a JPEG segment's payload
PNG_XMP_KEY = "XML:com.adobe.xmp"
TIFF_XMP, TIFF_IPTC, TIFF_PHOTOSHOP = 700, 33723, 34377
TIFF_TAGS = (TIFF_XMP, TIFF_IPTC, TIFF_PHOTOSHOP)  # carried here, not among the EXIF tags
PACKET_START = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
PACKET_END = '<?xpacket end="w"?>'
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?RDF\s*>")
# A DigitalSourceType's value, written as an attribute, an element's text or an rdf:resource.
SOURCE_TYPE_VALUE = re.compile(rb'((?:[\w-]+:)?DigitalSourceType(?:\s*=\s*"|\s+rdf:resource\s*=\s*"|>))[^"<]*(["<])')
# The Description an earlier run of ours added: replaced, never repeated, when an output is colorized again.
OUR_DESCRIPTION = re.compile(rb'\s*<rdf:Description rdf:about="" xmlns:' + PREFIX.encode()
                             + rb'="' + re.escape(NAMESPACE.encode()) + rb'".*?/>', re.S)


@dataclasses.dataclass
class Embedded:
    """The input's XMP and IPTC, as its file holds them."""

    xmp: bytes | None = None  # the XMP packet
    jpeg_segments: list = dataclasses.field(default_factory=list)  # (marker byte, payload) of a JPEG's other APPn
    tiff_iptc: bytes | None = None
    tiff_photoshop: bytes | None = None


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What made an output's colors: the tool, the model's content hashes, the settings."""

    model: dict  # plan.model_identity: {"model": "sha256:...", "description": "sha256:..."}
    settings: dict

    @property
    def software(self):
        return f"{TOOL} {tool_version()}"


def tool_version():
    try:
        return importlib.metadata.version(TOOL)
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def read_embedded(original, exif):
    """The XMP and IPTC of an opened Pillow image (before it is transposed) and of its EXIF tags."""
    embedded = Embedded()
    if original.format in ("JPEG", "MPO"):
        for marker, payload in getattr(original, "applist", []):
            if marker == "APP1" and payload.startswith(JPEG_XMP):
                embedded.xmp = payload[len(JPEG_XMP):]
            elif (marker == "APP1" and payload.startswith(JPEG_XMP_EXTENSION)) or (
                    marker == "APP13" and payload.startswith(JPEG_PHOTOSHOP)):
                embedded.jpeg_segments.append((0xE0 + int(marker[3:]), payload))
    elif original.format == "PNG":
        value = original.info.get(PNG_XMP_KEY)
        embedded.xmp = value.encode("utf-8") if isinstance(value, str) else value
    elif original.format == "WEBP":
        embedded.xmp = original.info.get("xmp") or None
    elif original.format == "TIFF":
        endian = getattr(exif, "endian", None) or "<"
        embedded.xmp = _as_bytes(exif.get(TIFF_XMP), endian)
        embedded.tiff_iptc = _as_bytes(exif.get(TIFF_IPTC), endian)
        embedded.tiff_photoshop = _as_bytes(exif.get(TIFF_PHOTOSHOP), endian)
    return embedded


def _as_bytes(value, endian):
    """A TIFF tag's value as the bytes the file holds."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, int):
        value = (value,)
    if isinstance(value, tuple):  # IPTC is often tagged LONG, which Pillow reads as numbers in the file's order
        return b"".join(struct.pack(endian + "I", item) for item in value) if value and isinstance(value[0], int) \
            else None
    return str(value).encode("utf-8")


def xmp_packet(embedded, provenance):
    """The XMP packet of the output: the input's, with the provenance added; None when there is neither."""
    if provenance is None:
        return embedded.xmp
    packet = embedded.xmp
    if packet:
        packet = OUR_DESCRIPTION.sub(b"", packet)
        end = None
        for end in RDF_END.finditer(packet):
            pass
        if end is not None:
            # A source type the input names already (a scan's "print", say) now says ours.
            packet, named = SOURCE_TYPE_VALUE.subn(lambda match: match[1] + DIGITAL_SOURCE_TYPE.encode() + match[2],
                                                   packet)
            description = _description(provenance, source_type=not named)
            return packet[:end.start()] + description + b"\n" + packet[end.start():]
    # No packet, or one that is not RDF (kept out: a reader would not merge it): a packet of our own.
    return (PACKET_START + '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
            f'<rdf:RDF xmlns:rdf="{RDF_NAMESPACE}">\n').encode("utf-8") + _description(provenance) + (
        b"\n</rdf:RDF>\n</x:xmpmeta>\n" + PACKET_END.encode("utf-8"))


def _description(provenance, source_type=True):
    fields = {
        f"{PREFIX}:Tool": TOOL,
        f"{PREFIX}:Version": tool_version(),
        f"{PREFIX}:Model": provenance.model.get("model", ""),
        f"{PREFIX}:ModelDescription": provenance.model.get("description", ""),
        f"{PREFIX}:Settings": json.dumps(provenance.settings, sort_keys=True),
    }
    if source_type:
        fields["Iptc4xmpExt:DigitalSourceType"] = DIGITAL_SOURCE_TYPE
    attributes = "".join(f"\n  {name}={quoteattr(str(value))}" for name, value in fields.items())
    return (f'  <rdf:Description rdf:about="" xmlns:{PREFIX}="{NAMESPACE}"'
            f'\n  xmlns:Iptc4xmpExt="{IPTC_EXT_NAMESPACE}"{attributes}/>').encode("utf-8")


def with_jpeg_segments(jpeg, xmp, segments):
    """A JPEG's bytes with the XMP packet and the other APPn segments put after the APPn segments Pillow wrote."""
    payloads = []
    if xmp:
        if len(JPEG_XMP) + len(xmp) > JPEG_SEGMENT_LIMIT:
            raise images.UnusableImage(
                "bad_metadata", f"its XMP packet of {len(xmp):,} bytes, with the provenance added, does not fit in a "
                                "JPEG segment (64 KB); run with --no-provenance, or move some of it to extended XMP")
        payloads.append((0xE1, JPEG_XMP + xmp))
    payloads += segments
    if not payloads:
        return jpeg
    position = 2  # after SOI
    while jpeg[position] == 0xFF and 0xE0 <= jpeg[position + 1] <= 0xEF:
        position += 2 + struct.unpack(">H", jpeg[position + 2:position + 4])[0]
    inserted = b"".join(struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload for marker, payload in payloads)
    return jpeg[:position] + inserted + jpeg[position:]
