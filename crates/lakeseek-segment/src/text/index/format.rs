//! Byte-level building blocks of the text index section: the header layout,
//! LEB128 varints, bounds-checked reads and the scalar bit packer used for
//! partial blocks and document lengths. `TEXT_FORMAT.md` beside the crate
//! describes how these pieces are arranged.

use super::TextIndexError;

/// First four bytes of every text index section.
pub(crate) const MAGIC: [u8; 4] = *b"LSTI";
/// The format version this build writes and the newest it reads.
pub(crate) const VERSION: u32 = 1;
/// Length of the fixed header that precedes the regions.
pub(crate) const HEADER_LEN: usize = 64;
/// Header flag: the section stores positions.
pub(crate) const FLAG_POSITIONS: u32 = 1;

/// Documents per postings block, per positions chunk and per document-length
/// block; equal to `BitPacker4x::BLOCK_LEN`.
pub(crate) const BLOCK_LEN: usize = 128;

/// Bytes per skip entry without positions: last doc, block end, bound pairs.
pub(crate) const SKIP_STRIDE: usize = 16;
/// Bytes per skip entry with positions: the above plus the positions end.
pub(crate) const SKIP_STRIDE_POSITIONS: usize = 20;
/// Offsets of the fields of a skip entry.
pub(crate) const SKIP_LAST_DOC: usize = 0;
pub(crate) const SKIP_BLOCK_END: usize = 4;
pub(crate) const SKIP_BOUND: usize = 8;
pub(crate) const SKIP_MIN_LEN: usize = 14;
pub(crate) const SKIP_POS_END: usize = 16;

/// Zero bytes appended to the document-length data so that every value can
/// be read with one unaligned 8-byte load.
pub(crate) const DOC_LEN_PADDING: usize = 8;

/// Shorthand for a corruption error.
pub(crate) fn corrupt(what: &'static str) -> TextIndexError {
    TextIndexError::Corrupt { what }
}

/// Appends `v` as an unsigned LEB128 varint.
pub(crate) fn write_vint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A cursor over untrusted bytes: every read is bounds-checked and fails
/// with [`TextIndexError::Corrupt`] naming `what` is being read.
pub(crate) struct ByteReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        ByteReader { bytes, pos: 0 }
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, TextIndexError> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| corrupt(what))?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn take(
        &mut self,
        len: usize,
        what: &'static str,
    ) -> Result<&'a [u8], TextIndexError> {
        let end = self.pos.checked_add(len).ok_or_else(|| corrupt(what))?;
        let slice = self.bytes.get(self.pos..end).ok_or_else(|| corrupt(what))?;
        self.pos = end;
        Ok(slice)
    }

    pub(crate) fn u32_le(&mut self, what: &'static str) -> Result<u32, TextIndexError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64_le(&mut self, what: &'static str) -> Result<u64, TextIndexError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    /// Reads an unsigned LEB128 varint of at most ten bytes that fits a `u64`.
    pub(crate) fn vint(&mut self, what: &'static str) -> Result<u64, TextIndexError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8(what)?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(corrupt(what));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt(what))
    }
}

/// Reads a little-endian `u32` at `off`, or `None` past the end.
#[inline]
pub(crate) fn read_u32(bytes: &[u8], off: usize) -> Option<u32> {
    let b = bytes.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Bits needed to represent `v` (0 for 0).
#[inline]
pub(crate) fn bits_for(v: u32) -> u8 {
    (32 - v.leading_zeros()) as u8
}

/// Bytes taken by `n` values packed with the scalar packer at `bits` each.
#[inline]
pub(crate) fn packed_len(n: usize, bits: u8) -> usize {
    (n * usize::from(bits)).div_ceil(8)
}

/// Bytes taken by a block of `n` values at `bits` each: a full block uses
/// `BitPacker4x` (16 bytes per bit), a partial one the scalar packer.
#[inline]
pub(crate) fn block_bytes(n: usize, bits: u8) -> usize {
    if n == BLOCK_LEN {
        16 * usize::from(bits)
    } else {
        packed_len(n, bits)
    }
}

/// Packs `values` least-significant-bit first at `bits` bits each (every
/// value must fit), appending `packed_len(values.len(), bits)` bytes.
pub(crate) fn pack(values: &[u32], bits: u8, out: &mut Vec<u8>) {
    if bits == 0 {
        return;
    }
    let bits = u32::from(bits);
    let mut acc = 0u64;
    let mut filled = 0u32;
    for &v in values {
        acc |= u64::from(v) << filled;
        filled += bits;
        while filled >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            filled -= 8;
        }
    }
    if filled > 0 {
        out.push(acc as u8);
    }
}

