#!/usr/bin/env python3
"""Writes tests/corpus/: small crafted files, each built to hit one hole a reader once had (see
tests/corpus/README.md for what each one is and the error it must give). Standard library only;
the files are committed, this script only says how they were made. Run: scripts/make-corpus.py"""
import gzip, json, os, struct, zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "corpus")
LONG = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}


def put(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# ---- DICOM (explicit VR little endian) ----
def el(g, e, vr, val, length=None):
    if isinstance(val, str):
        val = val.encode()
        if len(val) % 2:
            val += b"\0" if vr == b"UI" else b" "
    n = len(val) if length is None else length
    if vr in LONG or vr == b"ZZ":  # ZZ: unknown VR, which the parser reads with a 4-byte length
        return struct.pack("<HH2sHI", g, e, vr, 0, n) + val
    return struct.pack("<HH2sH", g, e, vr, n) + val


def us(g, e, v):
    return el(g, e, b"US", struct.pack("<H", v))


def encapsulated(fragments):
    out = struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF)
    out += struct.pack("<HHI", 0xFFFE, 0xE000, 0)  # empty basic offset table
    for f in fragments:
        if len(f) % 2:
            f += b"\0"
        out += struct.pack("<HHI", 0xFFFE, 0xE000, len(f)) + f
    return out + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def dicom(ts, rows, cols, ba, pixel, photometric="MONOCHROME2", frames=None, rows_el=None, extra=b"",
          meta_group_length=True, deflate=False):
    meta = el(2, 1, b"OB", b"\0\1") + el(2, 2, b"UI", "1.2.840.10008.5.1.4.1.1.4") \
        + el(2, 3, b"UI", "1.2.3.4.5.6.7") + el(2, 0x10, b"UI", ts) + el(2, 0x12, b"UI", "1.2.3.4")
    if meta_group_length:
        meta = el(2, 0, b"UL", struct.pack("<I", len(meta))) + meta
    ds = el(8, 0x16, b"UI", "1.2.840.10008.5.1.4.1.1.4") + el(8, 0x18, b"UI", "1.2.3.4.5.6.7") \
        + el(8, 0x60, b"CS", "MR") + extra + el(0x20, 0x0E, b"UI", "1.2.3.4.5") + us(0x28, 2, 1) \
        + el(0x28, 4, b"CS", photometric)
    if frames is not None:
        ds += el(0x28, 8, b"IS", str(frames))
    ds += rows_el if rows_el is not None else us(0x28, 0x10, rows) + us(0x28, 0x11, cols)
    ds += us(0x28, 0x100, ba) + us(0x28, 0x101, ba) + us(0x28, 0x102, ba - 1) + us(0x28, 0x103, 0)
    ds += pixel
    if deflate:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        ds = c.compress(ds) + c.flush()
    return b"\0" * 128 + b"DICM" + meta + ds


RLE = "1.2.840.10008.1.2.5"
EXPLICIT = "1.2.840.10008.1.2.1"


def rle_header(offsets, n=None):
    n = len(offsets) if n is None else n
    return struct.pack("<16I", n, *(offsets + [0] * (15 - len(offsets))))


def rle_fragment(values):  # 8-bit samples, one literal run per 128 bytes
    seg = b""
    for i in range(0, len(values), 128):
        chunk = bytes(values[i:i + 128])
        seg += bytes([len(chunk) - 1]) + chunk
    return rle_header([64]) + seg


