"""Model files written without losing the old one, read without trusting them.

Used by ``KernelTransport.save`` and ``KernelTransport.load``.

A model file is a ``.npz`` archive (a zip file of ``.npy`` arrays) with a JSON
description in its ``meta`` member; nothing in it is ever unpickled.

Writing: :func:`write_atomically` writes the new file next to the target and
renames it over the target only once it is complete and on disk, so a failure
half-way (an unserialisable parameter, Ctrl-C, a full disk) leaves the previous
file as it was.

Reading: :func:`read_header` and :func:`read_array` read one member at a time,
the ``.npy`` header (shape and dtype) first, so that the caller can check the
shapes before any data is decompressed; members that are not asked for are
never read. Every problem with the file raises :class:`DamagedFile`.
"""

import contextlib
import math
import numbers
import os
import secrets
import shutil

import numpy as np

#: ``save`` stores its arrays uncompressed, so the members of a model file add up to
#: about the file's size. ``load`` refuses a file whose members claim more than this many
#: times its size: a small file must not make it decompress gigabytes.
MAX_EXPANSION = 20


class DamagedFile(ValueError):
    """The file is not a model file, or it is damaged; the message says what is wrong."""


def plain(value, name):
    """``value`` with numpy scalars turned into Python numbers, ready for ``json.dumps``.

    ``np.int64(200)`` becomes ``200``, ``np.float32(0.001)`` the float of the same
    value, ``np.bool_(True)`` ``True``; dicts and lists are converted entry by
    entry. Anything JSON cannot hold raises ``TypeError`` naming ``name``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict):
        return {str(key): plain(item, f"{name}[{key!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, f"{name}[{i}]") for i, item in enumerate(value)]
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    raise TypeError(
        f"cannot save {name} = {text} (type {type(value).__name__}): a model file stores "
        f"parameters as numbers, strings, booleans or None; set it to one of those with "
        f"set_params before saving."
    )


def write_atomically(path, write):
    """Call ``write(file)`` on a new file next to ``path``, then put it in place of ``path``.

    The data go to a temporary file in the same directory, are flushed and
    synced to disk, and only then does ``os.replace`` rename the temporary file
    to ``path`` (one step: another program sees the old file or the new one,
    never a part). If anything fails on the way, including Ctrl-C, the
    temporary file is removed and ``path`` is left as it was.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
    fh = open(temporary, "xb")  # if this fails, nothing was created
    try:
        with fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(path):
            shutil.copymode(path, temporary)  # keep the permissions of the file replaced
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise


def file_size(fh):
    """The size in bytes of the open binary file ``fh`` (left at its start)."""
    size = fh.seek(0, os.SEEK_END)
    fh.seek(0)
    return size


def check_expansion(archive, names, size):
    """Raise :class:`DamagedFile` if the members ``names`` claim far more bytes than ``size``."""
    claimed = sum(archive.getinfo(name).file_size for name in names)
    if claimed > MAX_EXPANSION * size + 2**20:
        raise DamagedFile(
            f"its members claim {claimed} bytes uncompressed, more than {MAX_EXPANSION} "
            f"times the file's {size} bytes (save stores its arrays uncompressed)"
        )


def read_header(archive, name):
    """The ``(shape, fortran_order, dtype, offset)`` the ``.npy`` member ``name`` declares.

    Only the header is decompressed. ``offset`` is where the data start; the
    member must hold exactly the data the header announces.
    """
    info = archive.getinfo(name)
    member = name.removesuffix(".npy")
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise DamagedFile(f"member {member!r} has an unknown .npy format version {version}")
        offset = f.tell()
    if dtype.hasobject:
        raise DamagedFile(f"member {member!r} holds Python objects, which load never unpickles")
    expected = offset + math.prod(shape) * dtype.itemsize
    if info.file_size != expected:
        raise DamagedFile(
            f"member {member!r} has {info.file_size} bytes where its header announces "
            f"{expected} (shape {shape}, dtype {dtype}): it is truncated or padded"
        )
    return shape, fortran_order, dtype, offset


def read_array(archive, name, header):
    """The array of the member ``name`` whose :func:`read_header` is ``header`` (a writable copy).

    Reads exactly the announced bytes, then checks that the member ends there
    (which also makes the zip module verify the member's checksum).
    """
    shape, fortran_order, dtype, offset = header
    n_bytes = math.prod(shape) * dtype.itemsize
    with archive.open(name) as f:
        f.read(offset)
        data = f.read(n_bytes)
        if len(data) != n_bytes or f.read(1):
            raise DamagedFile(f"member {name.removesuffix('.npy')!r} does not hold the "
                              f"{n_bytes} bytes its header announces")
    flat = np.frombuffer(data, dtype=dtype, count=math.prod(shape))
    # the memory layout np.load gives: Fortran-ordered data stay Fortran-ordered
    array = flat.reshape(shape[::-1]).T if fortran_order else flat.reshape(shape)
    return np.array(array, dtype=dtype.newbyteorder("="), order="K")
