"""What a person says about the colors of a colorize run: --hints, --reference and --references.

    colorize --input scans --output colored --hints hints.csv --reference beach-1962.jpg

`--hints FILE.csv` has the header `path,x,y,color` and optionally `radius`: each row a point
of one image (path relative to --input, as the report names images; x, y in pixels of the
image as displayed, after its EXIF orientation, origin top left) and its color (#rrggbb
sRGB), whose chroma the output takes there; the lightness stays the photo's. `--reference
PHOTO` guides every image by one color photo's palette, `--references FILE.csv` (header
`path,reference`, the reference relative to the CSV's folder or absolute) one per image.

A CSV that is missing, lacks a column or has an unknown one is a usage error before any
work. A row naming no input image is a warning (the file and line). A row's bad number or
color, or a point outside its image, is a failure of that image; a reference that cannot be
read or has no color, a failure of the images it guides: each reason names the CSV line.

What guides an image is part of its output's record (its `fingerprint`): changing an image's
hints or reference, or the reference file's content, redoes exactly that image. Reading the
CSVs and planning need neither TensorFlow nor the model; the hints are made into
model.hints.Hint and the palettes computed only where there is work.
"""

import csv
import dataclasses
import io
import math
import os
import tempfile

from pipeline.io import images, outputs

HINT_COLUMNS = ("path", "x", "y", "color")  # the header of a --hints CSV, in any order
HINT_OPTIONAL_COLUMNS = ("radius",)  # pixels around the point that take its color (default 0: the point)
REFERENCE_COLUMNS = ("path", "reference")  # the header of a --references CSV


@dataclasses.dataclass(frozen=True)
class CsvKind:
    """A guidance CSV: the flag that names it, its columns and its optional ones."""

    flag: str
    columns: tuple
    optional: tuple = ()


HINTS_CSV = CsvKind("--hints", HINT_COLUMNS, HINT_OPTIONAL_COLUMNS)
REFERENCES_CSV = CsvKind("--references", REFERENCE_COLUMNS)


@dataclasses.dataclass(frozen=True)
class HintRow:
    """One row of a --hints CSV as written (numbers and color checked when its image is colorized)."""

    line: int
    x: str
    y: str
    color: str
    radius: str = ""


@dataclasses.dataclass(frozen=True)
class Reference:
    """A reference photo, as a --reference flag or a --references line names it."""

    path: str
    where: str  # "--reference" or "refs.csv line 3": what a failure names


@dataclasses.dataclass(frozen=True)
class ImageGuidance:
    """What guides one image: its hint rows, and the content hash of its reference photo (or None)."""

    csv_path: str | None = None  # the --hints file its rows come from
    rows: tuple = ()
    reference: str | None = None  # the reference's content hash: its key in RunGuidance.palettes

    @property
    def fingerprint(self):
        """What the output's record keeps of this guidance: a change to it redoes the image."""
        fingerprint = {}
        if self.rows:
            fingerprint["hints"] = [[row.x, row.y, row.color.lower(), row.radius] for row in self.rows]
        if self.reference:
            fingerprint["reference"] = self.reference
        return fingerprint

    def hints_in(self, height, width):
        """The model.hints.Hint of every row, checked against an image of (height, width) pixels as displayed.

        Raises UnusableImage ("bad_hint") naming the CSV line of a row whose numbers or color are
        malformed, or whose point is outside the image.
        """
        from model import hints

        made = []
        for row in self.rows:
            where = f"{self.csv_path} line {row.line}"
            try:
                x, y = _number(row.x, "x"), _number(row.y, "y")
                radius = _number(row.radius, "radius") if row.radius else 0.0
                if radius < 0:
                    raise ValueError(f"radius {row.radius!r} is below 0")
                hint = hints.hint_from_hex(x, y, row.color, radius)
            except ValueError as error:
                raise images.UnusableImage("bad_hint", f"{where}: {error}; x and y are numbers of pixels, "
                                                       "color is #rrggbb, radius a number of pixels") from None
            if not (0 <= x < width and 0 <= y < height):
                raise images.UnusableImage("bad_hint", (
                    f"{where}: the point x={row.x}, y={row.y} is outside the image, which is {width} x {height} "
                    "pixels as displayed (x from 0 to the width, y from 0 to the height, origin top left)"))
            made.append(hint)
        return tuple(made)


def _number(text, name):
    value = float(text)  # a ValueError names the text
    if not math.isfinite(value):
        raise ValueError(f"{name} {text!r} is not a finite number")
    return value


