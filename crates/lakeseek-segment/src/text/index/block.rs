//! The block codec shared by the writer and the cursor: a postings block
//! (doc-id deltas and `tf - 1`, 128 per block) and a positions unit (chunks
//! of up to 128 position deltas). Full runs of 128 use `BitPacker4x`; a
//! partial run uses the scalar LSB-first packer, which is as compact.

use bitpacking::{BitPacker, BitPacker4x};

use super::format::{bits_for, block_bytes, corrupt, pack, unpack, ByteReader, BLOCK_LEN};
use super::TextIndexError;

/// Appends a postings block for `docs` (strictly increasing, after `prev`)
/// and their `tfs` (each at least 1): the two bit widths, then the packed
/// doc-id deltas minus one and the packed `tf - 1`.
pub(crate) fn encode_postings(
    packer: &BitPacker4x,
    prev: Option<u32>,
    docs: &[u32],
    tfs: &[u32],
    out: &mut Vec<u8>,
) {
    let n = docs.len();
    let mut deltas = [0u32; BLOCK_LEN];
    let mut tfs_minus_one = [0u32; BLOCK_LEN];
    for (t, &tf) in tfs_minus_one.iter_mut().zip(tfs) {
        *t = tf - 1;
    }
    let tfs_minus_one = &tfs_minus_one[..n];
    let tf_bits = bits_for(tfs_minus_one.iter().fold(0, |a, &t| a | t));
    if n == BLOCK_LEN {
        let doc_bits = packer.num_bits_strictly_sorted(prev, docs);
        out.push(doc_bits);
        out.push(tf_bits);
        let mut buf = [0u8; 4 * BLOCK_LEN];
        let len = packer.compress_strictly_sorted(prev, docs, &mut buf, doc_bits);
        out.extend_from_slice(&buf[..len]);
        let len = packer.compress(tfs_minus_one, &mut buf, tf_bits);
        out.extend_from_slice(&buf[..len]);
    } else {
        let mut before = prev.unwrap_or(u32::MAX);
        for (d, &doc) in deltas.iter_mut().zip(docs) {
            *d = doc.wrapping_sub(before).wrapping_sub(1);
            before = doc;
        }
        let deltas = &deltas[..n];
        let doc_bits = bits_for(deltas.iter().fold(0, |a, &d| a | d));
        out.push(doc_bits);
        out.push(tf_bits);
        pack(deltas, doc_bits, out);
        pack(tfs_minus_one, tf_bits, out);
    }
}

/// Decodes `out.len()` doc ids packed at `bits` after `prev` (the strictly
/// sorted delta code of [`encode_postings`]), and checks they strictly
/// increase from `prev`. The caller has checked the length of `packed`.
pub(crate) fn decode_docs(
    packer: &BitPacker4x,
    prev: Option<u32>,
    packed: &[u8],
    bits: u8,
    out: &mut [u32],
) -> Result<(), TextIndexError> {
    let n = out.len();
    if n == BLOCK_LEN {
        packer.decompress_strictly_sorted(prev, packed, out, bits);
    } else {
        unpack(packed, bits, out);
        let mut acc = prev.unwrap_or(u32::MAX);
        for d in out.iter_mut() {
            acc = acc.wrapping_add(*d).wrapping_add(1);
            *d = acc;
        }
    }
    // Deltas are at least one, so ids strictly increase unless the sum
    // wrapped around; check element-wise only when it could have.
    let base = prev.map_or(0, |p| u64::from(p) + 1);
    if base + ((n as u64) << bits) > u64::from(u32::MAX) + 1
        && (u64::from(out[0]) < base || out.windows(2).any(|w| w[0] >= w[1]))
    {
        return Err(corrupt("block doc ids"));
    }
    Ok(())
}

/// Decodes `out.len()` values packed at `bits` (term frequencies minus one,
/// or a positions chunk). The caller has checked the length of `packed`.
pub(crate) fn decode_values(packer: &BitPacker4x, packed: &[u8], bits: u8, out: &mut [u32]) {
    if out.len() == BLOCK_LEN {
        packer.decompress(packed, out, bits);
    } else {
        unpack(packed, bits, out);
    }
}

/// Appends the positions unit of one block: `values` (per document, the
/// first position and then the differences) in chunks of up to 128, each a
/// bit width and the packed values.
pub(crate) fn encode_positions(packer: &BitPacker4x, values: &[u32], out: &mut Vec<u8>) {
    let mut buf = [0u8; 4 * BLOCK_LEN];
    for chunk in values.chunks(BLOCK_LEN) {
        let bits = bits_for(chunk.iter().fold(0, |a, &v| a | v));
        out.push(bits);
        if chunk.len() == BLOCK_LEN {
            let len = packer.compress(chunk, &mut buf, bits);
            out.extend_from_slice(&buf[..len]);
        } else {
            pack(chunk, bits, out);
        }
    }
}

