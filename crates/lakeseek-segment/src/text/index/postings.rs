//! [`PostingsCursor`]: iteration over one term's postings, block by block.
//!
//! A block of up to 128 documents is decoded at once into fixed arrays (doc
//! ids eagerly, term frequencies lazily, on first use, and positions per
//! chunk of 128, only the chunks holding a document asked for). The
//! skip table gives each block's last doc id, byte range and block-max data,
//! so `seek` and `shallow_seek` pass over blocks without decoding them.
//!
//! Every block is validated as it is decoded: its byte range, bit widths and
//! lengths, and that its doc ids strictly increase, stay below the segment's
//! document count and end on the skip table's last doc id. A cursor that
//! meets corruption stops ([`TERMINATED`]) and keeps the error for
//! [`PostingsCursor::error`]; it never panics and never goes backwards.

use bitpacking::{BitPacker, BitPacker4x};

use super::block::{
    decode_docs, decode_positions_chunk, decode_values, index_positions, PositionsChunk,
};
use super::bound::{len_decode, tf_decode, BlockBound, BOUND_SLOTS, MAX_PAIRS};
use super::format::{
    block_bytes, corrupt, read_u32, BLOCK_LEN, SKIP_BLOCK_END, SKIP_BOUND, SKIP_LAST_DOC,
    SKIP_MIN_LEN, SKIP_POS_END,
};
use super::reader::TextIndexReader;
use super::{TermInfo, TermLoc, TextIndexError, TERMINATED};

/// A cursor over one term's postings in one segment.
///
/// Created positioned on the term's first document. Doc ids only increase;
/// once exhausted the cursor reports [`TERMINATED`].
pub struct PostingsCursor<'a> {
    // The term.
    blocks: &'a [u8],
    skip: &'a [u8],
    positions: &'a [u8],
    pos_base: usize,
    skip_stride: usize,
    has_positions: bool,
    inline: bool,
    doc_freq: u32,
    total_term_freq: u64,
    num_blocks: u32,
    term_bound: BlockBound,
    num_docs: u32,
    packer: BitPacker4x,
    // The decoded block.
    block: u32,
    block_len: usize,
    cur: usize,
    doc: u32,
    block_last: u32,
    tf_at: usize,
    tf_bits: u8,
    freqs_ready: bool,
    docs: [u32; BLOCK_LEN],
    freqs: [u32; BLOCK_LEN],
    // The block whose block-max data is reported; never behind `block`.
    skip_idx: u32,
    // Positions of the decoded block, when asked for: the block's unit,
    // its chunk table, each document's range of values, and the values of
    // the chunks decoded so far (a phrase candidate needs one or two of a
    // block's chunks, not all of them). The cursor only moves forward, so
    // the chunks asked for only move forward too: those before
    // `pos_chunks_done` are decoded or never needed.
    pos_block: u32,
    pos_unit: &'a [u8],
    pos_chunks: Vec<PositionsChunk>,
    pos_chunks_done: usize,
    pos_total: usize,
    pos_values: Vec<u32>,
    error: Option<TextIndexError>,
}

impl<'a> PostingsCursor<'a> {
    pub(crate) fn new(
        reader: &'a TextIndexReader,
        info: &TermInfo,
    ) -> Result<Self, TextIndexError> {
        Self::open(reader, info, true)
    }

    /// A cursor whose first block is not decoded yet: for callers that
    /// visit blocks by their bounds, which position it with
    /// [`PostingsCursor::load_block_at`] before anything else (until then
    /// it reads as exhausted). A term of one inline posting is positioned
    /// as usual.
    pub(crate) fn new_unpositioned(
        reader: &'a TextIndexReader,
        info: &TermInfo,
    ) -> Result<Self, TextIndexError> {
        Self::open(reader, info, false)
    }