@dataclasses.dataclass
class GuidanceSources:
    """The guidance files of a run, read and checked before any work (read_sources)."""

    hints_path: str | None = None
    hint_rows: dict = dataclasses.field(default_factory=dict)  # the CSV's path as written -> [HintRow]
    reference: Reference | None = None  # --reference: every image's
    references_path: str | None = None
    reference_rows: dict = dataclasses.field(default_factory=dict)  # path as written -> [(line, Reference)]

    def __bool__(self):
        return bool(self.hints_path or self.reference or self.references_path)

    def resolve(self, found, input_root):
        """The RunGuidance of the images `found`, (path, relative path) pairs: hashes each reference once."""
        relative_of = {os.path.normpath(relative_path): relative_path for _, relative_path in found}
        guidance = RunGuidance()

        def image_of(written, csv_path, line):
            relative = _relative_path(written, input_root)
            if relative in relative_of:
                return relative_of[relative]
            guidance.warnings.append(f"{csv_path} line {line}: {written!r} names no input image under {input_root} "
                                     "(paths are relative to --input, as the report names images): row skipped")
            return None

        rows_of = {}
        for written, rows in self.hint_rows.items():
            for row in rows:
                relative_path = image_of(written, self.hints_path, row.line)
                if relative_path is not None:
                    rows_of.setdefault(relative_path, []).append(row)
        references_of = {relative_path: self.reference for _, relative_path in found} if self.reference else {}
        for written, lines in self.reference_rows.items():
            relative_path = image_of(written, self.references_path, lines[0][0])
            if relative_path is None:
                continue
            if len({reference.path for _, reference in lines}) > 1:
                guidance.refused[relative_path] = "bad_reference", (
                    f"{self.references_path} names {len(lines)} different references for this image (lines "
                    f"{', '.join(str(line) for line, _ in lines)}): keep one row per image")
                continue
            references_of[relative_path] = lines[0][1]
        hashes = {}
        for relative_path in sorted(set(rows_of) | set(references_of)):
            if relative_path in guidance.refused:
                continue
            reference = references_of.get(relative_path)
            content = None
            if reference is not None:
                if reference.path not in hashes:
                    hashes[reference.path] = _reference_hash(reference)
                content, problem = hashes[reference.path]
                if problem:
                    guidance.refused[relative_path] = "bad_reference", problem
                    continue
                guidance.references[content] = reference
            guidance.by_image[relative_path] = ImageGuidance(self.hints_path, tuple(rows_of.get(relative_path, ())),
                                                           content)
        return guidance


def _relative_path(written, input_root):
    """A CSV's image path as a relative path under the input: relative already, or the input's path joined."""
    path = os.path.normpath(written)
    root = os.path.normpath(input_root)
    if os.path.isabs(path) or path.startswith(root + os.sep):
        return os.path.relpath(path, root)
    return path


def _reference_hash(reference):
    """(content hash, None) of a reference photo, or (None, why it cannot be read)."""
    try:
        return outputs.file_hash(reference.path), None
    except OSError as error:
        return None, (f"its reference photo {reference.path} ({reference.where}) cannot be read "
                      f"({error.strerror or error}); fix the path or the permissions")


@dataclasses.dataclass
class RunGuidance:
    """The guidance of a run's images, resolved against the files found (GuidanceSources.resolve)."""

    by_image: dict = dataclasses.field(default_factory=dict)  # relative path -> ImageGuidance
    refused: dict = dataclasses.field(default_factory=dict)  # relative path -> (reason, detail)
    warnings: list = dataclasses.field(default_factory=list)
    references: dict = dataclasses.field(default_factory=dict)  # content hash -> Reference
    palettes: dict = dataclasses.field(default_factory=dict)  # content hash -> palette (load_palettes)

    def of(self, relative_path):
        return self.by_image.get(relative_path)

    def made_with(self, expected, relative_path):
        """What makes this image's output: `expected` (the model and settings) and what guides it."""
        guidance = self.of(relative_path)
        return {**expected, "guidance": guidance.fingerprint} if guidance is not None else expected

    def load_palettes(self, colorizer, work, max_pixels=images.MAX_PIXELS):
        """Compute the palette of every reference that guides a work item, once each (upright, as displayed).

        Returns {relative path: (reason, detail)} of the work items whose reference cannot be
        decoded or has no color; their guidance is dropped.
        """
        from model import inference
        from pipeline.colorize import photos

        problems = {}
        for content in sorted({self.by_image[relative].reference for _, relative in work
                               if relative in self.by_image and self.by_image[relative].reference}):
            reference = self.references[content]
            try:
                pixels = photos.read_photo(images.read_image_file(reference.path, max_pixels),
                                           max_pixels).frames[0].pixels
                if pixels.ndim == 2 or images.is_grayscale(pixels):
                    raise images.UnusableImage("grayscale", "it is grayscale: a reference gives its colors")
                self.palettes[content] = inference.palette_of_photo(colorizer, pixels)
            except images.UnusableImage as error:
                problems[content] = f"its reference photo {reference.path} ({reference.where}) is unusable: " \
                                    f"{error.detail}; give a color photo"
            except OSError as error:
                problems[content] = (f"its reference photo {reference.path} ({reference.where}) cannot be read "
                                     f"({error.strerror or error}); fix the path or the permissions")
        failed = {relative: ("bad_reference", problems[self.by_image[relative].reference])
                  for _, relative in work if relative in self.by_image and self.by_image[relative].reference in problems}
        for relative in failed:
            del self.by_image[relative]
        return failed

    def guidance_for(self, relative_path, height, width):
        """The inference.Guidance of an image of (height, width) pixels as displayed (NO_GUIDANCE without any)."""
        from model import inference

        guidance = self.of(relative_path)
        if guidance is None:
            return inference.NO_GUIDANCE
        palette = self.palettes.get(guidance.reference) if guidance.reference else None
        return inference.Guidance(hints=guidance.hints_in(height, width), palette=palette)


