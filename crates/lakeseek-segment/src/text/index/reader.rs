//! Opening a text index section: header and region validation, the FST term
//! dictionary, term headers and document lengths.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use fst::{Automaton, IntoStreamer, Streamer};

use super::bound::{BlockBound, MAX_PAIRS};
use super::format::{
    corrupt, get_packed, packed_len, read_u32, ByteReader, BLOCK_LEN, DOC_LEN_PADDING,
    FLAG_POSITIONS, HEADER_LEN, MAGIC, SKIP_STRIDE, SKIP_STRIDE_POSITIONS, VERSION,
};
use super::postings::PostingsCursor;
use super::{TermInfo, TermLoc, TextIndexError};

/// A text index section opened over shared bytes, without copying them.
///
/// Cheap to clone (the bytes are reference-counted).
#[derive(Clone)]
pub struct TextIndexReader {
    bytes: Bytes,
    dict: fst::Map<Bytes>,
    has_positions: bool,
    num_docs: u32,
    total_tokens: u64,
    postings: Range<usize>,
    positions: Range<usize>,
    lens: FlatLens,
}

/// Every document's length, decoded once when the section is opened into
/// an array of the narrowest width that holds them all (one byte a document
/// for most text), so that reading a length while scoring is a single load
/// rather than a walk through the bit-packed blocks' headers. Scoring reads
/// lengths at random, one per scored document: it is the hottest memory
/// access of a query.
#[derive(Clone)]
enum FlatLens {
    U8(Arc<[u8]>),
    U16(Arc<[u16]>),
    U32(Arc<[u32]>),
}

impl std::fmt::Debug for TextIndexReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextIndexReader")
            .field("bytes", &self.bytes.len())
            .field("num_docs", &self.num_docs)
            .field("num_terms", &self.dict.len())
            .field("total_tokens", &self.total_tokens)
            .field("positions", &self.has_positions)
            .finish()
    }
}

