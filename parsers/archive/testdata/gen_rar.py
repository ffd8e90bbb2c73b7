#!/usr/bin/env python3
"""Writes stored.rar: a RAR 4.x archive with its members stored (method
0x30, no compression), byte for byte as the RAR 4 technical note
(technote.txt of WinRAR) describes the format. No RAR creator is packaged
for Debian (rar is non-free, unrar-free only reads), so this script is how
shoubao gets a real RAR to test its reader (github.com/nwaples/rardecode).

Member names are written the way WinRAR on Chinese Windows writes names
that fit the ANSI code page: GBK bytes, no Unicode flag, '\\' separators.

Usage: stored.rar is written next to this script.
    /usr/bin/python3 gen_rar.py PHOTO DOCX
"""
import os, struct, sys, zlib

def block(head_type, flags, body):
    # HEAD_CRC covers HEAD_TYPE .. end of header; lower 16 bits of CRC32.
    head_size = 7 + len(body)
    rest = struct.pack("<BHH", head_type, flags, head_size) + body
    return struct.pack("<H", zlib.crc32(rest) & 0xFFFF) + rest

def dos_time(y, mo, d, h, mi, s):
    return ((y - 1980) << 25) | (mo << 21) | (d << 16) | (h << 11) | (mi << 5) | (s // 2)

def file_block(name, data):
    raw_name = name.encode("gbk")
    body = struct.pack("<IIBIIBBHI",
                       len(data),                      # PACK_SIZE
                       len(data),                      # UNP_SIZE
                       2,                              # HOST_OS: Win32
                       zlib.crc32(data) & 0xFFFFFFFF,  # FILE_CRC
                       dos_time(2026, 5, 30, 9, 0, 0), # FTIME
                       20,                             # UNP_VER 2.0
                       0x30,                           # METHOD: store
                       len(raw_name),                  # NAME_SIZE
                       0x20)                           # ATTR: archive
    return block(0x74, 0x8000, body + raw_name) + data

photo = open(sys.argv[1], "rb").read()
docx = open(sys.argv[2], "rb").read()
out = b"Rar!\x1a\x07\x00"                      # marker block
out += block(0x73, 0x0000, b"\x00" * 6)         # main archive header
out += file_block("高平市\\活动照片.jpg", photo)
out += file_block("高平市\\活动总结.docx", docx)
out += block(0x7B, 0x4000, b"")                 # end of archive
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stored.rar")
open(path, "wb").write(out)
print("wrote", path, len(out), "bytes")