/// Unpacks `out.len()` values written by [`pack`]. Missing input bytes read
/// as zero; callers check `packed_len` beforehand.
///
/// A run of up to a block's length (every caller's) is copied into a
/// zero-padded buffer first, so that each value is one unaligned 8-byte
/// load, a shift and a mask, with no per-byte loop: this decodes the last,
/// partial block of every term, which is all a rare term has.
pub(crate) fn unpack(bytes: &[u8], bits: u8, out: &mut [u32]) {
    if bits == 0 {
        out.fill(0);
        return;
    }
    let width = usize::from(bits);
    if out.len() > BLOCK_LEN || width > 32 {
        return unpack_bytewise(bytes, bits, out);
    }
    let mut buf = [0u8; 4 * BLOCK_LEN + 8];
    let n = packed_len(out.len(), bits).min(bytes.len());
    buf[..n].copy_from_slice(&bytes[..n]);
    let mask = (1u64 << bits) - 1;
    for (i, o) in out.iter_mut().enumerate() {
        let bit = i * width;
        let at = bit / 8;
        let mut word = [0u8; 8];
        // In bounds: `at` is at most 127 * 32 / 8 = 508 and `buf` has 520 bytes.
        word.copy_from_slice(&buf[at..at + 8]);
        *o = ((u64::from_le_bytes(word) >> (bit % 8)) & mask) as u32;
    }
}

/// [`unpack`] a byte at a time, for runs longer than a block.
fn unpack_bytewise(bytes: &[u8], bits: u8, out: &mut [u32]) {
    let bits = u32::from(bits);
    let mask = (1u64 << bits) - 1;
    let mut acc = 0u64;
    let mut filled = 0u32;
    let mut input = bytes.iter();
    for o in out {
        while filled < bits {
            acc |= u64::from(*input.next().unwrap_or(&0)) << filled;
            filled += 8;
        }
        *o = (acc & mask) as u32;
        acc >>= bits;
        filled -= bits;
    }
}

/// Reads the `index`-th value of a run packed by [`pack`] at `bits` bits,
/// with one unaligned load; the caller guarantees eight readable bytes past
/// the value (see [`DOC_LEN_PADDING`]), otherwise 0 is returned.
#[inline]
pub(crate) fn get_packed(bytes: &[u8], bits: u8, index: usize) -> u32 {
    if bits == 0 {
        return 0;
    }
    let bit = index * usize::from(bits);
    let byte = bit / 8;
    let Some(b) = bytes.get(byte..byte + 8) else {
        return 0;
    };
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    let word = u64::from_le_bytes(a) >> (bit % 8);
    (word & ((1u64 << bits) - 1)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vint_round_trip_and_overflow() {
        let values = [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        let mut buf = Vec::new();
        for &v in &values {
            write_vint(&mut buf, v);
        }
        let mut r = ByteReader::new(&buf);
        for &v in &values {
            assert_eq!(r.vint("v").unwrap(), v);
        }
        assert!(r.vint("v").is_err());
        let too_long = [0xffu8; 11];
        assert!(ByteReader::new(&too_long).vint("v").is_err());
        let overflow = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert!(ByteReader::new(&overflow).vint("v").is_err());
    }

    proptest::proptest! {
        /// The word-at-a-time decoder reads exactly what the byte-at-a-time
        /// one does, for any bytes (short input included) and width.
        #[test]
        fn unpack_agrees_with_the_bytewise_decoder(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            bits in 0u8..=32,
            n in 0usize..=BLOCK_LEN,
        ) {
            let mut fast = vec![7u32; n];
            let mut slow = vec![7u32; n];
            unpack(&bytes, bits, &mut fast);
            if bits == 0 {
                slow.fill(0);
            } else {
                unpack_bytewise(&bytes, bits, &mut slow);
            }
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn pack_round_trip_all_widths() {
        for bits in 0..=32u8 {
            let max = if bits == 0 {
                0
            } else {
                u32::MAX >> (32 - bits)
            };
            let values: Vec<u32> = (0..77u32)
                .map(|i| max.wrapping_sub(i * 7919) & max)
                .collect();
            let mut buf = Vec::new();
            pack(&values, bits, &mut buf);
            assert_eq!(buf.len(), packed_len(values.len(), bits));
            let mut out = vec![0u32; values.len()];
            unpack(&buf, bits, &mut out);
            assert_eq!(out, values);
            buf.extend_from_slice(&[0; DOC_LEN_PADDING]);
            for (i, &v) in values.iter().enumerate() {
                assert_eq!(get_packed(&buf, bits, i), v);
            }
        }
    }
}
