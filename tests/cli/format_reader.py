#!/usr/bin/env python3
"""An independent reader of a Loupe index, written from docs/FORMAT.md alone.

For every segment of the newest commit: checks each file's envelope (the
XXH3-64 checksum when an XXH3 implementation is at hand); decodes every
posting and position of every field (PFOR blocks and skip tables included)
and checks them against the field lengths and spans, that the positions
groups tile .pos exactly, and that every term and block impact bounds its
postings and is the one section 3.4's construction gives; reads .info, .ids,
.live, .docs (frames decompressed when zstd is at hand) and .cols, and checks
them against each other and the postings. Optionally compares the stored
documents with the JSON Lines input (--input) and the document and deletion
counts with `loupe info --json` (--info). Prints the worked example of
FORMAT.md section 7 (term `china` in `loupe-news-002`, first segment) for
the caller to compare. Exits 1 with a message on any disagreement.

Usage: format_reader.py DIR [--info INFO.json] [--input FILE.jsonl]...
"""
import argparse
import ctypes
import datetime
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HEADER, FOOTER = 24, 16
MIN_VERSION, MAX_VERSION = 2, 5


def fail(msg):
    print("FORMAT.md disagreement: " + msg, file=sys.stderr)
    sys.exit(1)


def note(msg):
    print("format_reader: " + msg, file=sys.stderr)


def u32(b, p):
    return struct.unpack_from("<I", b, p)[0]


def u64(b, p):
    return struct.unpack_from("<Q", b, p)[0]


def find_xxh3():  # section 2's checksum; Python's stdlib has no XXH3, so only when one is at hand
    try:
        import xxhash
        return xxhash.xxh3_64_intdigest
    except ImportError:
        pass
    try:  # the reference C library through ctypes (stdlib), if the system has it
        f = ctypes.CDLL("libxxhash.so.0").XXH3_64bits
        f.restype, f.argtypes = ctypes.c_uint64, [ctypes.c_char_p, ctypes.c_size_t]
        return lambda data: f(data, len(data))
    except (OSError, AttributeError):
        return None


