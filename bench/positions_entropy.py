#!/usr/bin/env python3
"""How close Loupe's position codes come to binary interpolative coding.

usage: bench/positions_entropy.py INDEX_DIR [SAMPLE]   (SAMPLE: share of terms, default 0.02)

Reads the first segment's positions (docs/FORMAT.md 4.6) of a sample of terms with
doc_freq >= 2 through tests/cli/format_reader.py, and prints bits per position of the
current codes and of binary interpolative coding (Moffat and Stuiver, 2000) of each
document's positions within [0, span): with whole-bit codes, and with ideal fractional
codes (log2 of each range, a lower bound for any coder of that recursion). Interpolative
coding gains where positions cluster; the question is whether Loupe's index could shrink
by coding positions differently (bench/RESULTS.md, Indexing).
"""
import json
import math
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cli"))
import format_reader as fr  # noqa: E402


def interpolative_bits(ps, lo, hi, ideal):
    """Bits to code the increasing positions ps inside [lo, hi]."""
    total = 0.0
    stack = [(0, len(ps) - 1, lo, hi)]
    while stack:
        i, j, lo, hi = stack.pop()
        if i > j:
            continue
        m = (i + j) // 2
        r = (hi - (j - m)) - (lo + (m - i)) + 1  # the values ps[m] can take
        if r > 1:
            total += math.log2(r) if ideal else (r - 1).bit_length()
        stack.append((i, m - 1, lo, ps[m] - 1))
        stack.append((m + 1, j, ps[m] + 1, hi))
    return total


def main():
    index_dir = sys.argv[1]
    sample = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
    manifest = sorted(f for f in os.listdir(index_dir) if f.startswith("commit_"))[-1]
    mb, ms, me = fr.body(os.path.join(index_dir, manifest))
    seg = json.loads(mb[ms:me])["segments"][0]
    n_docs = seg["max_doc"]

    def read(ext):
        return fr.body(os.path.join(index_dir, seg["name"] + ext))

    tb, _, te = read(".terms")
    pb, _, _ = read(".post")
    qb, _, _ = read(".pos")
    lb, ls, _ = read(".lens")
    p = ls
    n_fields, p = fr.varint(lb, p)
    spans = {}
    for _ in range(n_fields):
        number, p = fr.varint(lb, p)
        width = lb[p]
        _, p = fr.packed(lb, p + 1, n_docs, width)
        width = lb[p]
        spans[number], p = fr.packed(lb, p + 1, n_docs, width)
    p = struct.unpack("<Q", tb[te - 8:te])[0]
    n_fields, p = fr.varint(tb, p)
    fields = {}
    for _ in range(n_fields):
        number, p = fr.varint(tb, p)
        options = tb[p]
        p += 1
        _, p = fr.varint(tb, p)
        n_blocks, p = fr.varint(tb, p)
        offsets = []
        for _ in range(n_blocks):
            n, p = fr.varint(tb, p)
            p += n
            offset, p = fr.varint(tb, p)
            offsets.append(offset)
        fields[number] = (options, offsets)

    random.seed(1)
    current = whole = ideal = 0.0
    positions = 0
    for number, (options, offsets) in fields.items():
        if options != 2:
            continue
        span_of = spans[number]
        for offset in offsets:  # dictionary blocks (FORMAT.md 4.4)
            p = offset
            n, p = fr.varint(tb, p)
            post = posn = 0
            for _ in range(n):
                _, p = fr.varint(tb, p)
                suffix, p = fr.varint(tb, p)
                p += suffix
                df, p = fr.varint(tb, p)
                if df == 1:
                    _, p = fr.varint(tb, p)
                    f, p = fr.varint(tb, p)
                    delta, p = fr.varint(tb, p)
                    if f >= 2:
                        posn += delta
                    continue
                delta, p = fr.varint(tb, p)
                post += delta
                delta, p = fr.varint(tb, p)
                posn += delta
                if random.random() > sample:
                    continue
                n_blocks = (df + 127) // 128
                if n_blocks == 1:
                    starts = [(post + 4, posn)]
                else:
                    starts = [struct.unpack_from("<III", pb, post + 4 + 16 * i)[1:] for i in range(n_blocks)]
                last = -1
                for b, (q, group) in enumerate(starts):
                    count = 128 if b < n_blocks - 1 else df - 128 * (n_blocks - 1)
                    docs, freqs = [], []
                    if count == 128:
                        gaps, q = fr.pfor(pb, q)
                        extra, q = fr.pfor(pb, q)
                        for g, x in zip(gaps, extra):
                            last += g + 1
                            docs.append(last)
                            freqs.append(x + 1)
                    else:
                        for _ in range(count):
                            v, q = fr.varint(pb, q)
                            f = 1
                            last += (v >> 1) + 1
                            if not v & 1:
                                f, q = fr.varint(pb, q)
                            docs.append(last)
                            freqs.append(f)
                    g = group
                    firsts_len, g = fr.varint(qb, g)
                    unary_len, g = fr.varint(qb, g)
                    firsts = fr.Bits(qb[g:g + firsts_len + 8])
                    unary = fr.Bits(qb[g + firsts_len:g + firsts_len + unary_len + 8])
                    low = fr.Bits(qb[g + firsts_len + unary_len:])
                    for doc, f in zip(docs, freqs):
                        span = span_of[doc]
                        k = fr.rice_parameter(span, f)
                        ps = [firsts.read(fr.first_position_bits(span))]
                        current += fr.first_position_bits(span)
                        for _ in range(f - 1):
                            high = unary.unary()
                            gap = (high << k) | low.read(k)
                            ps.append(ps[-1] + gap + 1)
                            current += high + 1 + k
                        whole += interpolative_bits(ps, 0, span - 1, False)
                        ideal += interpolative_bits(ps, 0, span - 1, True)
                        positions += f
    print("positions sampled %d" % positions)
    print("bits a position: current %.3f, interpolative %.3f (%+.1f%%), interpolative ideal %.3f (%+.1f%%)"
          % (current / positions, whole / positions, 100 * (whole - current) / current,
             ideal / positions, 100 * (ideal - current) / current))


if __name__ == "__main__":
    main()