    fn open(
        reader: &'a TextIndexReader,
        info: &TermInfo,
        position: bool,
    ) -> Result<Self, TextIndexError> {
        let positions = reader.positions_region();
        let mut cursor = PostingsCursor {
            blocks: &[],
            skip: &[],
            positions,
            pos_base: 0,
            skip_stride: reader.skip_stride(),
            has_positions: reader.has_positions(),
            inline: false,
            doc_freq: info.doc_freq,
            total_term_freq: info.total_term_freq,
            num_blocks: 1,
            term_bound: info.bound,
            num_docs: reader.num_docs(),
            packer: BitPacker4x::new(),
            block: 0,
            block_len: 0,
            cur: 0,
            doc: TERMINATED,
            block_last: TERMINATED,
            tf_at: 0,
            tf_bits: 0,
            freqs_ready: false,
            docs: [0; BLOCK_LEN],
            freqs: [0; BLOCK_LEN],
            skip_idx: 0,
            pos_block: u32::MAX,
            pos_unit: &[],
            pos_chunks: Vec::new(),
            pos_chunks_done: 0,
            pos_total: 0,
            pos_values: Vec::new(),
            error: None,
        };
        match info.loc {
            TermLoc::Inline { doc, tf, position } => {
                if doc >= cursor.num_docs {
                    return Err(corrupt("inline posting doc id"));
                }
                cursor.inline = true;
                cursor.docs[0] = doc;
                cursor.freqs[0] = tf;
                cursor.freqs_ready = true;
                cursor.block_len = 1;
                cursor.doc = doc;
                cursor.block_last = doc;
                cursor.pos_block = 0;
                cursor.pos_total = 1;
                cursor.pos_values.push(position);
            }
            TermLoc::Record { body, positions } => {
                if info.doc_freq == 0 || positions > cursor.positions.len() {
                    return Err(corrupt("term header"));
                }
                let num_blocks = (info.doc_freq as usize).div_ceil(BLOCK_LEN);
                let skip_len = if num_blocks > 1 {
                    num_blocks * cursor.skip_stride
                } else {
                    0
                };
                let postings = reader.postings_region();
                let blocks_at = body
                    .checked_add(skip_len)
                    .ok_or_else(|| corrupt("skip table"))?;
                cursor.skip = postings
                    .get(body..blocks_at)
                    .ok_or_else(|| corrupt("skip table"))?;
                cursor.blocks = postings
                    .get(blocks_at..)
                    .ok_or_else(|| corrupt("skip table"))?;
                cursor.pos_base = positions;
                cursor.num_blocks = num_blocks as u32;
                if position {
                    cursor.load_block(0)?;
                }
            }
        }
        Ok(cursor)
    }

    /// The current document, or [`TERMINATED`].
    #[inline]
    pub fn doc(&self) -> u32 {
        self.doc
    }

    /// Moves to the next document and returns it (or [`TERMINATED`]).
    #[inline]
    pub fn advance(&mut self) -> u32 {
        self.cur += 1;
        if self.cur < self.block_len {
            self.doc = self.docs[self.cur];
            return self.doc;
        }
        self.next_block()
    }

    /// Moves to the first document `>= target` and returns it. A target at or
    /// before the current document leaves the cursor where it is. Blocks that
    /// end before `target` are passed over using the skip table alone.
    #[inline]
    pub fn seek(&mut self, target: u32) -> u32 {
        if target <= self.doc {
            return self.doc;
        }
        if self.block_last < target {
            let j = self.find_block(self.block + 1, target);
            if j >= self.num_blocks {
                return self.terminate();
            }
            if let Err(e) = self.load_block(j) {
                return self.fail(e);
            }
        }
        let live = &self.docs[self.cur.min(self.block_len)..self.block_len];
        // Targets are usually near, often the very next document (a
        // disjunction moving a clause to the candidate it just found).
        // Otherwise count the next 16 docs below the target (branch-free;
        // u32 lanes vectorize four to a register where usize counts took
        // two), then binary-search the rest if needed.
        let k = match live.first() {
            Some(&d) if d < target => {
                let head = live.len().min(16);
                let below = live[..head]
                    .iter()
                    .map(|&d| u32::from(d < target))
                    .sum::<u32>() as usize;
                if below == head {
                    below + live[head..].partition_point(|&d| d < target)
                } else {
                    below
                }
            }
            _ => 0,
        };
        self.cur += k;
        match self.docs.get(self.cur) {
            Some(&d) if self.cur < self.block_len => {
                self.doc = d;
                d
            }
            _ => self.next_block(),
        }
    }

    /// Term frequency in the current document (0 once exhausted).
    #[inline]
    pub fn freq(&mut self) -> u32 {
        if !self.freqs_ready {
            self.decode_freqs();
        }
        if self.cur < self.block_len {
            self.freqs[self.cur]
        } else {
            0
        }
    }

