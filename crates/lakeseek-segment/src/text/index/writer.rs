//! Building a text index section: accumulate postings per term in memory,
//! then encode the dictionary, block postings, positions and document
//! lengths in one pass over the sorted vocabulary.

use bitpacking::{BitPacker, BitPacker4x};

use super::block::{encode_positions, encode_postings};
use super::bound::{cover, len_code, tf_code};
use super::format::{
    bits_for, pack, write_vint, BLOCK_LEN, DOC_LEN_PADDING, FLAG_POSITIONS, HEADER_LEN, MAGIC,
    SKIP_BLOCK_END, SKIP_BOUND, SKIP_LAST_DOC, SKIP_MIN_LEN, SKIP_POS_END, SKIP_STRIDE,
    SKIP_STRIDE_POSITIONS, VERSION,
};
use super::vocab::Vocab;
use super::TextIndexOptions;

/// Accumulates analyzed documents and encodes them as a text index section.
///
/// Documents are numbered in the order they are added, starting at 0; the
/// number is the row index in the segment. A document without tokens still
/// takes its number, with length 0. A document's length is its number of
/// tokens. Positions of a term within a document are stored sorted; repeated
/// `(term, position)` pairs count as separate occurrences.
///
/// Limits: fewer than `u32::MAX` documents, and no single term with 4 GiB or
/// more of encoded postings or positions; [`TextIndexBuilder::add_document`]
/// and [`TextIndexBuilder::finish`] panic beyond them (segments are orders of
/// magnitude smaller).
pub struct TextIndexBuilder {
    positions: bool,
    vocab: Vocab<TermAcc>,
    doc_lens: Vec<u32>,
    total_tokens: u64,
}

/// One term's postings while building: for each document `doc, tf` and,
/// with positions, the `tf` positions in ascending order.
#[derive(Default)]
struct TermAcc {
    /// The last document's id plus one (0: none yet).
    last: u32,
    /// Index in `data` of the last document's tf.
    tf_slot: u32,
    data: Vec<u32>,
}

impl TextIndexBuilder {
    /// An empty builder.
    pub fn new(options: TextIndexOptions) -> Self {
        TextIndexBuilder {
            positions: options.positions,
            vocab: Vocab::new(),
            doc_lens: Vec::new(),
            total_tokens: 0,
        }
    }

    /// Number of documents added so far.
    pub fn num_docs(&self) -> u32 {
        self.doc_lens.len() as u32
    }

    /// Adds the next document, given as `(term, position)` tokens.
    ///
    /// # Panics
    ///
    /// When `u32::MAX - 1` documents were already added.
    pub fn add_document<S: AsRef<str>>(&mut self, tokens: impl IntoIterator<Item = (S, u32)>) {
        let doc = u32::try_from(self.doc_lens.len())
            .ok()
            .filter(|&d| d < u32::MAX)
            .expect("a text index holds fewer than u32::MAX documents");
        let mut len = 0u32;
        for (term, position) in tokens {
            len = len.saturating_add(1);
            let acc = self.vocab.entry(term.as_ref().as_bytes());
            if acc.last != doc + 1 {
                acc.last = doc + 1;
                acc.tf_slot =
                    u32::try_from(acc.data.len() + 1).expect("a term's postings are under 4 GiB");
                acc.data.push(doc);
                acc.data.push(1);
            } else {
                acc.data[acc.tf_slot as usize] += 1;
            }
            if self.positions {
                acc.data.push(position);
                // Keep this document's positions sorted (tokens normally
                // arrive in order, so this loop rarely runs).
                let first = acc.tf_slot as usize + 1;
                let mut i = acc.data.len() - 1;
                while i > first && acc.data[i - 1] > acc.data[i] {
                    acc.data.swap(i - 1, i);
                    i -= 1;
                }
            }
        }
        self.doc_lens.push(len);
        self.total_tokens += u64::from(len);
    }