def find_unzstd():  # (frame, dictionary) -> bytes, through the zstd command or the zstandard module
    command = shutil.which("zstd")
    if command:
        def unzstd(frame, dictionary):
            with tempfile.NamedTemporaryFile() as d:
                d.write(dictionary)
                d.flush()
                r = subprocess.run([command, "-d", "-c", "-q"] + (["-D", d.name] if dictionary else []),
                                   input=frame, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode != 0:
                fail("zstd -d: " + r.stderr.decode(errors="replace").strip())
            return r.stdout
        return unzstd
    try:
        import zstandard
    except ImportError:
        return None

    def unzstd(frame, dictionary):
        d = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        try:
            return zstandard.ZstdDecompressor(dict_data=d).decompress(frame)
        except zstandard.ZstdError as e:
            fail("zstd: %s" % e)
    return unzstd


XXH3 = find_xxh3()
UNZSTD = find_unzstd()


def body(path, kind=None, nonce=None):  # section 2: the file, and its body's bounds
    b = open(path, "rb").read()
    if len(b) < HEADER + FOOTER:
        fail(path + ": shorter than an envelope")
    if b[:4] != b"LOUP" or b[-16:-12] != b"LEND":
        fail(path + ": envelope magic")
    if kind is not None and b[4:8] != kind:
        fail("%s: kind %r, expected %r" % (path, b[4:8], kind))
    if not MIN_VERSION <= u32(b, 8) <= MAX_VERSION:
        fail("%s: version %d" % (path, u32(b, 8)))
    if u32(b, 12) != 0 or u32(b, len(b) - 12) != 0:
        fail(path + ": reserved header or footer bytes not 0")
    if nonce is not None and u64(b, 16) != nonce:
        fail("%s: header nonce %016x, expected %016x" % (path, u64(b, 16), nonce))
    if XXH3 is not None and XXH3(b[:-8]) != u64(b, len(b) - 8):
        fail("%s: footer checksum %016x, XXH3-64 of bytes [0, size - 8) is %016x"
             % (path, u64(b, len(b) - 8), XXH3(b[:-8])))
    return b, HEADER, len(b) - FOOTER


def varint(b, p):
    v = s = 0
    while True:
        c = b[p]
        p += 1
        v |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return v, p


def packed(b, p, n, w):  # section 3.2: values, then the offset after the padding
    vals = []
    for i in range(n):
        bit = i * w
        word = int.from_bytes(b[p + bit // 8:p + bit // 8 + 8].ljust(8, b"\0"), "little")
        vals.append((word >> (bit % 8)) & ((1 << w) - 1))
    end = p + (n * w + 7) // 8
    if b[end:end + 8] != bytes(8):
        fail("packed(%d, %d) at %d: the 8 bytes after the values are not zero padding" % (n, w, p))
    return vals, end + 8


def pfor(b, p):  # section 3.3: 128 values, and the offset after the block
    token = b[p]
    w, e = (32, 0) if token == 0xFF else (token & 31, token >> 5)
    values = []
    for i in range(128):
        lane, row = i % 4, i // 4
        v = 0
        for j in range(w):
            bit = row * w + j
            word = struct.unpack_from("<I", b, p + 1 + 16 * (bit // 32) + 4 * lane)[0]
            v |= ((word >> (bit % 32)) & 1) << j
        values.append(v)
    for j in range(e):
        index, high = b[p + 1 + 16 * w + 2 * j], b[p + 2 + 16 * w + 2 * j]
        values[index] |= high << w
    return values, p + 1 + 16 * w + 2 * e


def first_position_bits(span):  # section 4.6
    return (span - 1).bit_length() if span > 1 else 0


def rice_parameter(span, freq):  # section 4.6: largest k with f*100*2^k <= S*69, else 0
    k = 0
    while freq * 100 * (2 ** (k + 1)) <= span * 69:
        k += 1
    return k


class Bits:  # least significant bit first, bytes in order
    def __init__(self, b):
        self.b, self.bit = b, 0

    def read(self, n):
        v = 0
        for i in range(n):
            v |= ((self.b[(self.bit + i) // 8] >> ((self.bit + i) % 8)) & 1) << i
        self.bit += n
        return v

    def unary(self):
        z = 0
        while (self.b[self.bit // 8] >> (self.bit % 8)) & 1 == 0:
            z += 1
            self.bit += 1
        self.bit += 1
        return z


# --- impacts (3.4) -----------------------------------------------------------

def scale(c):  # T[c] = floor(128 * 2^((c - 127) / 8)) = floor(2^((56 + c - 127) / 8)), exactly
    if c < 128:
        return c
    e = 56 + c - 127
    t = int(2 ** (e / 8))
    while t ** 8 > 1 << e:
        t -= 1
    while (t + 1) ** 8 <= 1 << e:
        t += 1
    return t


T = [scale(c) for c in range(256)]


def encode_freq(x):  # rounds up; 255 = any
    if x < 128:
        return x
    return next((c for c in range(128, 255) if T[c] >= x), 255)


def encode_length(x):  # rounds down
    if x < 128:
        return x
    return max(c for c in range(127, 256) if T[c] <= x)


def decode_freq(c):
    return math.inf if c == 255 else T[c]


def frontier(pairs):  # (freq, length) pairs by length ascending, frequencies increasing
    best = {}
    for f, l in pairs:
        best[l] = max(best.get(l, 0), f)
    out = []
    for l in sorted(best):
        if not out or best[l] > out[-1][0]:
            out.append((best[l], l))
    return out


def reference_score(f, l, avgdl):  # 3.4: BM25's term factor at k1 = 1.2, b = 0.75
    return f / (f + 1.2 * (1 - 0.75 + 0.75 * l / avgdl))


def check_impact(impact, pairs, avgdl, what):
    fa, la, fb, lb = impact
    corners = [(decode_freq(fa), T[la]), (decode_freq(fb), T[lb])]
    for f, l in pairs:
        if not any(f <= cf and l >= cl for cf, cl in corners):
            fail("%s: impact %s does not bound posting (freq %d, length %d)" % (what, bytes(impact).hex(), f, l))
    if T[la] > T[lb]:
        fail("%s: impact %s: corner A is not the shorter-length one" % (what, bytes(impact).hex()))
    # The writer's corners come from a split of the frontier; which split only affects tightness.
    front = frontier(pairs)
    n = len(front)
    splits = [(front[0], front[0])] if n == 1 else \
        [((front[s - 1][0], front[0][1]), (front[n - 1][0], front[s][1])) for s in range(1, n)]
    encode = lambda a, b: (encode_freq(a[0]), encode_length(a[1]), encode_freq(b[0]), encode_length(b[1]))
    if tuple(impact) not in {encode(a, b) for a, b in splits}:
        fail("%s: impact %s is not the encoding of a split of the frontier %s" % (what, bytes(impact).hex(), front))
    # The split the writer picks: smallest larger corner score, first minimum wins.
    scores = [max(reference_score(*a, avgdl), reference_score(*b, avgdl)) for a, b in splits] if n > 1 else [0]
    a, b = splits[scores.index(min(scores))]
    if tuple(impact) != encode(a, b):
        fail("%s: impact %s; the split rule (average length %g) gives %s"
             % (what, bytes(impact).hex(), avgdl, bytes(encode(a, b)).hex()))


# --- stored values ---------------------------------------------------------

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?)?$")


def date_millis(text):  # docs/SCHEMA.md's ISO 8601 forms (a time without a zone is UTC), else None
    m = ISO_DATE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        t = datetime.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                              tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    ms = (t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)) // datetime.timedelta(milliseconds=1)
    ms += int((frac or "0").ljust(3, "0"))
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        ms -= sign * (int(zone[1:3]) * 60 + int(zone[4:6])) * 60000
    return ms


def stored_document(b, names, what):  # 4.9: [(name, type, value)], consuming all of b
    count, p = varint(b, 0)
    fields = []
    for _ in range(count):
        index, p = varint(b, p)
        if index >= len(names):
            fail("%s: name index %d, the run has %d names" % (what, index, len(names)))
        kind = b[p]
        p += 1
        if kind in (0, 5):
            n, p = varint(b, p)
            value = b[p:p + n].decode("utf-8")
            p += n
            if kind == 5:
                value = json.loads(value)
        elif kind == 1:
            z, p = varint(b, p)
            value = (z >> 1) ^ -(z & 1)
        elif kind == 2:
            value = struct.unpack_from("<d", b, p)[0]
            p += 8
        elif kind == 3:
            value = b[p] != 0
            p += 1
        elif kind == 4:
            n, p = varint(b, p)
            value = []
            for _ in range(n):
                k, p = varint(b, p)
                value.append(b[p:p + k].decode("utf-8"))
                p += k
        else:
            fail("%s: value type %d" % (what, kind))
        fields.append((names[index], kind, value))
    if p != len(b):
        fail("%s: document is %d bytes, its fields %d" % (what, len(b), p))
    return fields


def json_type(value):  # the stored type 4.9 gives a JSON input value
    if isinstance(value, str):
        return 0
    if isinstance(value, bool):
        return 3
    if isinstance(value, int):
        return 1
    if isinstance(value, float):
        return 2
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return 4
    return 5


def column_value(kind, given):  # 4.12: a column's value for [(stored type, value)], None if it does not fit
    t, v = given[0] if given else (None, None)
    if kind == 0:  # a string or a list of strings, each once, in byte order
        return sorted({s.encode() for s in ([v] if t == 0 else v)}) if t in (0, 4) else []
    if kind == 1:
        return date_millis(v) if t == 0 else None
    return v if t == 1 else None


# --- files of a segment ------------------------------------------------------

def read_info(path, seg, nonce):  # 4.2
    b, s, e = body(path, b"INFO", nonce)
    info = json.loads(b[s:e])
    if info["name"] != seg["name"] or info["max_doc"] != seg["max_doc"]:
        fail("%s: name %s, max_doc %d; the manifest says %s, %d"
             % (path, info["name"], info["max_doc"], seg["name"], seg["max_doc"]))
    if info["nonce"] != "%016x" % nonce:
        fail("%s: nonce %s, header %016x" % (path, info["nonce"], nonce))
    if not info["written_by"].startswith("loupe "):
        fail("%s: written_by %r" % (path, info["written_by"]))
    return info


def check_info_files(info, path, version):  # 4.2: size and footer checksum of each data file
    extensions = [f["extension"] for f in info["files"]]
    order = ["terms", "post", "pos", "lens", "cols", "ids", "docs"]
    if version >= 4:
        if extensions != order:
            fail(".info files %s, expected %s" % (extensions, order))
    elif extensions != [x for x in order if x != "cols"]:
        fail(".info files %s (version %d)" % (extensions, version))
    for f in info["files"]:
        b = open(path("." + f["extension"]), "rb").read()
        if f["size"] != len(b) or f["checksum"] != "%016x" % u64(b, len(b) - 8):
            fail(".info: %s size %d checksum %s, the file's %d %016x"
                 % (f["extension"], f["size"], f["checksum"], len(b), u64(b, len(b) - 8)))
    return extensions


def read_ids(path, nonce, max_doc):  # 4.8
    b, s, e = body(path, b"IDS_", nonce)
    if u32(b, s) != max_doc:
        fail(".ids count %d, max_doc %d" % (u32(b, s), max_doc))
    w = b[s + 4]
    if w > 56:
        fail(".ids width %d" % w)
    offsets, p = packed(b, s + 5, max_doc + 1, w)
    total = e - p
    if offsets[0] != 0 or offsets[-1] != total or any(y < x for x, y in zip(offsets, offsets[1:])):
        fail(".ids offsets %s..., %d id bytes" % (offsets[:4], total))
    if w != total.bit_length():
        fail(".ids width %d for %d id bytes" % (w, total))
    ids = [b[p + offsets[d]:p + offsets[d + 1]] for d in range(max_doc)]
    if any(not 1 <= len(i) <= 4096 for i in ids):
        fail(".ids: an id outside 1..4096 bytes")
    return ids


def read_live(path, nonce, max_doc, deleted):  # 4.10: live flag of each doc
    b, s, e = body(path, b"LIVE", nonce)
    words = (max_doc + 63) // 64
    if e - s != 8 + 8 * words:
        fail("%s: body of %d bytes, expected %d" % (path, e - s, 8 + 8 * words))
    stored_max_doc, stored_deleted = struct.unpack_from("<II", b, s)
    bits = int.from_bytes(b[s + 8:e], "little")  # bit d%64 of LE word d/64 = bit d of the whole
    if stored_max_doc != max_doc or bits >> max_doc:
        fail("%s: max_doc %d (segment %d), bits beyond max_doc: %s"
             % (path, stored_max_doc, max_doc, bool(bits >> max_doc)))
    live = [bool(bits >> d & 1) for d in range(max_doc)]
    if stored_deleted != max_doc - sum(live) or stored_deleted != deleted:
        fail("%s: deleted %d, %d bits clear, manifest %d" % (path, stored_deleted, max_doc - sum(live), deleted))
    return live


def zstd_frame_header(b, p, what):  # RFC 8878 3.1.1: (content size, dictionary id or None)
    if b[p:p + 4] != b"\x28\xb5\x2f\xfd":
        fail("%s: not a zstd frame" % what)
    fhd = b[p + 4]
    fcs_flag, single, dict_flag = fhd >> 6, (fhd >> 5) & 1, fhd & 3
    q = p + 5 + (0 if single else 1)
    dict_size = [0, 1, 2, 4][dict_flag]
    dict_id = int.from_bytes(b[q:q + dict_size], "little") if dict_size else None
    q += dict_size
    fcs_size = [1 if single else 0, 2, 4, 8][fcs_flag]
    if fcs_size == 0:
        fail("%s: zstd frame without content size" % what)
    size = int.from_bytes(b[q:q + fcs_size], "little") + (256 if fcs_size == 2 else 0)
    if size > 1 << 31:
        fail("%s: zstd frame of %d bytes" % (what, size))
    return size, dict_id


def read_docs(path, nonce, max_doc):  # 4.9: stored documents (None when zstd is missing), raw bytes
    b, s, e = body(path, b"DOCS", nonce)
    version = u32(b, 8)
    y = u64(b, e - 8)
    if not s <= y <= e - 8:
        fail(".docs trailer at %d" % y)
    p = y
    nblocks, p = varint(b, p)
    first_docs, frames = [], []
    first = offset = 0
    for i in range(nblocks):
        d, p = varint(b, p)
        o, p = varint(b, p)
        n, p = varint(b, p)
        if (i == 0 and d != 0) or (i > 0 and d < 1):
            fail(".docs block %d: first doc delta %d" % (i, d))
        first += d
        offset += o
        first_docs.append(first)
        frames.append((offset, n))
    if (nblocks == 0) != (max_doc == 0) or (first_docs and first_docs[-1] >= max_doc):
        fail(".docs: %d blocks, first docs %s, max_doc %d" % (nblocks, first_docs[-3:], max_doc))
    runs = []  # (first block, names, dictionary offset, dictionary length)
    nruns = 1
    if version >= 3:
        nruns, p = varint(b, p)
        if nruns < 1:
            fail(".docs: no run")
    for r in range(nruns):
        first_block = 0
        if version >= 3:
            first_block, p = varint(b, p)
        count, p = varint(b, p)
        names = []
        for _ in range(count):
            n, p = varint(b, p)
            names.append(b[p:p + n].decode("utf-8"))
            p += n
        dict_offset, p = varint(b, p)
        dict_length, p = varint(b, p)
        if len(set(names)) != len(names):
            fail(".docs run %d: names %s repeat" % (r, names))
        if (dict_offset == 0) != (dict_length == 0):
            fail(".docs run %d: dictionary offset %d, length %d" % (r, dict_offset, dict_length))
        runs.append((first_block, names, dict_offset, dict_length))
    if p != e - 8:
        fail(".docs trailer ends at %d, Y at %d" % (p, e - 8))
    run_firsts = [r[0] for r in runs]
    if run_firsts[0] != 0 or any(y2 <= x for x, y2 in zip(run_firsts, run_firsts[1:])) or \
            (nblocks and run_firsts[-1] >= nblocks):
        fail(".docs runs start at blocks %s of %d" % (run_firsts, nblocks))
    # The body: per run its dictionary then its frames, back to back, then the trailer.
    at = s
    for r, (first_block, names, dict_offset, dict_length) in enumerate(runs):
        if dict_length:
            if dict_offset != at or b[at:at + 4] != b"\x37\xa4\x30\xec" or dict_length > 256 << 10:
                fail(".docs run %d: dictionary at %d (expected %d), %d bytes, not a zstd dictionary of at most 256 KiB"
                     % (r, dict_offset, at, dict_length))
            at += dict_length
        last_block = runs[r + 1][0] if r + 1 < nruns else nblocks
        for i in range(first_block, last_block):
            if frames[i][0] != at:
                fail(".docs block %d at %d, expected %d (frames back to back)" % (i, frames[i][0], at))
            at += frames[i][1]
    if at != y:
        fail(".docs blocks end at %d, trailer at %d" % (at, y))
    documents, raw_bytes = [] if UNZSTD else None, 0
    for r, (first_block, names, dict_offset, dict_length) in enumerate(runs):
        dictionary = b[dict_offset:dict_offset + dict_length]
        dict_id = u32(dictionary, 4) if dictionary else None
        last_block = runs[r + 1][0] if r + 1 < nruns else nblocks
        seen = -1  # names are numbered in order of first appearance within a run
        for i in range(first_block, last_block):
            offset, n = frames[i]
            size, frame_dict = zstd_frame_header(b, offset, ".docs block %d" % i)
            if frame_dict not in (None, 0) and frame_dict != dict_id:
                fail(".docs block %d: frame uses dictionary %d, its run's is %s" % (i, frame_dict, dict_id))
            if not UNZSTD:
                continue
            block = UNZSTD(b[offset:offset + n], dictionary)
            if len(block) != size:
                fail(".docs block %d: %d bytes, the frame says %d" % (i, len(block), size))
            count, q = varint(block, 0)
            expected = (first_docs[i + 1] if i + 1 < nblocks else max_doc) - first_docs[i]
            if count != expected:
                fail(".docs block %d: %d documents, the trailer implies %d" % (i, count, expected))
            lengths = []
            for _ in range(count):
                n, q = varint(block, q)
                lengths.append(n)
            if q + sum(lengths) != len(block):
                fail(".docs block %d: %d bytes, its documents end at %d" % (i, len(block), q + sum(lengths)))
            raw_bytes += sum(lengths)
            # A block closes once its documents reach 128 KiB: all but a run's last block.
            if i + 1 < last_block and not sum(lengths) - lengths[-1] < 128 << 10 <= sum(lengths):
                fail(".docs block %d: documents of %d bytes, %d without the last"
                     % (i, sum(lengths), sum(lengths) - lengths[-1]))
            for n in lengths:
                doc = stored_document(block[q:q + n], names, ".docs doc %d" % len(documents))
                for name, _, _ in doc:
                    index = names.index(name)
                    if index > seen + 1:
                        fail(".docs run %d: name %d appears before name %d" % (r, index, seen + 1))
                    seen = max(seen, index)
                documents.append(doc)
                q += n
        if UNZSTD and seen + 1 != len(names):
            fail(".docs run %d: %d names, %d used" % (r, len(names), seen + 1))
    if documents is not None and len(documents) != max_doc:
        fail(".docs: %d documents, max_doc %d" % (len(documents), max_doc))
    return documents, raw_bytes


def cols_packed(b, p, n, limit, what):  # 4.12: width byte, then packed(n, w), or plain u64 when w = 64
    w = b[p]
    if w == 64 and limit == 64:
        return [u64(b, p + 1 + 8 * i) for i in range(n)], p + 1 + 8 * n
    if w > min(limit, 56):
        fail("%s: width %d" % (what, w))
    return packed(b, p + 1, n, w)


def read_cols(path, nonce, max_doc):  # 4.12: {name: (type, per-doc value)}
    b, s, e = body(path, b"COLS", nonce)
    count, p = varint(b, s)
    columns, names = {}, []
    for _ in range(count):
        n, p = varint(b, p)
        name = b[p:p + n]
        p += n
        names.append(name)
        kind = b[p]
        p += 1
        what = ".cols %s" % name.decode()
        if kind in (1, 2):
            with_value, p = varint(b, p)
            lo, hi, gcd = struct.unpack_from("<qqQ", b, p)
            codes, p = cols_packed(b, p + 24, max_doc, 64, what)
            values = [None if c == 0 else lo + (c - 1) * gcd for c in codes]
            present = [v for v in values if v is not None]
            if len(present) != with_value or hi < lo or gcd < 1:
                fail("%s: %d with value (%d codes), min %d, max %d, gcd %d"
                     % (what, with_value, len(present), lo, hi, gcd))
            if present and (min(present) != lo or max(present) != hi) or not present and lo != 0:
                fail("%s: min %d, max %d; values from %s to %s"
                     % (what, lo, hi, min(present, default=None), max(present, default=None)))
            g = 0
            for v in present:
                g = math.gcd(g, v - lo)
            if gcd != (g or 1):
                fail("%s: gcd %d, the values' %d" % (what, gcd, g or 1))
        elif kind == 0:
            nvalues, p = varint(b, p)
            offsets, p = cols_packed(b, p, nvalues + 1, 32, what + " value offsets")
            if offsets[0] != 0 or any(y < x for x, y in zip(offsets, offsets[1:])):
                fail("%s: value offsets %s" % (what, offsets[:4]))
            strings = [b[p + offsets[i]:p + offsets[i + 1]] for i in range(nvalues)]
            p += offsets[-1]
            if any(y <= x for x, y in zip(strings, strings[1:])):
                fail("%s: values not strictly increasing in byte order" % what)
            doc_offsets, p = cols_packed(b, p, max_doc + 1, 32, what + " document offsets")
            if doc_offsets[0] != 0 or any(y < x for x, y in zip(doc_offsets, doc_offsets[1:])):
                fail("%s: document offsets %s" % (what, doc_offsets[:4]))
            ordinals, p = cols_packed(b, p, doc_offsets[-1], 32, what + " ordinals")
            values = []
            for d in range(max_doc):
                mine = ordinals[doc_offsets[d]:doc_offsets[d + 1]]
                if any(o >= nvalues for o in mine) or any(y <= x for x, y in zip(mine, mine[1:])):
                    fail("%s doc %d: ordinals %s of %d values" % (what, d, mine, nvalues))
                values.append([strings[o] for o in mine])
        else:
            fail("%s: type %d" % (what, kind))
        columns[name.decode()] = (kind, values)
    if p != e:
        fail(".cols: columns end at %d, the body at %d" % (p, e))
    if any(y <= x for x, y in zip(names, names[1:])):
        fail(".cols: names not in strictly increasing byte order: %s" % names)
    return columns


# --- a segment ---------------------------------------------------------------

def check_segment(index_dir, m, seg, inputs):
    max_doc = seg["max_doc"]
    nonce = int(seg["nonce"], 16)
    path = lambda ext: os.path.join(index_dir, seg["name"] + ext)
    info = read_info(path(".info"), seg, nonce)
    tb, _, te = body(path(".terms"), b"TERM", nonce)
    pb, _, _ = body(path(".post"), b"POST", nonce)
    qb, qs, qe = body(path(".pos"), b"POSN", nonce)
    lb, ls, le = body(path(".lens"), b"LENS", nonce)
    version = u32(tb, 8)
    extensions = check_info_files(info, path, version)

    # .lens (4.7)
    p = ls
    nfields, p = varint(lb, p)
    lengths, spans = {}, {}
    for _ in range(nfields):
        number, p = varint(lb, p)
        w = lb[p]
        lengths[number], p = packed(lb, p + 1, max_doc, w)
        v = lb[p]
        spans[number], p = packed(lb, p + 1, max_doc, v)
        if w != max(lengths[number], default=0).bit_length() or v != max(spans[number], default=0).bit_length():
            fail(".lens field %d: widths %d, %d for largest length %d, span %d"
                 % (number, w, v, max(lengths[number]), max(spans[number])))
    if p != le:
        fail(".lens: fields end at %d, the body at %d" % (p, le))

    # .terms block index (4.4)
    x = struct.unpack("<Q", tb[te - 8:te])[0]
    p = x
    nfields, p = varint(tb, p)
    fields = {}
    for _ in range(nfields):
        number, p = varint(tb, p)
        options = tb[p]
        p += 1
        term_count, p = varint(tb, p)
        nblocks, p = varint(tb, p)
        blocks = []
        for _ in range(nblocks):
            n, p = varint(tb, p)
            first = tb[p:p + n]
            p += n
            offset, p = varint(tb, p)
            blocks.append((first, offset))
        fields[number] = (options, term_count, blocks)

    def entries(number):
        options, term_count, blocks = fields[number]
        seen = 0
        for _, offset in blocks:
            p = offset
            n, p = varint(tb, p)
            prev, post, posn = b"", 0, 0
            for _ in range(n):
                shared, p = varint(tb, p)
                n_suffix, p = varint(tb, p)
                term = prev[:shared] + tb[p:p + n_suffix]
                p += n_suffix
                prev = term
                df, p = varint(tb, p)
                e = {"term": term, "df": df}
                if df == 1:
                    e["doc"], p = varint(tb, p)
                    e["freq"] = 1
                    if options >= 1:
                        e["freq"], p = varint(tb, p)
                    if options == 2 and e["freq"] == 1:
                        e["position"], p = varint(tb, p)
                    if options == 2 and e["freq"] >= 2:
                        d, p = varint(tb, p)
                        posn += d
                        e["positions_offset"] = posn
                else:
                    d, p = varint(tb, p)
                    post += d
                    e["postings_offset"] = post
                    if options == 2:
                        d, p = varint(tb, p)
                        posn += d
                        e["positions_offset"] = posn
                seen += 1
                yield e
        if seen != term_count:
            fail("field %d: %d terms in blocks, %d in the index" % (number, seen, term_count))

    def postings(e, options):  # 4.5: term impact, [(docs, freqs, positions offset, impact)] per block
        if e["df"] == 1:
            return None, [([e["doc"]], [e["freq"]], e.get("positions_offset"), None)]
        at = e["postings_offset"]
        term_impact = pb[at:at + 4]
        nb = (e["df"] + 127) // 128
        skip = []
        if nb == 1:
            starts = [(at + 4, e.get("positions_offset"), term_impact)]
        else:
            skip = [struct.unpack_from("<III4s", pb, at + 4 + 16 * i) for i in range(nb)]
            if options == 2 and skip[0][2] != e["positions_offset"]:
                fail("first skip entry's positions offset is not the dictionary's")
            if options != 2 and any(entry[2] != 0 for entry in skip):
                fail("skip entry positions offset not 0 in a field without positions")
            starts = [(entry[1], entry[2] if options == 2 else None, entry[3]) for entry in skip]
        blocks, last = [], -1
        for bi, (p, pos_at, impact) in enumerate(starts):
            n = 128 if bi < nb - 1 else e["df"] - 128 * (nb - 1)
            docs, freqs = [], []
            if n == 128:
                gaps, p = pfor(pb, p)
                extra, p = pfor(pb, p) if options >= 1 else ([0] * 128, p)
                for g, x in zip(gaps, extra):
                    last += g + 1
                    docs.append(last)
                    freqs.append(x + 1)
            else:
                for _ in range(n):
                    v, p = varint(pb, p)
                    f = 1
                    if options == 0:
                        last += v + 1
                    else:
                        last += (v >> 1) + 1
                        if not v & 1:
                            f, p = varint(pb, p)
                    docs.append(last)
                    freqs.append(f)
            if skip and skip[bi][0] != docs[-1]:
                fail("skip entry %d: last doc %d, the block's %d" % (bi, skip[bi][0], docs[-1]))
            # Blocks before the header are back to back up to it (older format 2 put them after it).
            if nb > 1 and starts[0][0] < at and p != (starts[bi + 1][0] if bi + 1 < nb else at):
                fail("term %r block %d ends at %d, not where the next part starts" % (e["term"], bi, p))
            blocks.append((docs, freqs, pos_at, impact))
        return term_impact, blocks

    def group(offset, docs, freqs, span):  # 4.6: positions of each doc, and the group's end
        p = offset
        firsts_len, p = varint(qb, p)
        unary_len, p = varint(qb, p)
        low_bits = sum((f - 1) * rice_parameter(span[d], f) for d, f in zip(docs, freqs))
        firsts = Bits(qb[p:p + firsts_len + 8])
        unary = Bits(qb[p + firsts_len:p + firsts_len + unary_len + 8])
        low_at = p + firsts_len + unary_len
        low = Bits(qb[low_at:low_at + (low_bits + 7) // 8 + 8])
        out = []
        for d, f in zip(docs, freqs):
            k = rice_parameter(span[d], f)
            pos = [firsts.read(first_position_bits(span[d]))]
            for _ in range(f - 1):
                high = unary.unary()
                pos.append(pos[-1] + 1 + ((high << k) | low.read(k)))
            out.append(pos)
        if (firsts.bit + 7) // 8 != firsts_len or (unary.bit + 7) // 8 != unary_len:
            fail("group at %d: stream lengths do not match the codes" % offset)
        return out, low_at + (low_bits + 7) // 8

    example = {}
    group_bytes = 0
    id_of_doc = [None] * max_doc  # from the id field's postings
    totals = {}  # field number: (terms, postings, positions)
    for number, (options, term_count, _) in sorted(fields.items()):
        freq_sum = [0] * max_doc
        last_position = [-1] * max_doc
        n_postings = 0
        for e in entries(number):
            docs, freqs, positions = [], [], []
            what = "field %d term %r" % (number, e["term"])
            term_impact, blocks = postings(e, options)
            length = (lambda d: 0) if options != 2 else (lambda d: lengths[number][d])
            avgdl = sum(lengths[number]) / max_doc if options == 2 else 1  # over every doc of the segment
            for block_docs, block_freqs, pos_at, impact in blocks:
                if options == 2:
                    if pos_at is not None:
                        block_positions, end = group(pos_at, block_docs, block_freqs, spans[number])
                        group_bytes += end - pos_at
                    else:
                        block_positions = [[e["position"]]]
                    positions += block_positions
                if impact is not None:
                    block_pairs = [(f, length(d)) for d, f in zip(block_docs, block_freqs)]
                    check_impact(impact, block_pairs, avgdl, what + " block")
                docs += block_docs
                freqs += block_freqs
            if term_impact is not None:
                check_impact(term_impact, [(f, length(d)) for d, f in zip(docs, freqs)], avgdl, what)
                if options == 0 and term_impact != b"\x01\x00\x01\x00":
                    fail("%s: id-field impact %s" % (what, term_impact.hex()))
            if any(d >= max_doc for d in docs) or any(b2 <= a for a, b2 in zip(docs, docs[1:])):
                fail("%s: docs %s" % (what, docs[:8]))
            n_postings += len(docs)
            if number == 0:
                for d in docs:
                    if id_of_doc[d] is not None:
                        fail("doc %d has ids %r and %r" % (d, id_of_doc[d], e["term"]))
                    id_of_doc[d] = e["term"]
            for d, f, pos in zip(docs, freqs, positions):
                if len(pos) != f or any(b2 <= a for a, b2 in zip(pos, pos[1:])) or pos[-1] >= spans[number][d]:
                    fail("field %d term %r doc %d: positions %s, span %d"
                         % (number, e["term"], d, pos, spans[number][d]))
                last_position[d] = max(last_position[d], pos[-1])
            for d, f in zip(docs, freqs):
                freq_sum[d] += f
            if number == 2 and e["term"] == b"china":
                example = {"docs": docs, "freqs": freqs, "positions": positions,
                           "postings_offset": e.get("postings_offset"), "positions_offset": e.get("positions_offset")}
        totals[number] = (term_count, n_postings, sum(freq_sum) if options == 2 else 0)
        if options != 2:
            continue
        for d in range(max_doc):
            if freq_sum[d] != lengths[number][d]:
                fail("field %d doc %d: frequencies sum to %d, length %d" % (number, d, freq_sum[d], lengths[number][d]))
            if last_position[d] + 1 != spans[number][d]:
                fail("field %d doc %d: last position %d, span %d" % (number, d, last_position[d], spans[number][d]))
    if group_bytes != qe - qs:
        fail(".pos body is %d bytes, its groups %d" % (qe - qs, group_bytes))

    # .info field statistics (4.2) against what was decoded
    option_names = ["docs", "freqs", "positions"]
    schema_names = ["id"] + [f["name"] for f in m["schema"]["text_fields"]]
    if [f["number"] for f in info["fields"]] != list(range(len(schema_names))) or \
            [f["name"] for f in info["fields"]] != schema_names:
        fail(".info fields %s, schema %s" % ([f["name"] for f in info["fields"]], schema_names))
    for f in info["fields"]:
        number = f["number"]
        options, _, _ = fields[number]
        lens = lengths.get(number, [0] * max_doc)
        with_field = max_doc if number == 0 else sum(1 for n in lens if n > 0)
        decoded = (option_names[options], with_field, sum(lens)) + totals[number]
        stated = (f["options"], f["docs_with_field"], f["sum_length"], f["terms"], f["postings"], f["positions"])
        if decoded != stated:
            fail(".info field %s (options, docs_with_field, sum_length, terms, postings, positions) %s, decoded %s"
                 % (f["name"], stated, decoded))

    # .ids (4.8) against the id field of the dictionary
    ids = read_ids(path(".ids"), nonce, max_doc)
    for d in range(max_doc):
        if ids[d] != id_of_doc[d]:
            fail("doc %d: .ids says %r, the id field %r" % (d, ids[d], id_of_doc[d]))

    # .live (4.10)
    if seg["live_generation"] == 0:
        if seg["deleted"] != 0:
            fail("%s: deleted %d without a .live file" % (seg["name"], seg["deleted"]))
        live = [True] * max_doc
    else:
        live = read_live(path("_%d.live" % seg["live_generation"]), nonce, max_doc, seg["deleted"])
    if max_doc and not any(live):
        fail("%s: every document deleted, yet listed" % seg["name"])
    # An id repeated in a segment: all copies but the newest are deleted (4.3).
    copies = {}
    for d in range(max_doc):
        copies.setdefault(ids[d], []).append(d)
    for i, docs in copies.items():
        if any(live[d] for d in docs[:-1]):
            fail("id %r: docs %s, an older copy is live" % (i, docs))

    # .docs (4.9)
    documents, raw_bytes = read_docs(path(".docs"), nonce, max_doc)
    if documents is not None:
        if raw_bytes != info["stored_raw_bytes"]:
            fail(".info stored_raw_bytes %d, the documents' sizes sum to %d" % (info["stored_raw_bytes"], raw_bytes))
        unstored = {f["name"] for f in m["schema"].get("scalar_fields", []) if not f["stored"]}
        for d, doc in enumerate(documents):
            names = [name for name, _, _ in doc]
            if "id" in names or unstored & set(names) or len(set(names)) != len(names):
                fail("stored doc %d: fields %s" % (d, names))
            record = inputs.get(ids[d].decode())
            if record is None or not live[d]:
                continue  # deleted copies and documents not from --input are not compared
            want = [(k, json_type(v), v) for k, v in record.items()
                    if k != "id" and v is not None and k not in unstored]
            if doc != want:
                fail("stored doc %d (%s): %s, the input %s" % (d, ids[d].decode(), doc, want))

    # .cols (4.12) against the schema and the stored documents
    if "cols" in extensions:
        columns = read_cols(path(".cols"), nonce, max_doc)
        types = {f["name"]: f for f in m["schema"].get("scalar_fields", [])}
        for name, (kind, values) in columns.items():
            field = types.get(name)
            if field is None or field["type"] != ["keyword", "date", "integer"][kind]:
                fail(".cols column %s of type %d; the schema: %s" % (name, kind, field))
            for d in range(max_doc):
                # The value from the stored document, or from the input for a field not stored.
                if field["stored"] and documents is not None:
                    given = [(t, v) for n, t, v in documents[d] if n == name]
                elif not field["stored"] and live[d] and ids[d].decode() in inputs:
                    record = inputs[ids[d].decode()]
                    given = [(json_type(record[name]), record[name])] if record.get(name) is not None else []
                else:
                    continue
                if values[d] != column_value(kind, given):
                    fail(".cols %s doc %d: %r, the document's value %r" % (name, d, values[d], given))
    elif version >= 4:
        fail("%s: version %d without .cols" % (seg["name"], version))

    doc_of_example = next((d for d in range(max_doc) if ids[d] == b"loupe-news-002"), None)
    return {"doc_of_loupe_news_002": doc_of_example, "china": example,
            "live": sum(live), "deleted": max_doc - sum(live), "ids": [i for i, l in zip(ids, live) if l]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index_dir")
    ap.add_argument("--info", help="`loupe info DIR --json` output to compare the document counts with")
    ap.add_argument("--input", action="append", default=[],
                    help="JSON Lines input to compare the stored documents with")
    args = ap.parse_args()
    index_dir = args.index_dir
    names = [f for f in os.listdir(index_dir) if re.fullmatch(r"commit_\d{20}", f)]
    if not names:
        fail("no commit_<20 digits> file")
    manifest = max(names)
    mb, ms, me = body(os.path.join(index_dir, manifest), b"MANI", 0)
    m = json.loads(mb[ms:me])
    if m["generation"] != int(manifest[len("commit_"):]):
        fail("%s: generation %d" % (manifest, m["generation"]))
    segment_names = [seg["name"] for seg in m["segments"]]
    if len(set(segment_names)) != len(segment_names) or not segment_names:
        fail("segments %s" % segment_names)
    for seg in m["segments"]:
        number = re.fullmatch(r"seg_(\d{6,})", seg["name"])
        if not number or int(number[1]) >= m["next_segment"] or not re.fullmatch(r"[0-9a-f]{16}", seg["nonce"]) or \
                seg["deleted"] > seg["max_doc"] or seg["live_generation"] > m["generation"]:
            fail("manifest segment %s (next_segment %d, generation %d)" % (seg, m["next_segment"], m["generation"]))
    skipped = ([] if XXH3 else ["checksums (no xxhash module or libxxhash)"]) + \
        ([] if UNZSTD else ["stored documents, only the .docs structure (no zstd command or zstandard module)"])
    if skipped:
        note("not checked here: " + "; ".join(skipped))
    inputs = {}  # id: the last record with it, as the newest copy replaces the others
    for path in args.input:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                record = json.loads(line)
                inputs[str(record["id"])] = record
    results = [check_segment(index_dir, m, seg, inputs) for seg in m["segments"]]
    live_ids = [i for r in results for i in r["ids"]]
    if len(set(live_ids)) != len(live_ids):
        fail("an id is live in two documents")
    if args.info:
        info = json.load(open(args.info))
        stated = [(s["name"], s["max_doc"], s["deleted"], s["documents"]) for s in info["segments"]]
        decoded = [(seg["name"], seg["max_doc"], r["deleted"], r["live"]) for seg, r in zip(m["segments"], results)]
        if stated != decoded or info["deleted"] != sum(r["deleted"] for r in results) or \
                info["documents"] != len(live_ids):
            fail("loupe info: segments %s, deleted %d, documents %d; decoded %s"
                 % (stated, info["deleted"], info["documents"], decoded))
    first = results[0]
    print(json.dumps({"doc_of_loupe_news_002": first["doc_of_loupe_news_002"], "china": first["china"]}))


if __name__ == "__main__":
    main()