def jpeg_gray(w, h):
    """A baseline 8-bit grayscale JPEG of a flat image: every block DC 0, AC end-of-block."""
    q = b"\xff\xdb" + struct.pack(">H", 67) + b"\0" + b"\1" * 64
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    # One 1-bit code each: DC category 0, AC end-of-block.
    dht = b"\xff\xc4" + struct.pack(">H", 2 + 2 * 17 + 2) + b"\x00" + b"\x01" + b"\0" * 15 + b"\x00" \
        + b"\x10" + b"\x01" + b"\0" * 15 + b"\x00"
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    blocks = ((w + 7) // 8) * ((h + 7) // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    data = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).replace(b"\xff", b"\xff\x00")
    return b"\xff\xd8" + q + sof + dht + sos + data + b"\xff\xd9"


def main():
    os.makedirs(OUT, exist_ok=True)
    px16 = el(0x7FE0, 0x10, b"OW", bytes(32))
    # RLE: a fragment whose header says 0 segments.
    put("rle-zero-segments.dcm", dicom(RLE, 4, 4, 8, encapsulated([rle_header([], n=0) + b"\0" * 16])))
    # RLE: three fragments for one frame (dicom-pixeldata sized its output by fragment count).
    f = rle_fragment(list(range(16)))
    put("rle-extra-fragments.dcm", dicom(RLE, 4, 4, 8, encapsulated([f, f, f])))
    # RLE: a segment that decodes to 2 of the 16 bytes a frame needs.
    put("rle-short-segment.dcm", dicom(RLE, 4, 4, 8, encapsulated([rle_header([64]) + b"\x01\x07\x07"])))
    # RLE: a segment offset past the end of its fragment.
    put("rle-bad-offset.dcm", dicom(RLE, 4, 4, 8, encapsulated([rle_header([9999]) + b"\0" * 16])))
    # JPEG: a 16×16 JPEG in a 4×4 image (dicom-pixeldata copied it into a 16-byte buffer).
    put("jpeg-size-mismatch.dcm", dicom("1.2.840.10008.1.2.4.50", 4, 4, 8, encapsulated([jpeg_gray(16, 16)])))
    # Rows and Columns as 64-bit UV values of 2^32: their product wraps to 0 in u64.
    big = el(0x28, 0x10, b"UV", struct.pack("<Q", 1 << 32)) + el(0x28, 0x11, b"UV", struct.pack("<Q", 1 << 32))
    put("rows-cols-uv-wrap.dcm", dicom(EXPLICIT, 0, 0, 16, px16, rows_el=big))
    # 32768² at 32 bits: 4 GiB of pixels, which wrapped nvox × bytes in a 32-bit usize.
    put("32768sq-32bit.dcm", dicom(EXPLICIT, 32768, 32768, 32, el(0x7FE0, 0x10, b"OB", bytes(64))))
    # An unknown VR ("ZZ"): the parser reads a 4-byte length (here 4026531840 bytes); the old
    # pre-scan read a 2-byte one (0) and never checked the claim.
    put("unknown-vr-length.dcm", dicom(EXPLICIT, 4, 4, 16, px16, extra=el(9, 0x10, b"ZZ", b"", length=0xF0000000)))
    # Deflated data set whose pixel data claims 3 GB (the pre-scan used to skip deflated files).
    lie = struct.pack("<HH2sHI", 0x7FE0, 0x10, b"OW", 0, 3_000_000_000) + bytes(32)
    put("deflated-lying-length.dcm", dicom("1.2.840.10008.1.2.1.99", 4, 4, 16, lie, deflate=True))
    # Deflated data set that is not deflate data at all.
    put("deflated-corrupt.dcm", dicom("1.2.840.10008.1.2.1.99", 4, 4, 16, px16))
    # Native pixel data claiming 3 GB in a file of a few hundred bytes.
    put("lying-pixel-length.dcm", dicom(EXPLICIT, 4, 4, 16, struct.pack("<HH2sHI", 0x7FE0, 0x10, b"OW", 0, 3_000_000_000) + bytes(32)))
    # PALETTE COLOR: values are indices into a colour table, not intensities.
    put("palette-color.dcm", dicom(EXPLICIT, 4, 4, 16, px16, photometric="PALETTE COLOR"))
    # A meta group without its group length (0002,0000): the parser cannot know where it ends.
    put("no-meta-group-length.dcm", dicom(EXPLICIT, 4, 4, 16, px16, meta_group_length=False))
    # JPEG 2000: no decoder in this build.
    put("jpeg2000.dcm", dicom("1.2.840.10008.1.2.4.90", 4, 4, 16, encapsulated([b"\xff\x4f\xff\x51" + bytes(12)])))

    # ---- PNG: 32768² 16-bit gray header over a few bytes of data ----
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32768, 32768, 16, 0, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b"")
    put("png-32768sq-16bit.png", png)

    # ---- NIfTI-1 ----
    def nifti1(dims, datatype, bitpix, vox_offset=352.0):
        h = bytearray(348)
        struct.pack_into("<i", h, 0, 348)
        d = [len(dims)] + list(dims) + [1] * (7 - len(dims))
        struct.pack_into("<8h", h, 40, *d)
        struct.pack_into("<hh", h, 70, datatype, bitpix)
        struct.pack_into("<8f", h, 76, 1, 1, 1, 1, 1, 1, 1, 1)
        struct.pack_into("<f", h, 108, vox_offset)
        h[344:348] = b"n+1\0"
        return bytes(h) + b"\0" * 4
    put("nifti-vox-offset-4g.nii", nifti1([2, 2, 1], 4, 16, vox_offset=4294967296.0) + bytes(8))
    # 1024×1024×128 complex128 = 2 GiB to decompress, from a few hundred bytes of gzip.
    put("nifti-gz-2gib-claim.nii.gz", gzip.compress(nifti1([1024, 1024, 128], 1792, 128) + bytes(4096), mtime=0))
    # 64³ int16 claimed, 100 bytes there.
    put("nifti-gz-truncated.nii.gz", gzip.compress(nifti1([64, 64, 64], 4, 16) + bytes(100), mtime=0))
    put("nifti-dims-32767cubed.nii", nifti1([32767, 32767, 32767], 4, 16) + bytes(16))
    put("text-named.nii", b"this is not an image\n")
    put("empty.nii", b"")

    # ---- NPY ----
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (70000, 70000), }"
    hdr += " " * (-(10 + len(hdr) + 1) % 64) + "\n"
    put("npy-70000sq.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + bytes(16))

    # ---- Weights (CSRW) ----
    def csrw(header, data=b""):
        j = json.dumps(header).encode()
        out = b"CSRW" + struct.pack("<II", 1, len(j)) + j
        return out + b" " * (-len(out) % 4) + data
    coord = {"kind": "coord", "hidden": [128], "max_train_scale": 2.0}
    put("weights-1e9-channels.csrw", csrw({"config": {"encoder": {"channels": 10**9, "blocks": 1, "res_scale": 1.0},
                                                      "decoder": coord}, "tensors": [{"shape": [1], "dtype": "f32", "offset": 0}]}, bytes(4)))
    put("weights-1e12-blocks.csrw", csrw({"config": {"encoder": {"channels": 32, "blocks": 10**12, "res_scale": 1.0},
                                                     "decoder": coord}, "tensors": []}))
    put("weights-truncated-tensor.csrw", csrw({"config": {"encoder": {"channels": 32, "blocks": 1, "res_scale": 1.0},
                                                          "decoder": coord}, "tensors": [{"shape": [32, 1, 3, 3], "dtype": "f32", "offset": 0}]}, bytes(8)))


def seeds(out):
    """Small valid files of every format, for the fuzzers (scripts/fuzz.sh) to start from."""
    os.makedirs(out, exist_ok=True)
    w = lambda n, d: open(os.path.join(out, n), "wb").write(d)
    px = struct.pack("<16H", *range(0, 1600, 100))
    w("native.dcm", dicom(EXPLICIT, 4, 4, 16, el(0x7FE0, 0x10, b"OW", px)))
    w("two-frames.dcm", dicom(EXPLICIT, 4, 2, 16, el(0x7FE0, 0x10, b"OW", px), frames=2))
    w("rle.dcm", dicom(RLE, 4, 4, 8, encapsulated([rle_fragment(list(range(16)))])))
    w("jpeg.dcm", dicom("1.2.840.10008.1.2.4.50", 8, 8, 8, encapsulated([jpeg_gray(8, 8)])))
    w("deflated.dcm", dicom("1.2.840.10008.1.2.1.99", 4, 4, 16, el(0x7FE0, 0x10, b"OW", px), deflate=True))
    w("monochrome1.dcm", dicom(EXPLICIT, 4, 4, 16, el(0x7FE0, 0x10, b"OW", px), photometric="MONOCHROME1"))
    w("series.dcm", dicom(EXPLICIT, 4, 4, 16, el(0x7FE0, 0x10, b"OW", px)) + b"#NEXTFILE#" + dicom(EXPLICIT, 4, 4, 16, el(0x7FE0, 0x10, b"OW", px)))
    def nifti1(dims, datatype, bitpix):
        h = bytearray(348)
        struct.pack_into("<i", h, 0, 348)
        struct.pack_into("<8h", h, 40, len(dims), *dims, *([1] * (7 - len(dims))))
        struct.pack_into("<hh", h, 70, datatype, bitpix)
        struct.pack_into("<8f", h, 76, 1, 1, 1, 2, 1, 1, 1, 1)
        struct.pack_into("<f", h, 108, 352.0)
        h[344:348] = b"n+1\0"
        return bytes(h) + b"\0" * 4
    n = nifti1([4, 4, 2], 4, 16) + struct.pack("<32h", *range(32))
    w("vol.nii", n)
    w("vol.nii.gz", gzip.compress(n, mtime=0))
    w("complex.nii", nifti1([2, 2, 1], 32, 64) + struct.pack("<8f", 1, 2, 3, 4, 5, 6, 7, 8))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    for depth, row in ((8, b"\0" + bytes(range(8))), (16, b"\0" + bytes(range(16)))):
        w(f"gray{depth}.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, depth, 0, 0, 0, 0))
          + chunk(b"IDAT", zlib.compress(row * 8)) + chunk(b"IEND", b""))
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }"
    hdr += " " * (-(10 + len(hdr) + 1) % 64) + "\n"
    w("a.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + struct.pack("<16f", *range(16)))


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        seeds(sys.argv[2])
    else:
        main()
