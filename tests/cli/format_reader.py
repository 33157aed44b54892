#!/usr/bin/env python3
"""An independent reader of a Loupe index, written from docs/FORMAT.md alone.

Decodes every posting and position of every text field of a one-segment
index (PFOR blocks and skip tables included), checks them against the field
lengths and spans, checks
that the positions groups tile .pos exactly, and prints the worked example
of FORMAT.md section 7 (term `china` in `loupe-news-002`) for the caller to
compare. Exits 1 with a message on any disagreement.
"""
import json
import os
import struct
import sys

HEADER, FOOTER = 24, 16


def fail(msg):
    print("FORMAT.md disagreement: " + msg, file=sys.stderr)
    sys.exit(1)


def body(path):
    b = open(path, "rb").read()
    if b[:4] != b"LOUP" or b[-16:-12] != b"LEND":
        fail(path + ": envelope magic")
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
    return vals, p + (n * w + 7) // 8 + 8


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


def main(index_dir):
    manifest = sorted(f for f in os.listdir(index_dir) if f.startswith("commit_"))[-1]
    mb, ms, me = body(os.path.join(index_dir, manifest))
    m = json.loads(mb[ms:me])
    if len(m["segments"]) != 1:
        fail("expected one segment")
    seg = m["segments"][0]
    max_doc = seg["max_doc"]
    path = lambda ext: os.path.join(index_dir, seg["name"] + ext)
    tb, _, te = body(path(".terms"))
    pb, _, _ = body(path(".post"))
    qb, qs, qe = body(path(".pos"))
    lb, ls, _ = body(path(".lens"))

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

    def postings(e, options):  # 4.5: [(docs, freqs, positions offset)] per block
        if e["df"] == 1:
            return [([e["doc"]], [e["freq"]], e.get("positions_offset"))]
        at = e["postings_offset"]
        nb = (e["df"] + 127) // 128
        skip = []
        if nb == 1:
            starts = [(at + 4, e.get("positions_offset"))]
        else:
            skip = [struct.unpack_from("<III", pb, at + 4 + 16 * i) for i in range(nb)]
            if options == 2 and skip[0][2] != e["positions_offset"]:
                fail("first skip entry's positions offset is not the dictionary's")
            starts = [(entry[1], entry[2] if options == 2 else None) for entry in skip]
        blocks, last = [], -1
        for bi, (p, pos_at) in enumerate(starts):
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
            blocks.append((docs, freqs, pos_at))
        return blocks

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
    for number, (options, _, _) in sorted(fields.items()):
        if options != 2:
            continue
        freq_sum = [0] * max_doc
        last_position = [-1] * max_doc
        for e in entries(number):
            docs, freqs, positions = [], [], []
            for block_docs, block_freqs, pos_at in postings(e, options):
                if pos_at is not None:
                    block_positions, end = group(pos_at, block_docs, block_freqs, spans[number])
                    group_bytes += end - pos_at
                else:
                    block_positions = [[e["position"]]]
                docs += block_docs
                freqs += block_freqs
                positions += block_positions
            for d, f, pos in zip(docs, freqs, positions):
                if len(pos) != f or any(b <= a for a, b in zip(pos, pos[1:])) or pos[-1] >= spans[number][d]:
                    fail("field %d term %r doc %d: positions %s, span %d" % (number, e["term"], d, pos, spans[number][d]))
                freq_sum[d] += f
                last_position[d] = max(last_position[d], pos[-1])
            if number == 2 and e["term"] == b"china":
                example = {"docs": docs, "freqs": freqs, "positions": positions,
                           "postings_offset": e.get("postings_offset"), "positions_offset": e.get("positions_offset")}
        for d in range(max_doc):
            if freq_sum[d] != lengths[number][d]:
                fail("field %d doc %d: frequencies sum to %d, length %d" % (number, d, freq_sum[d], lengths[number][d]))
            if last_position[d] + 1 != spans[number][d]:
                fail("field %d doc %d: last position %d, span %d" % (number, d, last_position[d], spans[number][d]))
    if group_bytes != qe - qs:
        fail(".pos body is %d bytes, its groups %d" % (qe - qs, group_bytes))
    ids = {e["term"]: e.get("doc") for e in entries(0)}
    print(json.dumps({"doc_of_loupe_news_002": ids.get(b"loupe-news-002"), "china": example}))


if __name__ == "__main__":
    main(sys.argv[1])