impl TextIndexReader {
    /// Opens a section: checks the magic, the version, that the regions
    /// exactly tile the bytes, the dictionary's checksum and the whole
    /// document-length index. Postings are checked lazily, block by block,
    /// as cursors reach them.
    ///
    /// The FST dictionary is the one structure protected by a checksum
    /// rather than by structural checks: corruption of it is detected, but
    /// bytes forged with a matching checksum are outside this guarantee.
    pub fn open(bytes: Bytes) -> Result<Self, TextIndexError> {
        if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
            return Err(TextIndexError::BadMagic);
        }
        let mut r = ByteReader::new(&bytes);
        r.take(MAGIC.len(), "header")?;
        let version = r.u32_le("header")?;
        if version == 0 || version > VERSION {
            return Err(TextIndexError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
        let flags = r.u32_le("header")?;
        if flags & !FLAG_POSITIONS != 0 {
            return Err(corrupt("unknown header flags"));
        }
        let num_docs = r.u32_le("header")?;
        if num_docs == u32::MAX {
            return Err(corrupt("document count"));
        }
        let total_tokens = r.u64_le("header")?;
        let num_terms = r.u64_le("header")?;
        let mut regions = [0usize..0, 0..0, 0..0, 0..0];
        let mut at = HEADER_LEN;
        for region in &mut regions {
            let len = usize::try_from(r.u64_le("header")?).map_err(|_| corrupt("region length"))?;
            let end = at
                .checked_add(len)
                .ok_or_else(|| corrupt("region length"))?;
            *region = at..end;
            at = end;
        }
        debug_assert_eq!(r.position(), HEADER_LEN);
        if at != bytes.len() {
            return Err(corrupt(
                "region lengths do not add up to the section length",
            ));
        }
        let [dict_range, postings, positions, lens_range] = regions;

        let dict = fst::Map::new(bytes.slice(dict_range)).map_err(TextIndexError::Dictionary)?;
        dict.as_fst().verify().map_err(TextIndexError::Dictionary)?;
        if dict.len() as u64 != num_terms {
            return Err(corrupt("term count"));
        }
        let has_positions = flags & FLAG_POSITIONS != 0;
        if !has_positions && !positions.is_empty() {
            return Err(corrupt("positions region without the positions flag"));
        }
        let lens = decode_doc_lens(&bytes, lens_range, num_docs)?;
        Ok(TextIndexReader {
            bytes,
            dict,
            has_positions,
            num_docs,
            total_tokens,
            postings,
            positions,
            lens,
        })
    }

    /// Number of documents (rows) the index covers.
    pub fn num_docs(&self) -> u32 {
        self.num_docs
    }

    /// Sum of all document lengths.
    pub fn total_tokens(&self) -> u64 {
        self.total_tokens
    }

    /// Number of distinct terms.
    pub fn num_terms(&self) -> u64 {
        self.dict.len() as u64
    }

    /// Whether positions are stored (phrase queries need them).
    pub fn has_positions(&self) -> bool {
        self.has_positions
    }

    /// Size of the section in bytes.
    pub fn size_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Number of tokens of `doc`; 0 for a doc id outside the segment.
    pub fn doc_len(&self, doc: u32) -> u32 {
        self.doc_lens().get(doc)
    }

    /// Looks a term up; `Ok(None)` when the segment does not contain it.
    pub fn term(&self, term: &str) -> Result<Option<TermInfo>, TextIndexError> {
        match self.dict.get(term) {
            Some(value) => self.decode_value(value).map(Some),
            None => Ok(None),
        }
    }

    /// All terms the automaton accepts, in byte order, for prefix
    /// (`fst::automaton::Str::new(p).starts_with()`) and fuzzy
    /// (`fst::automaton::Levenshtein`) expansion.
    pub fn terms_matching<A: Automaton>(&self, aut: A) -> TermsMatching<'_, A> {
        TermsMatching {
            stream: self.dict.search(aut).into_stream(),
            reader: self,
        }
    }

