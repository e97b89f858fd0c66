"""A photo file read whole, and its colorized copy written like it.

The network sees 8-bit pixels of one picture; an archive keeps the rest of the file too,
and so does the copy: every frame of an animation or page of a multi-page TIFF (with the
frames' durations and the loop count), the levels of a 16-bit gray scan (16-bit PNG and
TIFF outputs), a transparent color, and the metadata: EXIF (camera, date, captions; the
orientation reset to 1 once applied), the resolution and PNG text. Every output carries an
sRGB ICC profile: its colors are computed in sRGB.

TIFFs are written here, their tags serialized by Pillow: Pillow's own TIFF writer has no
16-bit RGB, and with compression it drops the EXIF block.
"""

import dataclasses
import functools
import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageCms, ImageOps, PngImagePlugin, TiffImagePlugin

from model import color
from pipeline.colorize import metadata
from pipeline.io import images

SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
ORIENTATION = 0x0112
SOFTWARE = 0x0131  # EXIF Software: the tool that made the output (not with --no-provenance)
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ICC_PROFILE_TAG = 34675
# Tags that describe how the original's pixels are stored, not the photo: never copied.
STORAGE_TAGS = frozenset({
    254, 255, 256, 257, 258, 259, 262, 263, 266, 269, 273, 277, 278, 279, 280, 281, 282, 283, 284, 285,
    286, 287, 296, 297, 301, 317, 318, 319, 320, 321, 322, 323, 324, 325, 330, 338, 339, 340, 341, 347,
    512, 513, 514, 515, 517, 518, 519, 520, 521, 529, 530, 531, 532, ICC_PROFILE_TAG})
JPEG_EXIF_LIMIT = 65_000  # bytes: an EXIF block in a JPEG lives in one 64 KB segment
MAKER_NOTE = 0x927C  # a camera's private notes in the EXIF block, often most of it
METADATA_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF")  # formats that hold EXIF and an ICC profile
ALPHA_FORMATS = ("PNG", "WEBP", "TIFF", "GIF")
ANIMATION_FORMATS = ("GIF", "PNG", "WEBP")  # formats whose frames play in time, so they are colored alike
DEEP_FORMATS = ("PNG", "TIFF")  # formats that keep a 16-bit input 16-bit
DEEP_SCALE = 65535 / 255  # 16-bit levels per 8-bit level
DEEP_STRIP_PIXELS = 1_000_000  # pixels converted at a time on the 16-bit path: about 40 MB of float32
TIFF_STRIP_BYTES = 256 * 1024  # uncompressed bytes per TIFF strip
# zlib level of TIFF strips: on a 10 MP photo 0.7 s and 9.7 MB, against 2.3 s and 8.1 MB at
# level 6 (Pillow's own deflate TIFF: 0.7 s, 27.9 MB, without the predictor).
TIFF_DEFLATE_LEVEL = 3
GIF_PALETTE_SAMPLE = 1_000_000  # pixels from all frames that choose an animation's one palette


@dataclasses.dataclass
class Frame:
    """One frame or page: what the network sees, and what the output keeps besides."""

    pixels: np.ndarray  # uint8 gray (H, W) or RGB (H, W, 3)
    deep_gray: np.ndarray | None  # uint16 (H, W) of a 16-bit gray input, whose levels the output keeps
    alpha: np.ndarray | None  # uint8 (H, W)
    duration: float | None  # milliseconds shown, in an animation


@dataclasses.dataclass
class Photo:
    """A photo file's frames and the metadata its colorized copy keeps."""

    frames: list
    animated: bool  # frames of one animation: colored alike from frame to frame
    loop: int | None  # an animation's loop count (0: forever), None when the file has none
    exif: Image.Exif  # the photo's own tags only, the orientation reset to 1 where it was set
    dpi: tuple | None
    text: dict  # PNG text chunks
    embedded: metadata.Embedded = dataclasses.field(default_factory=metadata.Embedded)  # XMP and IPTC
    # A JPEG's luma quantization table: a JPEG output quantizes its gray as the input was, so the
    # gray, already on that grid, comes back as it was (at quality 92 it moved by up to 1.5 levels).
    jpeg_luma_table: list | None = None


