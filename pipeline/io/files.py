"""Listing the files under a folder or a glob: one lister for every job.

Local folders are walked without leaving them: a symbolic link is followed only when its
target stays inside the folder; links that leave it, dangle or loop, and links to folders,
are refused with a reason instead. So is anything that is not a regular file (a FIFO, a
device node, a socket: reading one could hang or never end), without opening it, and a
folder that cannot be listed (no permission, a path past the system's limit) is reported
rather than passed over. Other file systems (gs://, s3://) are listed through Beam's
FileSystems, imported only there: the tf.data reader shares the glob helpers and stays
free of Beam.

File names are bytes on Linux. One that is not UTF-8 (from an old Windows disk or a zip
archive) comes back from the listing as Python's `surrogateescape` string, which opens the
file but which Beam's coders and UTF-8 files refuse; the helpers at the end carry such names
through a pipeline as bytes, and write them in reports and on the terminal with each byte
that is not UTF-8 as \\xNN.
"""

import contextlib
import glob
import json
import os
import re
import shutil
import stat
import tempfile

GLOB_CHARACTERS = "*?["
UNDECODABLE_BYTE = re.compile(r"[\udc80-\udcff]")  # how surrogateescape holds a byte that is not UTF-8
# Why a job skipped a file: the one vocabulary of every job's failure records and reports.
FAILURE_REASONS = {
    # Found while listing the input.
    "unlistable": "a folder that cannot be listed, so none of its files were read",
    "bad_link": "a link that leaves the input folder, dangles or loops, or a link to a folder",
    "not_a_file": "a FIFO, device or socket rather than a regular file: never opened",
    "unreadable": "a file that exists but cannot be read (no permission, gone, a path too long)",
    # Found while decoding it.
    "empty": "a file of 0 bytes",
    "not_an_image": "not an image file (by its extension or its content)",
    "unsupported_format": "an image in a format the job cannot write back",
    "corrupt": "an image whose header or pixels are damaged",
    "too_large": "more pixels (or bytes) than --max-pixels allows",
    "too_small": "a side shorter than the minimum",
    "grayscale": "already grayscale: no color to learn from",
    "toned": "a toned monochrome print (sepia, cyan): no color to learn from",
    "animated": "an animation whose frames cannot all be kept",
    "bad_metadata": "metadata that cannot be carried over to the output",
    # Found while planning or writing an output (colorize).
    "reserved_name": "its output would land in the job's own folder",
    "foreign_file": "its output path holds a file the job did not write",
    "write_failed": "its output could not be written",
    "output_stopped": "the output folder stopped taking files (full or read-only)",
    "bad_hint": "a --hints row of the image with a malformed number or color, or a point outside the image",
    "bad_reference": "the image's reference photo cannot be read or has no color",
    "not_signed": "its output could not be signed with C2PA (--c2pa-cert), so it was not written",
}
NOT_REGULAR_KINDS = {  # stat file type test -> how the report names it
    stat.S_ISFIFO: "a FIFO (named pipe)",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
    stat.S_ISDIR: "a folder",
}


def has_glob_characters(path):
    """Whether a glob would read something in `path` as a pattern."""
    return any(character in path for character in GLOB_CHARACTERS)


def is_glob(input_path):
    """A pattern rather than a folder: it has glob characters and names no existing folder
    (so a folder called "Holiday [2019]" is a folder)."""
    return has_glob_characters(input_path) and not os.path.isdir(input_path)


@contextlib.contextmanager
def glob_free(folder):
    """A path to the existing `folder` without glob characters.

    Beam's file sinks, matching and deleting all read a path as a glob, so a folder named
    like "Holiday [2019]" makes them fail. Such a folder is reached through a link in the
    temporary directory; the files are still written inside the folder itself, so
    moving them within it stays an atomic rename. Remote paths are yielded unchanged.
    """
    if "://" in folder or not has_glob_characters(folder):
        yield folder
        return
    links = tempfile.mkdtemp(prefix="colorize-link-")
    link = os.path.join(links, "folder")
    os.symlink(os.path.abspath(folder), link)
    try:
        yield link
    finally:
        shutil.rmtree(links)  # removes the link, never what it points to


def input_root(input_path):
    """The folder under which relative paths are taken: the folder itself, or a glob's fixed part."""
    if not is_glob(input_path):
        return input_path.rstrip("/") or "/"
    prefix = input_path[:min(input_path.index(character) for character in GLOB_CHARACTERS
                             if character in input_path)]
    return os.path.dirname(prefix) or "."