def read_sources(hints_path=None, reference_path=None, references_path=None):
    """The guidance files of a run, checked: a ValueError (a usage error) says what is wrong and what is expected."""
    if reference_path and references_path:
        raise ValueError("--reference (one photo for every image) and --references (a CSV of one per image) "
                         "cannot be used together: choose one")
    sources = GuidanceSources(hints_path=hints_path, references_path=references_path)
    if hints_path:
        for line, row in read_csv(hints_path, HINTS_CSV):
            sources.hint_rows.setdefault(row["path"], []).append(
                HintRow(line, row["x"], row["y"], row["color"], row.get("radius", "")))
    if reference_path:
        if not os.path.isfile(reference_path):
            raise ValueError(f"--reference {reference_path}: no such file; give a color photo whose palette "
                             "guides every image")
        sources.reference = Reference(reference_path, "--reference")
    if references_path:
        folder = os.path.dirname(os.path.abspath(references_path))
        for line, row in read_csv(references_path, REFERENCES_CSV):
            reference = Reference(os.path.join(folder, row["reference"]), f"{references_path} line {line}")
            sources.reference_rows.setdefault(row["path"], []).append((line, reference))
    return sources


def read_csv(path, kind):
    """(line number, {column: stripped text}) of every row of a guidance CSV of this CsvKind; a ValueError
    saying what is wrong otherwise."""
    flag, columns, optional = kind.flag, kind.columns, kind.optional
    expected = ",".join(columns) + "".join(f"[,{name}]" for name in optional)
    try:
        file = open(path, newline="", encoding="utf-8-sig")  # a byte-order mark, as spreadsheets write it
    except OSError as error:
        raise ValueError(f"{flag} {path}: cannot be read ({error.strerror or error}); give a CSV file whose "
                         f"first line is the header {expected}") from None
    with file:
        reader = csv.reader(file)
        try:
            header = [name.strip().lower() for name in next(reader, [])]
            missing = [name for name in columns if name not in header]
            unknown = [name for name in header if name not in columns + optional]
            if missing or unknown or len(set(header)) != len(header):
                found = ",".join(header) or "an empty file"
                raise ValueError(f"{flag} {path}: the header is {found}; expected {expected}"
                                 + (f" (missing {', '.join(missing)})" if missing else "")
                                 + (f" (unknown {', '.join(unknown)})" if unknown else ""))
            rows = []
            for fields in reader:
                if not any(field.strip() for field in fields):
                    continue  # a blank line
                row = {name: (fields[index].strip() if index < len(fields) else "")
                       for index, name in enumerate(header)}
                rows.append((reader.line_num, row))
            return rows
        except csv.Error as error:
            raise ValueError(f"{flag} {path} line {reader.line_num}: not a readable CSV ({error}); save it as "
                             f"UTF-8 CSV with the header {expected}") from None
        except UnicodeDecodeError as error:  # read in blocks: the line is not known
            raise ValueError(f"{flag} {path}: not UTF-8 text ({error.reason} at byte {error.start}); save it as "
                             f"UTF-8 CSV with the header {expected}") from None


def replace_image_rows(csv_path, kind, image_path, rows):
    """Rewrite a guidance CSV of this CsvKind with `image_path`'s rows replaced by `rows` ({column:
    text} each), atomically: the other images' rows keep their values and order, the file is
    replaced whole by one rename, and a missing file is created with the kind's header. A file
    that read_csv refuses raises its ValueError, and nothing is written."""
    if os.path.exists(csv_path):
        kept = [row for _, row in read_csv(csv_path, kind) if row["path"] != image_path]
        header = _header_of(csv_path)
    else:
        kept, header = [], list(kind.columns)
    for name in (name for row in rows for name in row if name not in header):
        header.append(name)  # a radius where the file had none
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=header, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(kept + [{"path": image_path, **row} for row in rows])
    folder = os.path.dirname(os.path.abspath(csv_path))
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".csv.tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text.getvalue())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, csv_path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _header_of(csv_path):
    with open(csv_path, newline="", encoding="utf-8-sig") as file:
        return [name.strip().lower() for name in next(csv.reader(file), [])]