    /// Encodes the section.
    pub fn finish(self) -> Vec<u8> {
        let TextIndexBuilder {
            positions,
            vocab,
            doc_lens,
            total_tokens,
        } = self;
        let num_terms = vocab.len();
        let sorted = vocab.into_sorted();
        let avg_len = total_tokens as f64 / doc_lens.len().max(1) as f64;
        let mut enc = Encoder::new(positions, &doc_lens, avg_len);
        let mut dict = fst::MapBuilder::memory();
        for (key, acc) in sorted.entries {
            let value = enc.encode_term(&acc);
            drop(acc);
            dict.insert(key.bytes(&sorted.long_keys), value)
                .expect("terms are inserted sorted and unique");
        }
        let dict = dict
            .into_inner()
            .expect("an in-memory FST build does not fail");
        let lens = encode_doc_lens(&doc_lens);

        let mut out = Vec::with_capacity(
            HEADER_LEN + dict.len() + enc.postings.len() + enc.positions.len() + lens.len(),
        );
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        let flags = if positions { FLAG_POSITIONS } else { 0 };
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&(doc_lens.len() as u32).to_le_bytes());
        out.extend_from_slice(&total_tokens.to_le_bytes());
        out.extend_from_slice(&(num_terms as u64).to_le_bytes());
        for region in [&dict, &enc.postings, &enc.positions, &lens] {
            out.extend_from_slice(&(region.len() as u64).to_le_bytes());
        }
        debug_assert_eq!(out.len(), HEADER_LEN);
        out.extend_from_slice(&dict);
        out.extend_from_slice(&enc.postings);
        out.extend_from_slice(&enc.positions);
        out.extend_from_slice(&lens);
        out
    }
}

/// Encodes terms one after another into the postings and positions regions.
struct Encoder<'a> {
    with_positions: bool,
    doc_lens: &'a [u32],
    avg_len: f64,
    pairs: Vec<(u32, u32)>,
    scratch_pairs: Vec<(u32, u32)>,
    block_bounds: Vec<Vec<(u32, u32)>>,
    postings: Vec<u8>,
    positions: Vec<u8>,
    packer: BitPacker4x,
    docs: Vec<u32>,
    tfs: Vec<u32>,
    pos_values: Vec<u32>,
}

impl<'a> Encoder<'a> {
    fn new(with_positions: bool, doc_lens: &'a [u32], avg_len: f64) -> Self {
        Encoder {
            with_positions,
            doc_lens,
            avg_len,
            pairs: Vec::new(),
            scratch_pairs: Vec::new(),
            block_bounds: Vec::new(),
            postings: Vec::new(),
            positions: Vec::new(),
            packer: BitPacker4x::new(),
            docs: Vec::with_capacity(BLOCK_LEN),
            tfs: Vec::with_capacity(BLOCK_LEN),
            pos_values: Vec::new(),
        }
    }