    /// Moves to the first document, from the current one on within the
    /// decoded block, whose term frequency is at least `min_tf`, and
    /// returns it; when the block holds none, to the next block's first
    /// document (whatever its frequency), so that a caller bounding scores
    /// a block at a time sees every block. For a conjunction led by a
    /// common term whose frequency alone rules most documents out.
    #[inline]
    pub fn advance_to_freq(&mut self, min_tf: u32) -> u32 {
        if !self.freqs_ready {
            self.decode_freqs();
        }
        let from = self.cur.min(self.block_len);
        if let Some(off) = self.freqs[from..self.block_len]
            .iter()
            .position(|&f| f >= min_tf)
        {
            self.cur = from + off;
            self.doc = self.docs[self.cur];
            return self.doc;
        }
        self.cur = self.block_len;
        self.next_block()
    }

    /// The decoded block from the current document on: doc ids and term
    /// frequencies, equally long (empty once exhausted). For callers that
    /// score a block at a time.
    #[inline]
    pub fn rest_of_block(&mut self) -> (&[u32], &[u32]) {
        if !self.freqs_ready {
            self.decode_freqs();
        }
        let range = self.cur.min(self.block_len)..self.block_len;
        (&self.docs[range.clone()], &self.freqs[range])
    }

    /// Last doc of the decoded block ([`TERMINATED`] once exhausted).
    #[inline]
    pub fn decoded_block_last(&self) -> u32 {
        self.block_last
    }

    /// Whether any pair of the block-max pointer's block passes `accept`,
    /// read straight from the skip entry (no [`BlockBound`] is built): the
    /// hot test of single-term top-k, once per block passed over. `true`
    /// past the last block and on an unreadable entry (the loosest answer,
    /// which keeps pruning safe; the decode that follows reports the
    /// corruption).
    #[inline]
    pub fn block_any_pair(&self, mut accept: impl FnMut(u32, u32) -> bool) -> bool {
        if self.skip_idx >= self.num_blocks {
            return true;
        }
        if self.num_blocks == 1 {
            return self
                .term_bound
                .pairs()
                .iter()
                .any(|&(tf, len)| accept(tf, len));
        }
        let Some((codes, min_len)) = self.skip_bound_codes(self.skip_idx) else {
            return true;
        };
        let mut any_pair = false;
        for (tf, len) in decode_pairs(codes) {
            any_pair = true;
            if accept(tf, len.max(min_len)) {
                return true;
            }
        }
        // No pair at all is corruption: stay loose.
        !any_pair
    }

    /// Number of postings blocks of the term.
    #[inline]
    pub fn num_blocks(&self) -> u32 {
        self.num_blocks
    }

    /// The score inputs of blocks `from..` as the skip table describes
    /// them, without decoding any block, for callers that rank blocks by
    /// their bounds: for each block `i` filled, `tfs`/`lens` hold
    /// [`BOUND_SLOTS`] `(tf, len)` entries at `i * BOUND_SLOTS`: its
    /// [`MAX_PAIRS`] bound pairs (an unused slot has frequency 0, lengths
    /// raised to the block's shortest, as [`BlockBound`] keeps them), then
    /// its corner `(max_tf, min_len)`; `firsts[i]` is a lower bound of its
    /// first doc id (the previous block's last plus one). A block without
    /// any pair (corruption) gets the loosest inputs, `(u32::MAX, 0)`, so it
    /// is never ranked out. Fills as many blocks as `firsts` holds (and the
    /// arrays `BOUND_SLOTS` times that) and returns how many.
    pub fn bound_inputs(
        &self,
        from: u32,
        tfs: &mut [u32],
        lens: &mut [u32],
        firsts: &mut [u32],
    ) -> Result<usize, TextIndexError> {
        if self.num_blocks <= 1 || from >= self.num_blocks {
            return Ok(0);
        }
        let n = firsts
            .len()
            .min(tfs.len() / BOUND_SLOTS)
            .min(lens.len() / BOUND_SLOTS)
            .min((self.num_blocks - from) as usize);
        let start = from as usize * self.skip_stride;
        let entries = self
            .skip
            .get(start..start + n * self.skip_stride)
            .ok_or_else(|| corrupt("skip table"))?;
        let mut first = match from {
            0 => 0,
            _ => read_u32(self.skip, start - self.skip_stride + SKIP_LAST_DOC)
                .ok_or_else(|| corrupt("skip table"))?
                .saturating_add(1),
        };
        let slots = tfs
            .chunks_exact_mut(BOUND_SLOTS)
            .zip(lens.chunks_exact_mut(BOUND_SLOTS));
        for ((entry, (tf, len)), first_out) in entries
            .chunks_exact(self.skip_stride)
            .zip(slots)
            .zip(firsts.iter_mut())
        {
            let min_len = len_decode(entry[SKIP_MIN_LEN]);
            let codes = &entry[SKIP_BOUND..SKIP_BOUND + 2 * MAX_PAIRS];
            let mut max_tf = 0;
            for (p, code) in codes.chunks_exact(2).enumerate() {
                // An unused slot's frequency code is 0, which decodes to
                // 0 and scores 0.
                tf[p] = tf_decode(code[0]);
                len[p] = len_decode(code[1]).max(min_len);
                max_tf = max_tf.max(tf[p]);
            }
            if max_tf == 0 {
                tf[..MAX_PAIRS].fill(u32::MAX);
                len[..MAX_PAIRS].fill(0);
                (tf[MAX_PAIRS], len[MAX_PAIRS]) = (u32::MAX, 0);
            } else {
                (tf[MAX_PAIRS], len[MAX_PAIRS]) = (max_tf, min_len);
            }
            *first_out = first;
            let last = read_u32(entry, SKIP_LAST_DOC).ok_or_else(|| corrupt("skip table"))?;
            first = last.saturating_add(1);
        }
        Ok(n)
    }