def list_files(input_path, skip=lambda name: False):
    """(path, relative path) of every regular file under a folder or matching a glob, sorted, and
    the files and folders refused while listing as {"path", "reason", "detail"} records.

    `skip(name)` drops files silently (e.g. our own temporary files). Raises ValueError for
    a missing folder.
    """
    if "://" in input_path:
        return _list_remote(input_path), []
    root = os.path.abspath(input_root(input_path))
    if not os.path.isdir(root):
        raise ValueError(f"input {input_path} does not exist or is not a folder; pass a folder of images or a glob")
    real_root = os.path.realpath(root)
    pattern = glob_to_regex(os.path.relpath(os.path.abspath(input_path), root)) if is_glob(input_path) else None
    found, refused = [], []

    def unlistable(error):
        refused.append(failure_record(
            error.filename, "unlistable", f"cannot list this folder ({error.strerror}), so none of its files were "
                                          "read: give the job read access, or move it to a shorter path"))

    for directory, subdirectories, names in os.walk(root, onerror=unlistable, followlinks=False):
        subdirectories.sort()
        for name in list(subdirectories):
            if os.path.islink(os.path.join(directory, name)):
                subdirectories.remove(name)
                refused.append(failure_record(os.path.join(directory, name), "bad_link",
                                              "a folder link (folder links are not followed)"))
        for name in sorted(names):
            path = os.path.join(directory, name)
            if skip(name) or (pattern and not pattern.fullmatch(os.path.relpath(path, root))):
                continue
            problem = _link_problem(path, real_root)
            if problem:
                refused.append(failure_record(path, "bad_link", problem))
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError as error:  # e.g. a path longer than the system allows
                refused.append(unreadable_record(path, error))
                continue
            kind = not_regular_kind(mode)
            if kind:
                refused.append(failure_record(path, "not_a_file", f"{kind}, not a regular file: it was not opened"))
            else:
                found.append((path, os.path.relpath(path, root)))
    return sorted(found), sorted(refused, key=lambda record: record["path"])


def not_regular_kind(mode):
    """What a file of this st_mode is when it is not a regular file ("a FIFO (named pipe)", ...), else None."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in NOT_REGULAR_KINDS.items() if test(mode)), "not a regular file")


def _link_problem(path, real_root):
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    if not os.path.exists(target):
        return "a broken or looping link"
    if os.path.commonpath([target, real_root]) != real_root:
        return f"a link to {target}, outside the input folder"
    return None


def _list_remote(input_path):
    from apache_beam.io.filesystems import FileSystems

    root = input_root(input_path).rstrip("/")
    # Brackets, `*` and `?` in a folder's own name are characters, not a pattern.
    pattern = input_path if is_glob(input_path) else FileSystems.join(glob.escape(root), "**")
    if not is_glob(input_path) and not FileSystems.exists(root):
        raise ValueError(f"input {input_path} does not exist; pass a folder of images or a glob")
    matches = FileSystems.match([pattern])[0].metadata_list
    return sorted((match.path, match.path[len(root) + 1:]) for match in matches)


def glob_to_regex(pattern):
    """A compiled regex for a relative glob: `*` and `?` stay within a folder, `**/` spans any number."""
    parts, index = [], 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        elif pattern[index] == "[" and "]" in pattern[index + 1:]:
            close = pattern.index("]", index + 1)
            parts.append("[" + pattern[index + 1:close].replace("!", "^", 1) + "]")
            index = close + 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


# ---------------------------------------------------------------------------------------
# Names that are not UTF-8.


def to_elements(pairs):
    """(path, relative path) pairs as bytes, the form in which they cross a Beam pipeline.

    Beam's coders encode a str as strict UTF-8, which a `surrogateescape` name fails; its
    bytes pass unchanged (os.fsencode is the file system's own encoding, UTF-8 here).
    """
    return [tuple(os.fsencode(part) for part in pair) for pair in pairs]


def from_element(element):
    """The (path, relative path) strings of a pair made by to_elements (str pairs pass unchanged)."""
    return tuple(os.fsdecode(part) for part in element)


def printable_path(path):
    """A path as valid UTF-8 text for reports, the terminal and image ids: each byte of a name
    that is not UTF-8 is written as \\xNN (lat\\xe9.jpg); any other name is unchanged."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def failure_record(path, reason, detail):
    """The {"path", "reason", "detail"} record of a file a job skipped, its path printable.

    `reason` is one of FAILURE_REASONS; a new kind of failure is added there first.
    """
    if reason not in FAILURE_REASONS:
        raise ValueError(f"unknown failure reason {reason!r}; add it to files.FAILURE_REASONS")
    return {"path": printable_path(path), "reason": reason, "detail": detail}


def unreadable_record(path, error):
    """The failure record of a file that an OSError kept from being looked at or read."""
    return failure_record(path, "unreadable", f"cannot read the file ({error.strerror or error}); give the job "
                                              "read access to it, move it to a shorter path, or remove it")


def json_text(value, **options):
    """JSON of `value` that is valid UTF-8 even when a string in it holds a name that is not:
    each such byte is written as \\xNN, as printable_path writes it."""
    text = json.dumps(value, ensure_ascii=False, **options)
    # Only a JSON string can hold such a character, so its escape is an escaped backslash.
    return UNDECODABLE_BYTE.sub(lambda match: f"\\\\x{ord(match.group()) - 0xDC00:02x}", text)