    /// Encodes one term and returns its dictionary value.
    fn encode_term(&mut self, acc: &TermAcc) -> u64 {
        let (mut df, mut ttf) = (0u32, 0u64);
        for_each_doc(acc, self.with_positions, |_, tf| {
            df += 1;
            ttf += u64::from(tf);
        });
        if df == 1 {
            let (doc, tf) = (acc.data[0], acc.data[1]);
            let extra = if self.with_positions {
                (tf == 1).then(|| acc.data[2])
            } else {
                Some(tf - 1)
            };
            if let Some(extra) = extra.filter(|&e| e < 1 << 31) {
                return 1 | (u64::from(doc) << 1) | (u64::from(extra) << 33);
            }
        }

        let value = (self.postings.len() as u64) << 1;
        let doc_lens = self.doc_lens;
        let mut pairs = std::mem::take(&mut self.pairs);
        pairs.clear();
        for_each_doc(acc, self.with_positions, |doc, tf| {
            pairs.push((tf, doc_lens[doc as usize]));
        });
        // Block bounds first; the term's bound covers theirs.
        let mut block_bounds = std::mem::take(&mut self.block_bounds);
        block_bounds.clear();
        for chunk in pairs.chunks(BLOCK_LEN) {
            block_bounds.push(cover(
                chunk.iter().copied(),
                self.avg_len,
                &mut self.scratch_pairs,
            ));
        }
        let term_bound = if block_bounds.len() == 1 {
            block_bounds[0].clone()
        } else {
            cover(
                block_bounds.iter().flatten().copied(),
                self.avg_len,
                &mut self.scratch_pairs,
            )
        };
        write_vint(&mut self.postings, u64::from(df));
        write_vint(&mut self.postings, ttf - u64::from(df));
        write_vint(&mut self.postings, term_bound.len() as u64);
        for &(tf, len) in &term_bound {
            write_vint(&mut self.postings, u64::from(tf - 1));
            write_vint(&mut self.postings, u64::from(len));
        }
        let term_min_len = pairs.iter().map(|p| p.1).min().unwrap_or(0);
        write_vint(&mut self.postings, u64::from(term_min_len));
        if self.with_positions {
            write_vint(&mut self.postings, self.positions.len() as u64);
        }
        let df = df as usize;
        let num_blocks = df.div_ceil(BLOCK_LEN);
        let multi = num_blocks > 1;
        let skip_stride = if self.with_positions {
            SKIP_STRIDE_POSITIONS
        } else {
            SKIP_STRIDE
        };
        let skip_at = self.postings.len();
        if multi {
            self.postings.resize(skip_at + num_blocks * skip_stride, 0);
        }
        let blocks_start = self.postings.len();
        let positions_start = self.positions.len();

        let mut prev: Option<u32> = None;
        let mut block = 0usize;
        let mut i = 0usize;
        let data = &acc.data;
        while i < data.len() {
            self.docs.clear();
            self.tfs.clear();
            self.pos_values.clear();
            while i < data.len() && self.docs.len() < BLOCK_LEN {
                let (doc, tf) = (data[i], data[i + 1]);
                self.docs.push(doc);
                self.tfs.push(tf);
                i += 2;
                if self.with_positions {
                    let ps = &data[i..i + tf as usize];
                    let mut last = 0u32;
                    for &p in ps {
                        self.pos_values.push(p - last);
                        last = p;
                    }
                    i += tf as usize;
                }
            }
            encode_postings(
                &self.packer,
                prev,
                &self.docs,
                &self.tfs,
                &mut self.postings,
            );
            if self.with_positions {
                encode_positions(&self.packer, &self.pos_values, &mut self.positions);
            }
            let last_doc = *self.docs.last().expect("a block holds at least one doc");
            if multi {
                let block_bound = &block_bounds[block];
                let block_end = u32::try_from(self.postings.len() - blocks_start)
                    .expect("a term's postings are under 4 GiB");
                let e = skip_at + block * skip_stride;
                let entry = &mut self.postings[e..e + skip_stride];
                entry[SKIP_LAST_DOC..SKIP_LAST_DOC + 4].copy_from_slice(&last_doc.to_le_bytes());
                entry[SKIP_BLOCK_END..SKIP_BLOCK_END + 4].copy_from_slice(&block_end.to_le_bytes());
                for (k, &(tf, len)) in block_bound.iter().enumerate() {
                    entry[SKIP_BOUND + 2 * k] = tf_code(tf);
                    entry[SKIP_BOUND + 2 * k + 1] = len_code(len);
                }
                let block_min_len = pairs[block * BLOCK_LEN..]
                    .iter()
                    .take(BLOCK_LEN)
                    .map(|p| p.1)
                    .min()
                    .unwrap_or(0);
                entry[SKIP_MIN_LEN] = len_code(block_min_len);
                if self.with_positions {
                    let pos_end = u32::try_from(self.positions.len() - positions_start)
                        .expect("a term's positions are under 4 GiB");
                    entry[SKIP_POS_END..SKIP_POS_END + 4].copy_from_slice(&pos_end.to_le_bytes());
                }
            }
            prev = Some(last_doc);
            block += 1;
        }
        self.pairs = pairs;
        self.block_bounds = block_bounds;
        value
    }
}

/// Calls `f(doc, tf)` for each document of `acc`.
fn for_each_doc(acc: &TermAcc, with_positions: bool, mut f: impl FnMut(u32, u32)) {
    let data = &acc.data;
    let mut i = 0;
    while i < data.len() {
        let (doc, tf) = (data[i], data[i + 1]);
        f(doc, tf);
        i += 2 + if with_positions { tf as usize } else { 0 };
    }
}

/// Encodes document lengths in blocks of 128: per block a base (the
/// minimum), the cumulative bit width of the blocks before it, its own bit
/// width, and then the packed `len - base` values.
fn encode_doc_lens(lens: &[u32]) -> Vec<u8> {
    let num_blocks = lens.len().div_ceil(BLOCK_LEN);
    let mut bases = Vec::with_capacity(num_blocks * 4);
    let mut starts = Vec::with_capacity(num_blocks * 4);
    let mut widths = Vec::with_capacity(num_blocks);
    let mut data = Vec::new();
    let mut cumulative = 0u32;
    let mut rel = [0u32; BLOCK_LEN];
    for block in lens.chunks(BLOCK_LEN) {
        let base = block.iter().copied().min().unwrap_or(0);
        let rel = &mut rel[..block.len()];
        for (r, &l) in rel.iter_mut().zip(block) {
            *r = l - base;
        }
        let bits = bits_for(rel.iter().fold(0, |a, &v| a | v));
        bases.extend_from_slice(&base.to_le_bytes());
        starts.extend_from_slice(&cumulative.to_le_bytes());
        widths.push(bits);
        pack(rel, bits, &mut data);
        cumulative += u32::from(bits);
    }
    let mut out = bases;
    out.extend_from_slice(&starts);
    out.extend_from_slice(&widths);
    out.extend_from_slice(&data);
    out.extend_from_slice(&[0u8; DOC_LEN_PADDING]);
    out
}