    /// Every term, in byte order.
    pub fn terms(&self) -> TermsMatching<'_, fst::automaton::AlwaysMatch> {
        self.terms_matching(fst::automaton::AlwaysMatch)
    }

    /// A cursor over the postings of `info`, positioned on its first document.
    pub fn postings(&self, info: &TermInfo) -> Result<PostingsCursor<'_>, TextIndexError> {
        PostingsCursor::new(self, info)
    }

    pub(crate) fn postings_region(&self) -> &[u8] {
        &self.bytes[self.postings.clone()]
    }

    pub(crate) fn positions_region(&self) -> &[u8] {
        &self.bytes[self.positions.clone()]
    }

    pub(crate) fn doc_lens(&self) -> DocLens<'_> {
        let lens = match &self.lens {
            FlatLens::U8(v) => LensSlice::U8(v),
            FlatLens::U16(v) => LensSlice::U16(v),
            FlatLens::U32(v) => LensSlice::U32(v),
        };
        DocLens {
            lens,
            num_docs: self.num_docs,
        }
    }

    /// Decodes a dictionary value into a checked [`TermInfo`].
    fn decode_value(&self, value: u64) -> Result<TermInfo, TextIndexError> {
        if value & 1 == 1 {
            let doc = (value >> 1) as u32;
            let extra = (value >> 33) as u32;
            if doc >= self.num_docs {
                return Err(corrupt("inline posting doc id"));
            }
            let (tf, position) = if self.has_positions {
                (1, extra)
            } else {
                (extra + 1, 0)
            };
            let len = self.doc_len(doc);
            if tf > len {
                return Err(corrupt("inline posting term frequency"));
            }
            return Ok(TermInfo {
                doc_freq: 1,
                total_term_freq: u64::from(tf),
                bound: BlockBound::single(tf, len),
                loc: TermLoc::Inline { doc, tf, position },
            });
        }
        let postings = self.postings_region();
        let offset = usize::try_from(value >> 1).map_err(|_| corrupt("term offset"))?;
        let rest = postings
            .get(offset..)
            .ok_or_else(|| corrupt("term offset"))?;
        let mut r = ByteReader::new(rest);
        let doc_freq = r.vint("term header")?;
        if doc_freq == 0 || doc_freq > u64::from(self.num_docs) {
            return Err(corrupt("document frequency"));
        }
        let total_term_freq = r
            .vint("term header")?
            .checked_add(doc_freq)
            .filter(|&t| t <= self.total_tokens)
            .ok_or_else(|| corrupt("total term frequency"))?;
        let num_pairs = r.vint("term header")?;
        if num_pairs == 0 || num_pairs > MAX_PAIRS as u64 {
            return Err(corrupt("term bound"));
        }
        let mut pairs = [(0u32, 0u32); MAX_PAIRS];
        for pair in &mut pairs[..num_pairs as usize] {
            let tf = r
                .vint("term header")?
                .checked_add(1)
                .filter(|&m| m <= total_term_freq)
                .and_then(|m| u32::try_from(m).ok())
                .ok_or_else(|| corrupt("term bound"))?;
            let len = u32::try_from(r.vint("term header")?).map_err(|_| corrupt("term bound"))?;
            *pair = (tf, len);
        }
        let min_len = u32::try_from(r.vint("term header")?).map_err(|_| corrupt("term bound"))?;
        let bound = BlockBound::from_pairs(&pairs[..num_pairs as usize], min_len);
        let positions = if self.has_positions {
            usize::try_from(r.vint("term header")?)
                .ok()
                .filter(|&p| p <= self.positions.len())
                .ok_or_else(|| corrupt("positions offset"))?
        } else {
            0
        };
        let body = offset + r.position();
        let doc_freq = doc_freq as u32;
        let blocks = (doc_freq as usize).div_ceil(BLOCK_LEN);
        let skip = if blocks > 1 {
            blocks * self.skip_stride()
        } else {
            0
        };
        if body
            .checked_add(skip)
            .is_none_or(|end| end >= postings.len())
        {
            return Err(corrupt("term record extends past the postings region"));
        }
        Ok(TermInfo {
            doc_freq,
            total_term_freq,
            bound,
            loc: TermLoc::Record { body, positions },
        })
    }

    pub(crate) fn skip_stride(&self) -> usize {
        if self.has_positions {
            SKIP_STRIDE_POSITIONS
        } else {
            SKIP_STRIDE
        }
    }
}

/// Checks the document-length region (header, bit widths, exact size) and
/// decodes every length into a [`FlatLens`].
fn decode_doc_lens(
    bytes: &[u8],
    range: Range<usize>,
    num_docs: u32,
) -> Result<FlatLens, TextIndexError> {
    let what = "document lengths";
    let num_docs = num_docs as usize;
    let blocks = num_docs.div_ceil(BLOCK_LEN);
    let region = &bytes[range];
    let header = blocks * 9;
    if region.len() < header + DOC_LEN_PADDING {
        return Err(corrupt(what));
    }
    let bases = &region[..blocks * 4];
    let starts = &region[blocks * 4..blocks * 8];
    let widths = &region[blocks * 8..header];
    let mut cumulative = 0u64;
    let mut data_len = 0usize;
    for (b, &w) in widths.iter().enumerate() {
        if w > 32 || read_u32(starts, b * 4) != Some(cumulative as u32) {
            return Err(corrupt(what));
        }
        cumulative += u64::from(w);
        let n = (num_docs - b * BLOCK_LEN).min(BLOCK_LEN);
        data_len += packed_len(n, w);
    }
    if cumulative > u64::from(u32::MAX) || region.len() != header + data_len + DOC_LEN_PADDING {
        return Err(corrupt(what));
    }
    let data = &region[header..];
    let mut lens = Vec::with_capacity(num_docs);
    for (b, &bits) in widths.iter().enumerate() {
        let base = read_u32(bases, b * 4).ok_or_else(|| corrupt(what))?;
        let start = read_u32(starts, b * 4).ok_or_else(|| corrupt(what))? as usize * 16;
        let packed = data.get(start..).ok_or_else(|| corrupt(what))?;
        let n = (num_docs - b * BLOCK_LEN).min(BLOCK_LEN);
        lens.extend((0..n).map(|i| base.wrapping_add(get_packed(packed, bits, i))));
    }
    let max = lens.iter().copied().max().unwrap_or(0);
    Ok(if max <= u32::from(u8::MAX) {
        FlatLens::U8(lens.iter().map(|&l| l as u8).collect())
    } else if max <= u32::from(u16::MAX) {
        FlatLens::U16(lens.iter().map(|&l| l as u16).collect())
    } else {
        FlatLens::U32(lens.into())
    })
}

