"""Answers saved by numpy: a whole answer file as `.npz`, or one item as `.npy` beside a YAML file.

Arrays are read with `allow_pickle=False` (a pickle can run code), after the file's size is
checked, and must hold numbers of at most HOMEWORK.max_elements entries (never lifted: they are
students' answers).
"""

from __future__ import annotations

import os
import stat
import zipfile

import numpy as np

from nncheck.errors import Location, NncheckError
from nncheck.limits import HOMEWORK
from nncheck.read.tensors import MAX_NDIM
from nncheck.read.yamlfile import Spot, YamlDoc

ARRAY_SUFFIXES = (".npy", ".npz")
MAX_ARRAY_BYTES = 1_000_000      # one .npy, or one .npz file
MAX_ARRAYS = 1000                # arrays in one .npz
MAX_LINKED_BYTES = 8_000_000     # all the .npy files one answer file names
TEXT_KEYS = ("student", "problem")


def is_array_file(path: str) -> bool:
    return str(path).lower().endswith(ARRAY_SUFFIXES)


def file_size(path: str, where: Location) -> int:
    """The size of a regular file, or an error saying why it cannot be read."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise NncheckError(f"cannot read {path}: {error.strerror or error}", where) from None
    if not stat.S_ISREG(info.st_mode):
        raise NncheckError(f"{path} is not a regular file; give a .npy or .npz file", where)
    if info.st_size > MAX_ARRAY_BYTES:
        raise NncheckError(f"{path} is larger than {MAX_ARRAY_BYTES // 1000:,} kB (the limit); save the answer's "
                           "numbers only", where)
    return info.st_size


def read_npy(path: str, label: str, where: Location) -> np.ndarray:
    """The numbers of a .npy file."""
    file_size(path, where)
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as error:
        raise NncheckError(_pickled(path) if "pickle" in str(error) else f"{path}: not a .npy file numpy can read "
                           f"({error})", where) from None
    except (OSError, EOFError) as error:
        raise NncheckError(f"{path}: not a .npy file numpy can read ({error})", where) from None
    if not isinstance(loaded, np.ndarray):
        loaded.close()
        raise NncheckError(f"{label}: {path} is an .npz archive; name one .npy file per answer", where)
    return numbers(loaded, f"{label} ({path})", where)


def numbers(array: np.ndarray, label: str, where: Location) -> np.ndarray:
    """A loaded array as float64 numbers, refused if it holds anything else or is too large."""
    if array.dtype.kind not in "biuf":
        raise NncheckError(f"{label}: the array holds {array.dtype} values, not numbers; save numbers "
                           "(np.save(path, np.asarray(x, dtype=float)))", where)
    if array.ndim > MAX_NDIM or array.size > HOMEWORK.max_elements:
        raise NncheckError(f"{label}: the array is too large ({array.size:,} entries; the limit is "
                           f"{HOMEWORK.max_elements:,} entries and {MAX_NDIM} axes)", where)
    values = array.astype(np.float64)
    if not np.all(np.isfinite(values)):
        raise NncheckError(f"{label}: the array holds a number that is not finite (nan or inf)", where)
    return values


def read_npz_answers(path: str) -> YamlDoc:
    """An .npz archive as the document an answer file would be: each array an answer named by its
    key (np.savez("answers.npz", **{"dL/dW1": dW1})); text arrays `student` and `problem` are those fields."""
    where = Location(path)
    file_size(path, where)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise NncheckError(f"not an .npz archive numpy can read ({error}); save answers with "
                           "np.savez(\"answers.npz\", **{\"dL/dW1\": dW1})", where) from None
    if isinstance(archive, np.ndarray):
        raise NncheckError("this is one array (.npy data), not an .npz archive of answers; save them with "
                           "np.savez(\"answers.npz\", **{\"dL/dW1\": dW1})", where)
    doc = YamlDoc(path, {"answers": {}})
    doc.spots[()] = doc.spots[("answers",)] = Spot(where, None)
    with archive:
        keys = archive.files
        if len(keys) > MAX_ARRAYS:
            raise NncheckError(f"more than {MAX_ARRAYS} arrays in the archive", where)
        for key in keys:
            here = Location(f"{path}[{key}]")
            try:
                array = archive[key]
            except ValueError as error:
                raise NncheckError(_pickled(f"{path}[{key}]") if "pickle" in str(error) else
                                   f"{key}: cannot be read ({error})", here) from None
            if key in TEXT_KEYS and array.dtype.kind == "U" and array.ndim == 0:
                doc.data[key] = str(array)
                doc.spots[(key,)] = Spot(here, None)
                continue
            doc.data["answers"][key] = numbers(array, key, here).tolist()
            doc.spots[("answers", key)] = Spot(here, None)
            doc.key_spots[("answers", key)] = here
    return doc


def linked_path(answers_path: str, written: str, where: Location) -> str:
    """The .npy file an answer names, resolved next to the answer file and never outside its folder."""
    if os.path.isabs(written):
        raise NncheckError(f"{written}: name the .npy file relative to this answer file, such as dW1.npy", where)
    folder = os.path.dirname(os.path.abspath(answers_path))
    path = os.path.normpath(os.path.join(folder, written))
    if os.path.commonpath([os.path.realpath(folder), os.path.realpath(path)]) != os.path.realpath(folder):
        raise NncheckError(f"{written}: the .npy file must be in this answer file's folder (or below it)", where)
    return path


def _pickled(path: str) -> str:
    return (f"{path} holds Python objects (a pickle), which nncheck never loads: a pickle can run code; save the "
            "numbers with np.save(path, np.asarray(x, dtype=float))")