def read_photo(data, max_pixels=images.MAX_PIXELS):
    """Every frame of an image file's bytes, upright, and its metadata.

    All frames together must fit in `max_pixels`. Raises UnusableImage as images.open_image does.
    """
    if not data:
        raise images.UnusableImage("empty", "the file has 0 bytes")
    original = images.open_header(io.BytesIO(data), max_pixels=max_pixels)
    try:
        count = 1 if original.format == "MPO" else getattr(original, "n_frames", 1)
        embedded = metadata.read_embedded(original, original.getexif())
        exif = _photo_exif(original.getexif())
        dpi = original.info.get("dpi")
        if dpi and original.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8):
            dpi = dpi[::-1]  # turned a quarter: the resolutions swap with the axes
        frames, pixels = [], 0
        for index in range(count):
            try:
                original.seek(index)
                pixels += original.width * original.height
                if pixels > max_pixels:
                    raise images.UnusableImage(
                        "too_large", f"its first {index + 1} of {count} frames hold {pixels:,} pixels, over the "
                                     f"limit of {max_pixels:,} for all frames together; raise --max-pixels if the "
                                     "file is trusted")
                original.load()
                upright = ImageOps.exif_transpose(original)
            except (OSError, ValueError, EOFError, SyntaxError, Image.DecompressionBombError) as error:
                where = f"frame {index + 1} of {count}" if count > 1 else "it"
                raise images.UnusableImage("corrupt", f"decoding {where} failed ({error})") from error
            frames.append(_frame(upright, original.info.get("duration")))
        return Photo(frames=frames, animated=count > 1 and original.format in ANIMATION_FORMATS,
                     loop=original.info.get("loop"), exif=exif, dpi=dpi, embedded=embedded,
                     jpeg_luma_table=list(getattr(original, "quantization", {}).get(0, [])) or None
                     if original.format == "JPEG" else None,
                     text={key: value for key, value in getattr(original, "text", {}).items()
                           if key != metadata.PNG_XMP_KEY})
    finally:
        original.close()


def _photo_exif(exif):
    """A copy of the EXIF tags that describe the photo, without those of the original's storage."""
    kept = Image.Exif()
    for tag, value in exif.items():
        if tag not in STORAGE_TAGS and tag not in (EXIF_IFD, GPS_IFD) and tag not in metadata.TIFF_TAGS:
            kept[tag] = value
    if ORIENTATION in kept:
        kept[ORIENTATION] = 1  # the pixels are written upright
    for ifd in (EXIF_IFD, GPS_IFD):
        if exif.get_ifd(ifd):
            kept.get_ifd(ifd).update(exif.get_ifd(ifd))
    return kept


def _frame(image, duration):
    pixels, alpha = pixels_and_alpha(image)
    deep = None
    if image.mode.startswith("I;16") or (image.mode == "I" and np.asarray(image).max() > 255):
        deep = np.clip(np.asarray(image), 0, 65535).astype(np.uint16)
    return Frame(pixels, deep, alpha, duration)


def pixels_and_alpha(image):
    """(uint8 pixels, alpha uint8 array or None) of a Pillow image of any mode.

    The pixels are 8-bit grayscale (H, W) for a grayscale image of any depth, which
    colorizes with less work than its RGB copy and to the same result, and RGB (H, W, 3)
    otherwise. A transparent color (a gray level, an RGB value or a palette entry) becomes alpha.
    """
    transparent = image.info.get("transparency")
    if image.mode in images.GRAY_MODES:
        gray = images.to_gray8(image)
        if isinstance(transparent, int):
            return gray, np.where(np.asarray(image) == transparent, 0, 255).astype(np.uint8)
        return gray, None
    if image.mode == "RGB" and isinstance(transparent, tuple):
        rgb = np.asarray(image)
        return rgb, np.where((rgb == np.array(transparent[:3], dtype=np.uint8)).all(axis=-1), 0, 255).astype(np.uint8)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and transparent is not None)
    if not has_alpha:
        return images.to_rgb(image), None
    rgba = image.convert("RGBA")
    return np.asarray(rgba.convert("RGB")), np.asarray(rgba)[..., 3]


def colorize_frames(photo, colorize):
    """The RGB uint8 colorized copy of every frame. In an animation, a pixel that is the same as
    in the frame before keeps that frame's color, so what does not move does not flicker."""
    colorized = []
    for index, frame in enumerate(photo.frames):
        rgb = colorize(frame.pixels)
        if photo.animated and index and photo.frames[index - 1].pixels.shape == frame.pixels.shape:
            unchanged = photo.frames[index - 1].pixels == frame.pixels
            if unchanged.ndim == 3:
                unchanged = unchanged.all(axis=-1)
            rgb[unchanged] = colorized[-1][unchanged]
        colorized.append(rgb)
    return colorized


