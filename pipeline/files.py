"""Listing the files under a folder or a glob: one lister for every job.

Local folders are walked without leaving them: a symbolic link is followed only when its
target stays inside the folder; links that leave it, dangle or loop, and links to folders,
are refused with a reason instead. Other file systems (gs://, s3://) are listed through
Beam's FileSystems, imported only there: the tf.data reader shares the glob helpers and
stays free of Beam.
"""

import contextlib
import glob
import os
import re
import shutil
import tempfile

GLOB_CHARACTERS = "*?["


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
    """(path, relative path) of every file under a folder or matching a glob, sorted, and the
    files refused while listing as {"path", "reason", "detail"} records.

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
    for directory, subdirectories, names in os.walk(root, followlinks=False):
        subdirectories.sort()
        for name in list(subdirectories):
            if os.path.islink(os.path.join(directory, name)):
                subdirectories.remove(name)
                refused.append({"path": os.path.join(directory, name), "reason": "bad_link",
                                "detail": "a folder link (folder links are not followed)"})
        for name in sorted(names):
            path = os.path.join(directory, name)
            if skip(name) or (pattern and not pattern.fullmatch(os.path.relpath(path, root))):
                continue
            problem = _link_problem(path, real_root)
            if problem:
                refused.append({"path": path, "reason": "bad_link", "detail": problem})
            else:
                found.append((path, os.path.relpath(path, root)))
    return sorted(found), refused


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
