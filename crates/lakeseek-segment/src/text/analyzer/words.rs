//! Word segmentation: the UAX #29 words of a text that hold a letter or a
//! digit, exactly as `unicode-segmentation`'s `unicode_word_indices` yields
//! them for the whole text.
//!
//! Most text is ASCII, and segmenting ASCII needs only a handful of the UAX #29
//! rules, so ASCII runs go through a byte scanner implementing exactly those,
//! which skips spaces and punctuation instead of yielding them as segments.
//! `unicode-segmentation` has an ASCII path of its own, but only for strings
//! that are ASCII throughout; so the text is cut into regions at places where
//! UAX #29 always breaks, and one `é` in an abstract sends only the words
//! around it to the general segmenter. Property tests check that the result
//! equals `unicode_word_indices` over the whole text.

use unicode_segmentation::UnicodeSegmentation;

/// Calls `f(start, end)` with the byte range of every word of `text`, in order.
pub(super) fn for_each_word(text: &str, f: &mut impl FnMut(usize, usize)) {
    let bytes = text.as_bytes();
    // Start of the region not yet segmented.
    let mut region_start = 0;
    // Whether the region holds a non-ASCII byte.
    let mut region_ascii = true;
    // The last cut point inside the region, if any: a byte offset just after a
    // separator.
    let mut last_cut = None;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii() {
            if region_ascii {
                // Hand the ASCII part before the last cut to the fast path; the
                // rest joins the non-ASCII region.
                if let Some(cut) = last_cut.take() {
                    segment(text, region_start, cut, f);
                    region_start = cut;
                }
                region_ascii = false;
            }
        } else if is_separator(b) && bytes.get(i + 1).is_none_or(u8::is_ascii) {
            if region_ascii {
                last_cut = Some(i + 1);
            } else {
                segment(text, region_start, i + 1, f);
                region_start = i + 1;
                region_ascii = true;
                last_cut = None;
            }
        }
    }
    segment(text, region_start, bytes.len(), f);
}

/// ASCII whitespace: UAX #29 breaks before it always, and after it unless the
/// next char is another space or an Extend, Format or ZWJ char — none of which
/// is ASCII. So a separator followed by an ASCII byte (or the end) is a point
/// where segmenting the two sides apart changes nothing.
fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

fn segment(text: &str, start: usize, end: usize, f: &mut impl FnMut(usize, usize)) {
    // Cuts lie just after an ASCII byte, hence on char boundaries; `get` keeps
    // that an invariant rather than a panic.
    let Some(region) = text.get(start..end) else {
        return;
    };
    if region.is_ascii() {
        ascii_words(region.as_bytes(), start, f);
    } else {
        for (offset, word) in region.unicode_word_indices() {
            f(start + offset, start + offset + word.len());
        }
    }
}

/// The words of ASCII `bytes` (found at `base` in the text). In ASCII, UAX #29
/// joins letters, digits and `_` (WB5, WB8–WB10, WB13a/b), `.` `'` `:` between
/// two letters (WB6/7) and `.` `'` `,` `;` between two digits (WB11/12), and
/// breaks everywhere else; a word needs a letter or digit.
fn ascii_words(bytes: &[u8], base: usize, f: &mut impl FnMut(usize, usize)) {
    let is_core = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !is_core(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut has_alphanumeric = false;
        while let Some(&b) = bytes.get(i) {
            if is_core(b) {
                has_alphanumeric |= b != b'_';
                i += 1;
                continue;
            }
            // `i > start`: the loop has consumed at least one core byte.
            let (Some(&before), Some(&after)) = (bytes.get(i - 1), bytes.get(i + 1)) else {
                break;
            };
            let joins = match b {
                b'.' | b'\'' => {
                    (before.is_ascii_alphabetic() && after.is_ascii_alphabetic())
                        || (before.is_ascii_digit() && after.is_ascii_digit())
                }
                b':' => before.is_ascii_alphabetic() && after.is_ascii_alphabetic(),
                b',' | b';' => before.is_ascii_digit() && after.is_ascii_digit(),
                _ => false,
            };
            if !joins {
                break;
            }
            i += 1;
        }
        if has_alphanumeric {
            f(base + start, base + i);
        }
    }
}
