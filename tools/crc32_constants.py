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


def pdiv(a, m=P):
    """floor(a / m) over GF(2)."""
    q = 0
    dm = m.bit_length() - 1
    while a.bit_length() - 1 >= dm:
        s = a.bit_length() - 1 - dm
        q |= 1 << s
        a ^= m << s
    return q


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


CONSTANTS = {
    "fold_512 (4 lanes, loop)": fold_pair(512),
    "fold_384 (lane 0 -> lane 3)": fold_pair(384),
    "fold_256 (lane 1 -> lane 3)": fold_pair(256),
    "fold_128 (lane 2 -> lane 3, 16-byte steps)": fold_pair(128),
}
K96 = k33(xpow_mod(96))       # 128 -> 96 bits: low qword times x^96
K64 = k33(xpow_mod(64))       # 96 -> 64 bits: top 32 bits times x^64
MU = k33(pdiv(1 << 64))       # Barrett: floor(x^64 / P), degree 32
P33 = k33(P)                  # P itself, 33-bit reflected


def clmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        b >>= 1
    return r


M64 = (1 << 64) - 1
M128 = (1 << 128) - 1


def lo(x):
    return x & M64


def hi(x):
    return (x >> 64) & M64


def fold(x, k):
    """One fold of a 128-bit register with constant pair k = (k_lo, k_hi)."""
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


def reduce128(x):
    s = clmul(lo(x), K96) ^ (x >> 64)                     # 96 bits, bit k <-> x^(95-k)
    s2 = clmul(s & 0xFFFFFFFF, K64) ^ (s >> 32)           # 64 bits, bit k <-> x^(63-k)
    q = clmul(s2 & 0xFFFFFFFF, MU) & 0xFFFFFFFF           # floor(top32 * mu / x^32)
    t = clmul(q, P33)
    return ((s2 ^ t) >> 32) & 0xFFFFFFFF


def crc_fold(crc, data):
    """Emulates the C++ fast path: len(data) >= 64."""
    n = len(data)
    assert n >= 64
    k512, k384, k256, k128 = (CONSTANTS[k] for k in CONSTANTS)
    x = [load(data, 16 * i) for i in range(4)]
    x[0] ^= crc ^ 0xFFFFFFFF
    off = 64
    while n - off >= 64:
        x = [fold(x[i], k512) ^ load(data, off + 16 * i) for i in range(4)]
        off += 64
    r = fold(x[0], k384) ^ fold(x[1], k256) ^ fold(x[2], k128) ^ x[3]
    while n - off >= 16:
        r = fold(r, k128) ^ load(data, off)
        off += 16
    c = reduce128(r) ^ 0xFFFFFFFF
    return crc_bitwise(c, data[off:])


def main():
    print("P (reflected)      0x%08X" % reflect(P & 0xFFFFFFFF, 32))
    for name, (a, b) in CONSTANTS.items():
        print("%-44s lo 0x%09X  hi 0x%09X" % (name, a, b))
    print("%-44s    0x%09X" % ("x^96 mod P", K96))
    print("%-44s    0x%09X" % ("x^64 mod P", K64))
    print("%-44s    0x%09X" % ("mu = floor(x^64 / P)", MU))
    print("%-44s    0x%09X" % ("P", P33))
    assert P33 == (0xEDB88320 << 1) | 1

    rng = random.Random(1)
    for n in list(range(64, 300)) + [1000, 4099, 65536 + 13]:
        data = os.urandom(n) if n > 1000 else bytes(rng.randrange(256) for _ in range(n))
        init = rng.randrange(1 << 32)
        assert crc_fold(init, data) == zlib.crc32(data, init), n
    print("self-check against zlib.crc32: ok")


if __name__ == "__main__":
    main()
