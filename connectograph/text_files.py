"""Text files that must be UTF-8: where one is not, and how to convert it.

Every text input of connectograph (CSV tables, SWC skeletons, JSON ROI files)
is read as UTF-8. A file saved in another encoding (UTF-16 from a Windows
"Unicode text" export, Latin-1 or Windows-1252 from older tools) fails deep
inside a parser with a bare ``UnicodeDecodeError``; :func:`find_not_utf8`
finds the first byte that is not UTF-8 and :meth:`NotUtf8.describe` says where
it is and gives the ``iconv`` command that converts the file.
"""

from __future__ import annotations

import codecs
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NotUtf8", "find_not_utf8", "read_utf8", "empty_file_message"]

#: Bytes read at a time while looking for the first byte that is not UTF-8.
_BLOCK = 1 << 20

#: Byte order marks, longest first (UTF-32's starts with UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


@dataclass(frozen=True)
class NotUtf8:
    """Where a file stops being UTF-8, and what it probably is instead.

    Attributes
    ----------
    offset : int
        0-based byte offset of the first byte that is not UTF-8 (0 when the
        file starts with a UTF-16 or UTF-32 byte order mark).
    line : int
        1-based line holding that byte (counting ``\\n`` bytes before it).
    found : bytes
        The bytes that are not UTF-8 (up to 4).
    encoding : str
        The file's likely encoding, as ``iconv -f`` names it: ``"UTF-16"``,
        ``"UTF-16LE"``, ``"UTF-16BE"``, ``"UTF-32"``, ``"WINDOWS-1252"`` or
        ``"LATIN1"``.
    byte_order_mark : bool
        Whether the file starts with the byte order mark of ``encoding``.
    """

    offset: int
    line: int
    found: bytes
    encoding: str
    byte_order_mark: bool = False

    def describe(self, path: str | Path) -> str:
        """What is wrong, where, and the command that converts ``path`` to UTF-8.

        Parameters
        ----------
        path : str or Path
            The file, as the conversion command names it.

        Returns
        -------
        str
            E.g. ``"the file is not UTF-8 text: byte offset 612103 (line 5247) holds
            0xa7, which is '§' in Latin-1 ...; convert the file to UTF-8, e.g.
            iconv -f LATIN1 -t UTF-8 ..."``.
        """
        path = str(path)
        if self.byte_order_mark:
            where = (f"it starts with the byte order mark of {self.encoding} "
                     f"(bytes {self.found.hex(' ')} at byte offset 0)")
        else:
            shown = " ".join(f"0x{b:02x}" for b in self.found)
            where = f"byte offset {self.offset} (line {self.line}) holds {shown}"
            if self.encoding in ("LATIN1", "WINDOWS-1252"):
                codec = "latin-1" if self.encoding == "LATIN1" else "cp1252"
                text = self.found[:1].decode(codec, errors="replace")
                where += (f", which is {text!r} in {_NAMES[self.encoding]}: the file looks "
                          f"{_NAMES[self.encoding]}-encoded")
            else:
                where += f"; NUL bytes between the characters mean {self.encoding} text"
        suffix = Path(path).suffix
        target = path[:-len(suffix)] + ".utf8" + suffix if suffix else path + ".utf8"
        return (f"the file is not UTF-8 text: {where}. Convert the file to UTF-8, e.g. "
                f"iconv -f {self.encoding} -t UTF-8 {shlex.quote(path)} > "
                f"{shlex.quote(target)}, and use the converted file (or save it again "
                "as UTF-8 from the program that wrote it)")


_NAMES = {"LATIN1": "Latin-1 (ISO-8859-1)", "WINDOWS-1252": "Windows-1252"}


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16LE or UTF-16BE for text without a byte order mark whose every
    other byte is NUL (ASCII characters in UTF-16), else None."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
        return "UTF-16LE"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "UTF-16BE"
    return None


def find_not_utf8(path: str | Path) -> NotUtf8 | None:
    """The first place where ``path`` is not UTF-8 text, or None if all of it is.

    A file starting with a UTF-16 or UTF-32 byte order mark is reported at
    offset 0; so is text without one whose every other byte is NUL (UTF-16
    holding ASCII, which decodes as UTF-8 into characters separated by NULs).
    Otherwise the file is read in blocks of 1 MiB and the first byte that
    does not decode is reported; its likely encoding is Windows-1252 when it
    is one of that code page's printable characters in 0x80-0x9f, else Latin-1.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    NotUtf8 or None
    """
    with open(path, "rb") as f:
        head = f.read(_BLOCK)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return NotUtf8(0, 1, bom, encoding, byte_order_mark=True)
        wide = _wide_encoding(head)
        if wide:
            return NotUtf8(0, 1, head[:2], wide)
        f.seek(0)
        base = newlines = 0
        carry = b""
        while True:
            block = f.read(_BLOCK)
            data = carry + block
            if not data:
                return None
            try:
                data.decode("utf-8")
                good, carry = len(data), b""
            except UnicodeDecodeError as err:
                # a character cut by the block's end is read with the next block
                if block and err.end == len(data) and err.reason == "unexpected end of data":
                    good, carry = err.start, data[err.start:]
                else:
                    found = data[err.start:max(err.end, err.start + 1)][:4]
                    cp1252 = 0x80 <= found[0] <= 0x9f and found[0] not in (0x81, 0x8d, 0x8f,
                                                                            0x90, 0x9d)
                    return NotUtf8(base + err.start,
                                   newlines + data[:err.start].count(b"\n") + 1, found,
                                   "WINDOWS-1252" if cp1252 else "LATIN1")
            newlines += data[:good].count(b"\n")
            base += good
            if not block:
                return None


def empty_file_message(what: str) -> str:
    """The message for a 0-byte file that should hold ``what`` (e.g. "a CSV
    table with a header row")."""
    return (f"the file is empty (0 bytes), so it holds no {what}; an interrupted download "
            "or copy leaves such files: copy or write it again")


def read_utf8(path: str | Path) -> str:
    """The text of ``path``, which must be UTF-8.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    str
        Without the UTF-8 byte order mark, if the file starts with one.

    Raises
    ------
    UnicodeError
        With the message of :meth:`NotUtf8.describe` (where the file stops
        being UTF-8 and how to convert it), also for UTF-16 text without a
        byte order mark (NUL bytes between ASCII characters); callers turn it
        into their own error.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
        if "\x00" not in text:
            return text
    except UnicodeDecodeError:
        pass
    bad = find_not_utf8(path)
    raise UnicodeError(bad.describe(path) if bad else "the file holds NUL bytes, which no "
                       "text has; save it again as UTF-8 text")