/// A [`FlatLens`] borrowed.
#[derive(Clone, Copy)]
enum LensSlice<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
}

/// Random access to exact document lengths.
#[derive(Clone, Copy)]
pub(crate) struct DocLens<'a> {
    lens: LensSlice<'a>,
    num_docs: u32,
}

impl DocLens<'_> {
    /// Length of `doc`, 0 outside the segment.
    #[inline]
    pub(crate) fn get(&self, doc: u32) -> u32 {
        let i = doc as usize;
        match self.lens {
            LensSlice::U8(v) => v.get(i).map_or(0, |&l| u32::from(l)),
            LensSlice::U16(v) => v.get(i).map_or(0, |&l| u32::from(l)),
            LensSlice::U32(v) => v.get(i).copied().unwrap_or(0),
        }
    }

    /// Documents of the segment.
    pub(crate) fn num_docs(&self) -> u32 {
        self.num_docs
    }

    /// The lengths of those `docs` whose term frequency in `tfs` is at
    /// least `min_tf` into `out[..docs.len()]`; the others' entries are left
    /// as they are (a document that cannot compete needs no length, and
    /// each length read is a likely cache miss). Doc ids outside the
    /// segment read 0.
    #[inline]
    pub(crate) fn get_many(&self, docs: &[u32], tfs: &[u32], min_tf: u32, out: &mut [u32]) {
        match self.lens {
            LensSlice::U8(v) => gather(v, docs, tfs, min_tf, out),
            LensSlice::U16(v) => gather(v, docs, tfs, min_tf, out),
            LensSlice::U32(v) => gather(v, docs, tfs, min_tf, out),
        }
    }
}

/// [`DocLens::get_many`] for one width: a tight loop the compiler keeps
/// branch-light.
#[inline]
fn gather<T: Copy + Into<u32>>(
    lens: &[T],
    docs: &[u32],
    tfs: &[u32],
    min_tf: u32,
    out: &mut [u32],
) {
    for ((&doc, &tf), len) in docs.iter().zip(tfs).zip(out.iter_mut()) {
        if tf >= min_tf {
            *len = lens.get(doc as usize).map_or(0, |&l| l.into());
        }
    }
}

/// Iterator over the terms an automaton accepts, from
/// [`TextIndexReader::terms_matching`].
pub struct TermsMatching<'a, A: Automaton> {
    stream: fst::map::Stream<'a, A>,
    reader: &'a TextIndexReader,
}

impl<A: Automaton> Iterator for TermsMatching<'_, A> {
    type Item = Result<(String, TermInfo), TextIndexError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (key, value) = self.stream.next()?;
        Some(match std::str::from_utf8(key) {
            Ok(term) => self
                .reader
                .decode_value(value)
                .map(|info| (term.to_owned(), info)),
            Err(_) => Err(corrupt("term is not UTF-8")),
        })
    }
}
