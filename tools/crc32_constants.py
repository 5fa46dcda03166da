#!/usr/bin/env python3
"""Derive the carry-less-multiplication folding constants used by
include/bedrock/eventstream/impl/crc32.ipp, and check the whole folding algorithm
(as the C++ code performs it, register bit for register bit) against zlib.crc32.

Conventions (CRC-32 IEEE, reflected):
  P(x) = x^32 + x^26 + x^23 + x^22 + x^16 + x^12 + x^11 + x^10 + x^8 + x^7 + x^5 + x^4 + x^2 + x + 1
  A 128-bit register holding message bytes has bit i <-> coefficient of x^(127-i) (the first byte's
  least significant bit is the highest-degree coefficient).
  A constant K (degree <= 32) is stored "33-bit reflected": bit j <-> x^(32-j). PCLMULQDQ of a
  64-bit reflected operand (bit i <-> x^(63-i)) by such a constant yields a product whose bit k
  <-> x^(95-k).

Folding a 128-bit block A forward by d bits (A = Ahi*x^64 + Alo, Ahi in the low qword):
  the product lands in a register d bits later whose bit k <-> x^(127-k), i.e. it stands for the
  product times x^32, so  Ahi*x^(d+64) == Ahi*K_lo*x^32  ->  K_lo = x^(d+32) mod P
                          Alo*x^d      == Alo*K_hi*x^32  ->  K_hi = x^(d-32) mod P
  (d = 128*blocks; the C++ table crc32_fold_k holds the pairs for 1..6 blocks.)

Final reduction of a 128-bit remainder R with dwords d0..d3 (d0 the highest coefficients): the CRC
register is R*x^32 mod P = (d0 x^128 + d1 x^96 + d2 x^64 + d3 x^32) mod P. A 32-bit reflected dword
(bit i <-> x^(31-i)) times a 33-bit reflected constant gives bit k <-> x^(63-k), so multiplying d0,
d1, d2 by x^128, x^96, x^64 mod P and XORing d3 into the top dword gives a 64-bit s = top*x^32 + low
congruent to the CRC; top*x^32 mod P is the register after four zero bytes (slicing tables).

Run: python3 tools/crc32_constants.py   (prints the constants, then runs the self-check)
"""
import os
import random
import zlib

P = (1 << 32) | 0x04C11DB7  # normal (non-reflected) representation, bit i <-> x^i


def pmod(a, m=P):
    """a mod m over GF(2)."""
    dm = m.bit_length() - 1
    while a.bit_length() - 1 >= dm:
        a ^= m << (a.bit_length() - 1 - dm)
    return a


def xpow_mod(n):
    return pmod(1 << n)


def reflect(v, bits):
    return int(format(v, "0%db" % bits)[::-1], 2)


def k33(poly):
    """Store a polynomial of degree <= 32 as 33-bit reflected: bit j <-> x^(32-j)."""
    assert poly.bit_length() <= 33
    return reflect(poly, 33)


def fold_pair(d):
    return k33(xpow_mod(d + 32)), k33(xpow_mod(d - 32))


# FOLD_K[d]: fold a 128-bit block forward by d blocks (128*d bits). Row 0 unused.
FOLD_K = [(0, 0)] + [fold_pair(128 * d) for d in range(1, 7)]
# Final reduction of a 128-bit remainder with dwords d0..d3 (d0 highest):
# CRC = (d0 x^128 + d1 x^96 + d2 x^64 + d3 x^32) mod P.
K128 = k33(xpow_mod(128))
K96 = k33(xpow_mod(96))
K64 = k33(xpow_mod(64))


def clmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        b >>= 1
    return r


M64 = (1 << 64) - 1


def lo(x):
    return x & M64


def hi(x):
    return (x >> 64) & M64


def fold(x, d):
    """One block folded forward by d blocks (the C++ crc32_fold with crc32_fold_k[d])."""
    k = FOLD_K[d]
    return clmul(lo(x), k[0]) ^ clmul(hi(x), k[1])


def load(buf, off):
    return int.from_bytes(buf[off:off + 16], "little")


def crc_bitwise(crc, data):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def register_times_x32(top):
    """top * x^32 mod P for a 32-bit reflected value: the raw register after four zero bytes,
    which is what the C++ code reads from four slicing tables."""
    for _ in range(32):
        top = (top >> 1) ^ (0xEDB88320 if top & 1 else 0)
    return top


def reduce128(x):
    """128-bit remainder -> raw register (the C++ crc32_reduce)."""
    d = [(x >> (32 * i)) & 0xFFFFFFFF for i in range(4)]
    s = clmul(d[0], K128) ^ clmul(d[1], K96) ^ clmul(d[2], K64) ^ d[3]  # 64 bits
    return (s >> 32) ^ register_times_x32(s & 0xFFFFFFFF)


def raw_clmul(c, data):
    """The C++ crc32_clmul: raw register in, raw register out, len(data) > 16."""
    n = len(data)
    assert n > 16
    r = (n - 1) % 16 + 1
    # head: bytes 0..r-1 (with the register XORed into bytes 0..3) at the top of a zero block
    first16 = bytearray(data[:16])
    for i in range(4):
        first16[i] ^= (c >> (8 * i)) & 0xFF
    head = int.from_bytes(bytes(16 - r) + bytes(first16[:r]), "little")
    blocks = [head] + [load(data, r + 16 * i) for i in range((n - r) // 16)]
    for i in range(r, 4):  # register bytes past the head land in the first whole block
        blocks[1] ^= ((c >> (8 * i)) & 0xFF) << (8 * (i - r))
    if len(blocks) <= 4:
        lanes, rest = blocks[:-1], []
        last = blocks[-1]
        acc = 0
        for i, b in enumerate(lanes):
            acc ^= fold(b, len(lanes) - i)
    else:
        lanes = blocks[:4]
        i = 4
        while len(blocks) - i >= 4:
            lanes = [fold(lanes[j], 4) ^ blocks[i + j] for j in range(4)]
            i += 4
        rest = blocks[i:]
        seq = lanes + rest
        acc = 0
        for j, b in enumerate(seq[:-1]):
            acc ^= fold(b, len(seq) - 1 - j)
        last = seq[-1]
    return reduce128(acc ^ last)


def main():
    print("P (reflected)  0x%08X" % reflect(P & 0xFFFFFFFF, 32))
    assert k33(P) == (0xEDB88320 << 1) | 1
    print("// crc32_fold_k[d] = {x^(128d+32), x^(128d-32)} mod P, 33-bit reflected")
    for d in range(1, len(FOLD_K)):
        a, b = FOLD_K[d]
        print("    {0x%09X, 0x%09X}, // x^%d, x^%d" % (a, b, 128 * d + 32, 128 * d - 32))
    print("// final reduction")
    print("    x^128 mod P: 0x%09X" % K128)
    print("    x^96  mod P: 0x%09X" % K96)
    print("    x^64  mod P: 0x%09X" % K64)

    rng = random.Random(1)
    lengths = list(range(17, 200)) + [255, 256, 257, 1000, 1024 + 15, 4099, 65536 + 13]
    for n in lengths:
        data = os.urandom(n)
        init = rng.randrange(1 << 32)
        got = raw_clmul(init ^ 0xFFFFFFFF, data) ^ 0xFFFFFFFF
        assert got == zlib.crc32(data, init), n
    print("self-check of the folding algorithm against zlib.crc32: ok (%d lengths)" % len(lengths))


if __name__ == "__main__":
    main()