def deep_rgb(deep_gray, rgb):
    """16-bit RGB whose ITU-R 601 luma is a 16-bit gray image's levels, with the chroma of its 8-bit colorized copy.

    The chroma is reduced where a pixel's 16-bit luma cannot hold it (color.ycbcr_to_rgb).
    """
    out = np.empty(rgb.shape, dtype=np.uint16)
    rows = max(1, DEEP_STRIP_PIXELS // rgb.shape[1])
    for start in range(0, rgb.shape[0], rows):
        stop = start + rows
        chroma = color.chroma_of_rgb(rgb[start:stop]) * DEEP_SCALE
        out[start:stop] = color.ycbcr_to_rgb(deep_gray[start:stop], chroma, 65535, np.uint16)
    return out


def write_photo(photo, colorized, pillow_format, options, provenance=None):
    """The bytes of the colorized copy: `colorized` RGB uint8 frames in `pillow_format`, with what
    the original had besides (frames, 16 bits, transparency, metadata) where the format holds it,
    and, given a metadata.Provenance, the mark of what made its colors (XMP and EXIF Software)."""
    if len(colorized) > 1 and pillow_format not in ANIMATION_FORMATS + ("TIFF",):
        raise images.UnusableImage("animated", f"{len(colorized)} frames, which a {pillow_format} file cannot hold: "
                                               "give it the extension of its real format (.gif, .tif, ...)")
    pages = []
    for frame, rgb in zip(photo.frames, colorized):
        # An animated PNG stays 8-bit: the 16-bit PNG below is written one frame only.
        if frame.deep_gray is not None and pillow_format in DEEP_FORMATS and (
                pillow_format == "TIFF" or len(colorized) == 1):
            rgb = deep_rgb(frame.deep_gray, rgb)
        if frame.alpha is not None and pillow_format in ALPHA_FORMATS:
            alpha = frame.alpha.astype(rgb.dtype) * (257 if rgb.dtype == np.uint16 else 1)
            rgb = np.concatenate([rgb, alpha[..., None]], axis=-1)
        pages.append(rgb)
    exif = photo.exif
    if provenance is not None:
        exif = Image.Exif()
        exif.update(photo.exif)
        for ifd in (EXIF_IFD, GPS_IFD):
            if photo.exif.get_ifd(ifd):
                exif.get_ifd(ifd).update(photo.exif.get_ifd(ifd))
        exif[SOFTWARE] = provenance.software
    xmp = metadata.xmp_packet(photo.embedded, provenance)
    if pillow_format == "TIFF":
        return tiff_bytes(pages, photo, exif, xmp)
    if pillow_format == "GIF":
        return _gif_bytes(pages, photo)
    extra = {}
    if pillow_format in METADATA_FORMATS:
        extra["icc_profile"] = SRGB_PROFILE
        if len(exif):
            extra["exif"] = _exif_bytes(exif, pillow_format)
    if pillow_format == "WEBP" and xmp:
        extra["xmp"] = xmp
    if photo.dpi and pillow_format in ("JPEG", "PNG", "BMP"):
        extra["dpi"] = photo.dpi
    if pillow_format == "PNG" and (photo.text or xmp):
        extra["pnginfo"] = _png_text(photo.text, xmp)
    if len(pages) > 1:
        extra.update(save_all=True, append_images=[_pillow_image(page) for page in pages[1:]],
                     duration=[frame.duration or 0 for frame in photo.frames])
        if photo.loop is not None:
            extra["loop"] = photo.loop
    buffer = io.BytesIO()
    if pages[0].dtype == np.uint16:  # a PNG: Pillow writes its chunks, the 16-bit pixels replace its 8-bit ones
        blank = np.zeros(pages[0].shape, dtype=np.uint8)  # compresses to almost nothing
        _pillow_image(blank).save(buffer, format="PNG", **options, **extra)
        return _png_with_deep_pixels(buffer.getvalue(), pages[0])
    if pillow_format == "JPEG" and photo.jpeg_luma_table and isinstance(options.get("quality"), int):
        # The input's luma table, and the chroma table of the quality asked for; the quality itself
        # is left out, as Pillow would scale both tables by it.
        extra["qtables"] = [photo.jpeg_luma_table, jpeg_chroma_table(options["quality"])]
        options = {key: value for key, value in options.items() if key != "quality"}
    _pillow_image(pages[0]).save(buffer, format=pillow_format, **options, **extra)
    if pillow_format == "JPEG":
        return metadata.with_jpeg_segments(buffer.getvalue(), xmp, photo.embedded.jpeg_segments)
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def jpeg_chroma_table(quality):
    """The chroma quantization table that Pillow's JPEG writer uses at `quality`."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, format="JPEG", quality=quality)
    with Image.open(buffer) as image:
        return list(image.quantization[1])


def _exif_bytes(exif, pillow_format):
    """The EXIF block to write; a camera's maker note goes first when a JPEG cannot hold it all."""
    try:
        data = exif.tobytes()
        if pillow_format == "JPEG" and len(data) > JPEG_EXIF_LIMIT and MAKER_NOTE in exif.get_ifd(EXIF_IFD):
            del exif.get_ifd(EXIF_IFD)[MAKER_NOTE]
            data = exif.tobytes()
    except (ValueError, TypeError, struct.error) as error:
        raise images.UnusableImage("bad_metadata", f"its EXIF block cannot be written again ({error}); "
                                                   "repair it with an EXIF editor, or strip it") from error
    if pillow_format == "JPEG" and len(data) > JPEG_EXIF_LIMIT:
        raise images.UnusableImage("bad_metadata", f"its EXIF block of {len(data):,} bytes does not fit in a JPEG "
                                                   "(64 KB); strip some of it with an EXIF editor")
    return data


def _pillow_image(pixels):
    return Image.fromarray(pixels)  # (H, W, 3) is RGB, (H, W, 4) RGBA


def _png_text(text, xmp):
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        if isinstance(value, str):
            info.add_text(key, value)  # as iTXt when it is not Latin-1
    if xmp:
        info.add_itxt(metadata.PNG_XMP_KEY, xmp.decode("utf-8", "replace"), zip=False)  # where XMP puts it in a PNG
    return info


def _png_with_deep_pixels(png, pixels):
    """A PNG's chunks with its image data replaced by 16-bit `pixels` (H, W, 3 or 4) of the same size.

    The rows are filtered and compressed a block at a time, so the memory stays that of the pixels.
    """
    height, width, channels = pixels.shape
    compressor = zlib.compressobj(6)
    parts, previous = [], np.zeros(width * channels * 2, dtype=np.uint8)
    rows_per_block = max(1, DEEP_STRIP_PIXELS // width)
    for start in range(0, height, rows_per_block):
        rows = pixels[start:start + rows_per_block].astype(">u2").view(np.uint8).reshape(-1, width * channels * 2)
        # Filter "up" on every row (each byte minus the one above it): one vectorised step.
        filtered = np.empty((len(rows), rows.shape[1] + 1), dtype=np.uint8)
        filtered[:, 0] = 2
        filtered[:, 1:] = rows
        filtered[0, 1:] -= previous
        filtered[1:, 1:] -= rows[:-1]
        previous = rows[-1].copy()
        parts.append(compressor.compress(filtered.tobytes()))
    image_data = b"".join(parts) + compressor.flush()
    chunks, position, wrote_data = [png[:8]], 8, False
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        body = png[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            body = body[:8] + bytes([16]) + body[9:]  # bit depth 16; the color type stays RGB or RGBA
        elif kind == b"IDAT":
            if wrote_data:
                continue
            body, wrote_data = image_data, True
        chunks.append(struct.pack(">I4s", len(body), kind) + body + struct.pack(">I", zlib.crc32(kind + body)))
    return b"".join(chunks)


def _gif_bytes(pages, photo):
    """A GIF of RGB(A) uint8 frames with one palette for all, so a color is the same in every frame."""
    has_alpha = pages[0].shape[-1] == 4
    sample = np.concatenate([page[..., :3].reshape(-1, 3) for page in pages])
    sample = sample[::max(1, len(sample) // GIF_PALETTE_SAMPLE)]
    palette = Image.fromarray(sample[None]).quantize(colors=255 if has_alpha else 256)
    frames = []
    for page in pages:
        frame = Image.fromarray(np.ascontiguousarray(page[..., :3])).quantize(palette=palette,
                                                                              dither=Image.Dither.NONE)
        if has_alpha:
            indexes = np.asarray(frame).copy()
            indexes[page[..., 3] < 128] = 255
            frame = Image.fromarray(indexes, mode="P")
            frame.putpalette(palette.getpalette())
            frame.info["transparency"] = 255
        frames.append(frame)
    extra = {"transparency": 255} if has_alpha else {}
    if len(frames) > 1:
        extra.update(save_all=True, append_images=frames[1:], duration=[frame.duration or 0 for frame in photo.frames],
                     disposal=2)
        if photo.loop is not None:
            extra["loop"] = photo.loop
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", **extra)
    return buffer.getvalue()


def tiff_bytes(pages, photo, exif=None, xmp=None):
    """A deflate-compressed TIFF of RGB(A) uint8 or uint16 pages, with the photo's metadata on each
    (`exif` in place of its EXIF tags, `xmp` as its XMP packet, when given)."""
    buffer = io.BytesIO()
    buffer.write(b"II*\x00" + struct.pack("<I", 8))
    for index, page in enumerate(pages):
        strips, rows_per_strip = _tiff_strips(page)
        directory = TiffImagePlugin.ImageFileDirectory_v2()
        height, width, channels = page.shape
        directory[256], directory[257] = width, height
        directory[258] = (page.dtype.itemsize * 8,) * channels
        directory[259] = 8  # deflate
        directory[262] = 2  # RGB
        directory[277] = channels
        directory[278] = rows_per_strip
        directory[284] = 1  # samples interleaved
        directory[317] = 2  # horizontal differencing before deflate
        if channels == 4:
            directory[338] = 2  # the fourth sample is unassociated alpha
        if photo.dpi:
            directory[282], directory[283], directory[296] = float(photo.dpi[0]), float(photo.dpi[1]), 2
        directory[ICC_PROFILE_TAG] = SRGB_PROFILE
        _copy_exif_into(directory, photo.exif if exif is None else exif)
        for tag, value in ((metadata.TIFF_XMP, xmp), (metadata.TIFF_IPTC, photo.embedded.tiff_iptc),
                           (metadata.TIFF_PHOTOSHOP, photo.embedded.tiff_photoshop)):
            if value:
                directory[tag] = value
                directory.tagtype[tag] = 7 if tag == metadata.TIFF_IPTC else 1  # UNDEFINED, BYTE
        # Strip offsets count from the end of the directory's own data; Pillow adds where that is.
        directory[273] = tuple(int(offset) for offset in np.cumsum([0] + [len(strip) for strip in strips[:-1]]))
        directory[279] = tuple(len(strip) for strip in strips)
        directory.tagtype[273] = directory.tagtype[279] = 4  # LONG: the offsets may pass 65,535
        start = buffer.tell()
        try:
            encoded = bytearray(directory.tobytes(start))
        except (ValueError, TypeError, struct.error) as error:
            raise images.UnusableImage("bad_metadata", f"its EXIF tags cannot be written into a TIFF ({error}); "
                                                       "repair them with an EXIF editor, or strip them") from error
        entries = struct.unpack("<H", encoded[:2])[0]
        if index + 1 < len(pages):
            next_directory = start + len(encoded) + sum(len(strip) for strip in strips)
            encoded[2 + 12 * entries:6 + 12 * entries] = struct.pack("<I", next_directory + next_directory % 2)
        buffer.write(encoded)
        for strip in strips:
            buffer.write(strip)
        if buffer.tell() % 2:
            buffer.write(b"\x00")  # directories start on a word boundary
    return buffer.getvalue()


def _copy_exif_into(directory, exif):
    for tag, value in exif.items():
        directory[tag] = value
    for ifd in (EXIF_IFD, GPS_IFD):
        if exif.get_ifd(ifd):
            directory[ifd] = dict(exif.get_ifd(ifd))


def _tiff_strips(page):
    """The deflated strips of a page (H, W, C), each row differenced along itself (TIFF predictor 2)."""
    height, width, channels = page.shape
    rows_per_strip = max(1, TIFF_STRIP_BYTES // (width * channels * page.dtype.itemsize))
    strips = []
    for start in range(0, height, rows_per_strip):
        block = page[start:start + rows_per_strip].astype(page.dtype.newbyteorder("<"))
        differenced = block.copy()
        differenced[:, 1:] -= block[:, :-1]  # unsigned: wraps modulo 2**bits, as the predictor does
        strips.append(zlib.compress(differenced.tobytes(), TIFF_DEFLATE_LEVEL))
    return strips, rows_per_strip