    /// Decodes block `j` and puts the cursor (and its block-max pointer) on
    /// its first document, in any order: for callers that visit blocks by
    /// their bounds rather than by doc id. Every check of the block itself
    /// still applies; after it the cursor moves forward from there as usual.
    pub fn load_block_at(&mut self, j: u32) -> Result<(), TextIndexError> {
        if j >= self.num_blocks || self.inline {
            return Err(corrupt("block number"));
        }
        // Forget the block the cursor was on: going back is intended here.
        self.block_len = 0;
        self.pos_block = u32::MAX;
        self.skip_idx = j;
        match self.load_block(j) {
            Ok(()) => {
                self.skip_idx = j;
                Ok(())
            }
            Err(e) => {
                self.terminate();
                Err(e)
            }
        }
    }

    /// `(max_tf, min_len)` of the block the block-max pointer is on, read
    /// straight from the skip entry: no document of the block has a larger
    /// term frequency or a shorter length, so (scores rising with the
    /// frequency and falling with the length, step by step in `f32`) the
    /// score of this corner bounds every document's score exactly, with no
    /// rounding slack. `(u32::MAX, 0)`, the loosest corner, past the last
    /// block and on an unreadable entry.
    #[inline]
    pub fn block_corner(&self) -> (u32, u32) {
        if self.skip_idx >= self.num_blocks {
            return (u32::MAX, 0);
        }
        if self.num_blocks == 1 {
            return self.term_bound.corner();
        }
        let Some((codes, min_len)) = self.skip_bound_codes(self.skip_idx) else {
            return (u32::MAX, 0);
        };
        let max_tf = decode_pairs(codes).map(|(tf, _)| tf).max();
        // No pair at all is corruption: stay loose.
        max_tf.map_or((u32::MAX, 0), |tf| (tf, min_len))
    }

    /// The raw `(tf, len)` pair codes and the decoded shortest length of
    /// skip entry `j`; `None` when the entry is out of the skip table.
    #[inline]
    fn skip_bound_codes(&self, j: u32) -> Option<(&[u8], u32)> {
        let entry = j as usize * self.skip_stride;
        let codes = self
            .skip
            .get(entry + SKIP_BOUND..entry + SKIP_BOUND + 2 * MAX_PAIRS)?;
        let min_len = *self.skip.get(entry + SKIP_MIN_LEN)?;
        Some((codes, len_decode(min_len)))
    }

    /// A lower bound on the length of every document of the block the
    /// block-max pointer is on (0 past the end or on an unreadable entry,
    /// the loosest answer).
    #[inline]
    pub fn block_min_len(&self) -> u32 {
        self.min_len_of(self.skip_idx)
    }

    /// [`PostingsCursor::block_min_len`] of the decoded block (the one the
    /// current document is in), and that block's number.
    #[inline]
    pub fn decoded_block_min_len(&self) -> (u32, u32) {
        (self.block, self.min_len_of(self.block))
    }

    #[inline]
    fn min_len_of(&self, block: u32) -> u32 {
        if block >= self.num_blocks {
            return 0;
        }
        if self.num_blocks == 1 {
            return self.term_bound.corner().1;
        }
        self.skip
            .get(block as usize * self.skip_stride + SKIP_MIN_LEN)
            .map_or(0, |&code| len_decode(code))
    }

