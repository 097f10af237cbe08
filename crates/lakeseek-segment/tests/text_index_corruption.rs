//! Truncated or damaged text index sections are errors or still-valid data,
//! never panics: after a successful open, every term is iterated in full
//! (postings, frequencies, positions, seeks, block-max data) and queries run.

use bytes::Bytes;
use lakeseek_segment::text::bm25::{Bm25Params, CorpusStats, TermWeight};
use lakeseek_segment::text::index::{
    TextIndexBuilder, TextIndexError, TextIndexOptions, TextIndexReader, TERMINATED,
};
use lakeseek_segment::text::search::{count, top_k, Matcher};
use proptest::prelude::*;

/// A corpus with long (multi-block), short and single-document terms.
fn section(positions: bool) -> Vec<u8> {
    let mut b = TextIndexBuilder::new(TextIndexOptions { positions });
    let vocab = [
        "the", "of", "lake", "seek", "parquet", "index", "block", "wand",
    ];
    for d in 0..700u32 {
        let mut tokens = Vec::new();
        for i in 0..(d % 13) {
            let t = vocab[((d * 7 + i * 3) % 8) as usize];
            tokens.push((t.to_owned(), i * 2));
        }
        if d % 50 == 0 {
            tokens.push((format!("unique{d}"), 4));
        }
        if d % 97 == 0 {
            tokens.push((format!("twice{}", d % 3), 1));
            tokens.push((format!("twice{}", d % 3), 9));
        }
        b.add_document(tokens.iter().map(|(t, p)| (t.as_str(), *p)));
    }
    b.finish()
}

/// Reads everything a reader offers; returns the first error.
fn exercise(reader: &TextIndexReader) -> Result<(), TextIndexError> {
    let num_docs = reader.num_docs();
    for d in 0..num_docs.min(2000) {
        reader.doc_len(d);
    }
    let mut buf = Vec::new();
    let mut terms = Vec::new();
    for entry in reader.terms() {
        let (term, info) = entry?;
        terms.push(term);
        let mut c = reader.postings(&info)?;
        let mut last: Option<u32> = None;
        let mut steps = 0u64;
        while c.doc() != TERMINATED {
            let d = c.doc();
            assert!(d < num_docs, "doc id {d} out of range");
            assert!(last.is_none_or(|l| d > l), "doc ids must increase");
            last = Some(d);
            c.freq();
            c.block_max();
            c.block_last_doc();
            if reader.has_positions() {
                // A positions error is a fine outcome; keep iterating.
                let _ = c.positions(&mut buf);
            }
            c.advance();
            steps += 1;
            assert!(steps <= u64::from(num_docs), "cursor does not terminate");
        }
        if let Some(e) = c.take_error() {
            return Err(e);
        }
        let mut c = reader.postings(&info)?;
        let mut t = 0u32;
        while c.doc() != TERMINATED && t < num_docs {
            c.shallow_seek(t);
            c.block_max();
            let d = c.seek(t);
            assert!(d == TERMINATED || d >= t);
            t = t.saturating_add(37);
        }
        if let Some(e) = c.take_error() {
            return Err(e);
        }
    }
    // Queries over the first terms.
    let corpus = CorpusStats {
        num_docs: u64::from(num_docs),
        total_tokens: reader.total_tokens(),
    };
    let w = TermWeight::new(Bm25Params::default(), &corpus, 10, 1.0);
    let or = Matcher::Or(
        terms
            .iter()
            .take(4)
            .map(|t| Matcher::term(reader, t, w))
            .collect::<Result<_, _>>()?,
    );
    top_k(or.clone(), 10, None)?;
    count(or, None)?;
    let and = Matcher::And(
        terms
            .iter()
            .take(2)
            .map(|t| Matcher::term(reader, t, w))
            .collect::<Result<_, _>>()?,
    );
    top_k(and, 10, None)?;
    if reader.has_positions() && terms.len() >= 2 {
        let phrase = [(terms[0].as_str(), 0), (terms[1].as_str(), 1)];
        top_k(Matcher::phrase(reader, &phrase, 0, w)?, 10, None)?;
        top_k(Matcher::phrase(reader, &phrase, 2, w)?, 10, None)?;
    }
    Ok(())
}

fn open_and_exercise(bytes: Vec<u8>) {
    if let Ok(reader) = TextIndexReader::open(Bytes::from(bytes)) {
        let _ = exercise(&reader);
    }
}

#[test]
fn intact_sections_read_cleanly() {
    for positions in [true, false] {
        let reader = TextIndexReader::open(Bytes::from(section(positions))).unwrap();
        exercise(&reader).unwrap();
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = section(true);
    for len in 0..bytes.len() {
        assert!(
            TextIndexReader::open(Bytes::copy_from_slice(&bytes[..len])).is_err(),
            "truncated to {len} of {} bytes",
            bytes.len()
        );
    }
}

#[test]
fn header_errors_are_specific() {
    let bytes = section(true);
    assert!(matches!(
        TextIndexReader::open(Bytes::from_static(b"PAR1")),
        Err(TextIndexError::BadMagic)
    ));
    let mut newer = bytes.clone();
    newer[4] = 9;
    assert!(matches!(
        TextIndexReader::open(Bytes::from(newer)),
        Err(TextIndexError::UnsupportedVersion { found: 9, .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn byte_flips_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..5),
        positions in any::<bool>(),
    ) {
        let mut bytes = section(positions);
        for (at, mask) in &flips {
            let i = at.index(bytes.len());
            bytes[i] ^= mask;
        }
        open_and_exercise(bytes);
    }

    #[test]
    fn flips_after_the_dictionary_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..4),
        positions in any::<bool>(),
    ) {
        // Skip the header and dictionary, which are checked eagerly, to reach
        // the lazily validated postings, positions and document lengths.
        let mut bytes = section(positions);
        let dict_len = u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize;
        let start = 64 + dict_len;
        for (at, mask) in &flips {
            let i = start + at.index(bytes.len() - start);
            bytes[i] ^= mask;
        }
        open_and_exercise(bytes);
    }

    #[test]
    fn truncated_then_flipped_never_panics(
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let bytes = section(true);
        let mut bytes = bytes[..cut.index(bytes.len())].to_vec();
        if !bytes.is_empty() {
            let i = flip.index(bytes.len());
            bytes[i] ^= 0x5a;
        }
        open_and_exercise(bytes);
    }
}

#[test]
fn single_byte_flips_over_postings_positions_and_lengths() {
    for positions in [true, false] {
        let clean = section(positions);
        let dict_len = u64::from_le_bytes(clean[32..40].try_into().unwrap()) as usize;
        let (mut open_errors, mut read_errors, mut clean_reads) = (0, 0, 0);
        for i in (64 + dict_len..clean.len()).step_by(7) {
            let mut bytes = clean.clone();
            bytes[i] ^= 0xa5;
            match TextIndexReader::open(Bytes::from(bytes)) {
                Err(_) => open_errors += 1,
                Ok(reader) => match exercise(&reader) {
                    Err(_) => read_errors += 1,
                    Ok(()) => clean_reads += 1,
                },
            }
        }
        // Damage is mostly detected, while damage to values that any bytes
        // encode validly (a position, a length) reads as different data.
        assert!(
            read_errors > 0 && clean_reads > 0,
            "{open_errors} {read_errors} {clean_reads}"
        );
    }
}