/// Where one chunk of a positions unit sits: the byte offset of its packed
/// values within the unit and their bit width.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PositionsChunk {
    pub(crate) at: usize,
    pub(crate) bits: u8,
}

/// Reads the chunk table of a positions unit of `total` values into
/// `chunks` (cleared first) without decoding any value, so a reader can
/// decode only the chunks it needs. Checks everything decoding relies on:
/// each width, that each chunk's bytes are there and, with `exact`, that the
/// unit ends where the values do. Every chunk takes at least its width
/// byte, so a `total` the bytes cannot hold is corruption, caught before
/// anything is allocated.
pub(crate) fn index_positions(
    unit: &[u8],
    total: u64,
    exact: bool,
    chunks: &mut Vec<PositionsChunk>,
) -> Result<(), TextIndexError> {
    let what = "positions";
    if total > (unit.len() as u64).saturating_mul(BLOCK_LEN as u64) {
        return Err(corrupt(what));
    }
    let total = total as usize;
    chunks.clear();
    chunks
        .try_reserve(total.div_ceil(BLOCK_LEN))
        .map_err(|_| corrupt(what))?;
    let mut r = ByteReader::new(unit);
    let mut left = total;
    while left > 0 {
        let c = left.min(BLOCK_LEN);
        let bits = r.u8(what)?;
        if bits > 32 {
            return Err(corrupt(what));
        }
        let at = r.position();
        r.take(block_bytes(c, bits), what)?;
        chunks.push(PositionsChunk { at, bits });
        left -= c;
    }
    if exact && r.position() != unit.len() {
        return Err(corrupt(what));
    }
    Ok(())
}

/// Decodes chunk `chunk` of a unit indexed by [`index_positions`] into
/// `out`, whose length is the chunk's value count.
pub(crate) fn decode_positions_chunk(
    packer: &BitPacker4x,
    unit: &[u8],
    chunk: PositionsChunk,
    out: &mut [u32],
) {
    let len = block_bytes(out.len(), chunk.bits);
    match unit.get(chunk.at..chunk.at + len) {
        Some(packed) => decode_values(packer, packed, chunk.bits, out),
        // Unreachable: `index_positions` checked the chunk's bytes.
        None => out.fill(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole unit of `total` values, decoded as a cursor decodes it:
    /// the chunk table first, then every chunk.
    fn decode_positions(
        packer: &BitPacker4x,
        unit: &[u8],
        total: u64,
        exact: bool,
        out: &mut Vec<u32>,
    ) -> Result<(), TextIndexError> {
        let mut chunks = Vec::new();
        index_positions(unit, total, exact, &mut chunks)?;
        out.clear();
        out.resize(total as usize, 0);
        for (chunk, values) in chunks.into_iter().zip(out.chunks_mut(BLOCK_LEN)) {
            decode_positions_chunk(packer, unit, chunk, values);
        }
        Ok(())
    }

    #[test]
    fn postings_and_positions_round_trip() {
        let packer = BitPacker4x::new();
        for n in [1usize, 5, 127, 128] {
            for prev in [None, Some(7u32), Some(1_000_000)] {
                let start = prev.map_or(0, |p| p + 1);
                let docs: Vec<u32> = (0..n as u32).map(|i| start + i * i + 2 * i).collect();
                let tfs: Vec<u32> = (0..n as u32).map(|i| 1 + (i * 7) % 5).collect();
                let mut out = Vec::new();
                encode_postings(&packer, prev, &docs, &tfs, &mut out);
                let (doc_bits, tf_bits) = (out[0], out[1]);
                let doc_len = block_bytes(n, doc_bits);
                assert_eq!(out.len(), 2 + doc_len + block_bytes(n, tf_bits));
                let mut back = vec![0u32; n];
                decode_docs(&packer, prev, &out[2..2 + doc_len], doc_bits, &mut back).unwrap();
                assert_eq!(back, docs);
                decode_values(&packer, &out[2 + doc_len..], tf_bits, &mut back);
                let back_tfs: Vec<u32> = back.iter().map(|t| t + 1).collect();
                assert_eq!(back_tfs, tfs);
            }
        }
        let values: Vec<u32> = (0..300u32).map(|i| (i * 37) % 1000).collect();
        let mut out = Vec::new();
        encode_positions(&packer, &values, &mut out);
        let mut back = Vec::new();
        decode_positions(&packer, &out, values.len() as u64, true, &mut back).unwrap();
        assert_eq!(back, values);
        assert!(decode_positions(&packer, &out, values.len() as u64 + 1, true, &mut back).is_err());
        assert!(decode_positions(&packer, &out, 299, true, &mut back).is_err());
    }
}