    /// Positions of the term in the current document, ascending, into `out`
    /// (cleared first; left empty once exhausted).
    pub fn positions(&mut self, out: &mut Vec<u32>) -> Result<(), TextIndexError> {
        out.clear();
        if !self.has_positions {
            return Err(TextIndexError::PositionsNotIndexed);
        }
        if self.doc == TERMINATED {
            return Ok(());
        }
        if self.pos_block != self.block {
            if let Err(e) = self.index_block_positions() {
                self.pos_block = u32::MAX;
                return Err(e);
            }
        }
        // A document's values start after those of the documents before it
        // in the block: a vectorized sum over their frequencies, only for
        // the documents asked about (most blocks of a common word serve one
        // phrase candidate, so a table of every document's start would cost
        // a block more than it saves).
        let (start, end) = if self.inline {
            (0, 1)
        } else {
            let cur = self.cur.min(self.block_len.saturating_sub(1));
            let start = sum_freqs(&self.freqs[..cur]) as usize;
            (start, start + self.freqs[cur] as usize)
        };
        if end > start && !self.inline && (end - 1) / BLOCK_LEN >= self.pos_chunks_done {
            self.decode_chunks(start / BLOCK_LEN, (end - 1) / BLOCK_LEN);
        }
        let mut position = 0u32;
        out.extend(self.pos_values[start..end].iter().map(|&delta| {
            position = position.wrapping_add(delta);
            position
        }));
        Ok(())
    }

    /// Moves the block-max pointer to the first block whose last doc is
    /// `>= target` (never backwards, never before the current block) without
    /// decoding anything, and returns that block's last doc, or [`TERMINATED`]
    /// when no block remains.
    #[inline]
    pub fn shallow_seek(&mut self, target: u32) -> u32 {
        if self.skip_idx < self.num_blocks && self.last_doc_of(self.skip_idx) < target {
            self.skip_idx = self.find_block(self.skip_idx, target);
        }
        self.block_last_doc()
    }

    /// Last doc of the block the block-max pointer is on, or [`TERMINATED`].
    #[inline]
    pub fn block_last_doc(&self) -> u32 {
        if self.skip_idx >= self.num_blocks {
            TERMINATED
        } else {
            self.last_doc_of(self.skip_idx)
        }
    }

    /// `(max_tf, min_len)` of the block the block-max pointer is on: no
    /// document of the block has a larger term frequency or a shorter length.
    /// `(0, u32::MAX)` past the last block.
    #[inline]
    pub fn block_max(&self) -> (u32, u32) {
        self.block_bound().corner()
    }

    /// The tighter form of [`PostingsCursor::block_max`]: `(tf, len)` pairs
    /// covering every document of the block (see [`BlockBound`]); in skip
    /// entries frequencies above 254 read as `u32::MAX` and lengths are
    /// rounded down, which keeps the bound valid.
    #[inline]
    pub fn block_bound(&self) -> BlockBound {
        if self.skip_idx >= self.num_blocks {
            return BlockBound::EMPTY;
        }
        if self.num_blocks == 1 {
            return self.term_bound;
        }
        let Some((codes, min_len)) = self.skip_bound_codes(self.skip_idx) else {
            return BlockBound::single(u32::MAX, 0);
        };
        let (pairs, n) = gather_pairs(codes);
        if n == 0 {
            // A block has at least one document: no pair is corruption, and
            // the loosest bound keeps pruning safe.
            return BlockBound::single(u32::MAX, 0);
        }
        BlockBound::from_pairs(&pairs[..n], min_len)
    }

    /// Number of documents of the term.
    pub fn doc_freq(&self) -> u32 {
        self.doc_freq
    }

    /// `(max_tf, min_len)` over all the term's documents.
    pub fn term_max(&self) -> (u32, u32) {
        self.term_bound.corner()
    }

    /// Bound pairs over all the term's documents.
    pub fn term_bound(&self) -> BlockBound {
        self.term_bound
    }

    /// The corruption that stopped this cursor, if any.
    pub fn error(&self) -> Option<&TextIndexError> {
        self.error.as_ref()
    }

    /// Takes the corruption that stopped this cursor, if any.
    pub fn take_error(&mut self) -> Option<TextIndexError> {
        self.error.take()
    }

    fn terminate(&mut self) -> u32 {
        self.doc = TERMINATED;
        self.block_last = TERMINATED;
        self.block_len = 0;
        self.cur = 0;
        self.skip_idx = self.num_blocks;
        TERMINATED
    }

    #[cold]
    fn fail(&mut self, e: TextIndexError) -> u32 {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self.terminate()
    }

    fn next_block(&mut self) -> u32 {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let j = self.block + 1;
        if j >= self.num_blocks {
            return self.terminate();
        }
        match self.load_block(j) {
            Ok(()) => self.doc,
            Err(e) => self.fail(e),
        }
    }

    /// Last doc of block `j` per the skip table (or the decoded single block).
    #[inline]
    fn last_doc_of(&self, j: u32) -> u32 {
        if self.num_blocks == 1 {
            return self.block_last;
        }
        read_u32(self.skip, j as usize * self.skip_stride + SKIP_LAST_DOC).unwrap_or(TERMINATED)
    }

    fn skip_u32(&self, j: u32, field: usize) -> Result<usize, TextIndexError> {
        read_u32(self.skip, j as usize * self.skip_stride + field)
            .map(|v| v as usize)
            .ok_or_else(|| corrupt("skip table"))
    }

    /// The first block `>= from` whose last doc is `>= target`, or
    /// `num_blocks`: a linear probe, then galloping and binary search.
    fn find_block(&self, from: u32, target: u32) -> u32 {
        let n = self.num_blocks;
        let mut lo = from;
        if lo >= n || self.last_doc_of(lo) >= target {
            return lo.min(n);
        }
        // Invariant: last(lo) < target <= last(hi).
        let mut step = 1u32;
        let mut hi;
        loop {
            hi = lo.saturating_add(step);
            if hi >= n - 1 {
                hi = n - 1;
                if self.last_doc_of(hi) < target {
                    return n;
                }
                break;
            }
            if self.last_doc_of(hi) >= target {
                break;
            }
            lo = hi;
            step = step.saturating_mul(2);
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.last_doc_of(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }

    fn block_size(&self, j: u32) -> usize {
        if j + 1 < self.num_blocks {
            BLOCK_LEN
        } else {
            self.doc_freq as usize - (self.num_blocks as usize - 1) * BLOCK_LEN
        }
    }

    /// Decodes the doc ids of block `j` and positions the cursor on its
    /// first document.
    fn load_block(&mut self, j: u32) -> Result<(), TextIndexError> {
        let n = self.block_size(j);
        let multi = self.num_blocks > 1;
        let (start, data) = if multi {
            let start = if j == 0 {
                0
            } else {
                self.skip_u32(j - 1, SKIP_BLOCK_END)?
            };
            let end = self.skip_u32(j, SKIP_BLOCK_END)?;
            let data = self
                .blocks
                .get(start..end)
                .ok_or_else(|| corrupt("block range"))?;
            (start, data)
        } else {
            (0, self.blocks)
        };
        let (doc_bits, tf_bits) = match data {
            [d, t, ..] if *d <= 32 && *t <= 32 => (*d, *t),
            _ => return Err(corrupt("block bit widths")),
        };
        let doc_len = block_bytes(n, doc_bits);
        let need = 2 + doc_len + block_bytes(n, tf_bits);
        if data.len() < need || (multi && data.len() != need) {
            return Err(corrupt("block length"));
        }
        let prev = if j == 0 {
            None
        } else {
            let p = self.skip_u32(j - 1, SKIP_LAST_DOC)? as u32;
            // Blocks are loaded in increasing order: the block before `j`
            // must not end before the block the cursor leaves.
            if self.block_len > 0 && p < self.block_last {
                return Err(corrupt("skip table doc ids"));
            }
            Some(p)
        };
        let packed = &data[2..2 + doc_len];
        decode_docs(&self.packer, prev, packed, doc_bits, &mut self.docs[..n])?;
        let last = self.docs[n - 1];
        if last >= self.num_docs {
            return Err(corrupt("block doc ids"));
        }
        if multi && last != self.last_doc_of(j) {
            return Err(corrupt("block doc ids disagree with the skip table"));
        }
        self.block = j;
        self.block_len = n;
        self.block_last = last;
        self.cur = 0;
        self.doc = self.docs[0];
        self.tf_at = start + 2 + doc_len;
        self.tf_bits = tf_bits;
        self.freqs_ready = false;
        self.skip_idx = self.skip_idx.max(j);
        Ok(())
    }

    fn decode_freqs(&mut self) {
        self.freqs_ready = true;
        let n = self.block_len;
        if n == 0 {
            return;
        }
        let len = block_bytes(n, self.tf_bits);
        let Some(packed) = self.blocks.get(self.tf_at..self.tf_at + len) else {
            // Unreachable: `load_block` checked the length.
            self.freqs[..n].fill(1);
            return;
        };
        decode_values(&self.packer, packed, self.tf_bits, &mut self.freqs[..n]);
        if self.tf_bits < 32 {
            // Below 2^31: a plain add cannot overflow, and vectorizes.
            for f in &mut self.freqs[..n] {
                *f += 1;
            }
        } else {
            for f in &mut self.freqs[..n] {
                *f = f.saturating_add(1);
            }
        }
    }

    /// Reads the chunk table of the current block's positions unit and each
    /// document's range of values; the values are decoded on demand by
    /// [`PostingsCursor::decode_chunks`].
    fn index_block_positions(&mut self) -> Result<(), TextIndexError> {
        let what = "positions";
        if self.inline {
            return Ok(());
        }
        if !self.freqs_ready {
            self.decode_freqs();
        }
        let n = self.block_len;
        let unit = if self.num_blocks > 1 {
            let start = if self.block == 0 {
                0
            } else {
                self.skip_u32(self.block - 1, SKIP_POS_END)?
            };
            let end = self.skip_u32(self.block, SKIP_POS_END)?;
            let at = |off: usize| self.pos_base.checked_add(off);
            let range = at(start).zip(at(end)).ok_or_else(|| corrupt(what))?;
            self.positions
                .get(range.0..range.1)
                .ok_or_else(|| corrupt(what))?
        } else {
            self.positions
                .get(self.pos_base..)
                .ok_or_else(|| corrupt(what))?
        };
        let total = sum_freqs(&self.freqs[..n]);
        if total > self.total_term_freq || u32::try_from(total).is_err() {
            return Err(corrupt(what));
        }
        let exact = self.num_blocks > 1;
        index_positions(unit, total, exact, &mut self.pos_chunks)?;
        self.pos_unit = unit;
        // `index_positions` found every chunk's bytes, so `total` is no
        // more than 128 values per byte of the unit. The buffer never
        // shrinks (values past `total` are stale and never read), so a
        // block does not pay to zero what it is about to decode.
        if self.pos_values.len() < total as usize {
            self.pos_values.resize(total as usize, 0);
        }
        self.pos_total = total as usize;
        self.pos_chunks_done = 0;
        self.pos_block = self.block;
        Ok(())
    }

    /// Decodes the current block's position chunks `first..=last`, but
    /// those already decoded.
    fn decode_chunks(&mut self, first: usize, last: usize) {
        for k in first.max(self.pos_chunks_done)..=last {
            let Some(&chunk) = self.pos_chunks.get(k) else {
                break;
            };
            let from = k * BLOCK_LEN;
            let to = (from + BLOCK_LEN).min(self.pos_total);
            if let Some(out) = self.pos_values.get_mut(from..to) {
                decode_positions_chunk(&self.packer, self.pos_unit, chunk, out);
            }
        }
        self.pos_chunks_done = last + 1;
    }
}

/// The sum of term frequencies, widened so that no block can overflow it
/// (vectorizes).
#[inline]
fn sum_freqs(freqs: &[u32]) -> u64 {
    freqs.iter().map(|&f| u64::from(f)).sum()
}

/// The used `(tf, len)` pairs of a skip entry's bound codes, in a fixed
/// array, and how many there are.
#[inline]
fn gather_pairs(codes: &[u8]) -> ([(u32, u32); MAX_PAIRS], usize) {
    let mut pairs = [(0u32, 0u32); MAX_PAIRS];
    let mut n = 0;
    for pair in decode_pairs(codes).take(MAX_PAIRS) {
        pairs[n] = pair;
        n += 1;
    }
    (pairs, n)
}

/// The `(tf, len)` pairs of a skip entry's bound codes; a zero frequency
/// code marks an unused slot.
#[inline]
fn decode_pairs(codes: &[u8]) -> impl Iterator<Item = (u32, u32)> + '_ {
    codes
        .chunks_exact(2)
        .filter(|c| c[0] != 0)
        .map(|c| (tf_decode(c[0]), len_decode(c[1])))
}
