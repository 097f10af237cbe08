//! Analyzers: what each pipeline makes of real text, the registry of names,
//! and the guarantees every analyzer gives on arbitrary input.

use lakeseek_segment::text::analyzer::{
    analyzer, known_analyzers, AnalyzerError, NgramSpecError, Token, MAX_TERM_BYTES,
};
use proptest::prelude::*;

fn terms(name: &str, text: &str) -> Vec<String> {
    analyzer(name)
        .unwrap()
        .analyze(text)
        .into_iter()
        .map(|t| t.term)
        .collect()
}

fn tok(term: &str, position: u32, start: usize, end: usize) -> Token {
    Token {
        term: term.to_owned(),
        position,
        start,
        end,
    }
}

#[test]
fn english_drops_stop_words_stems_and_folds_keeping_positions_and_offsets() {
    let text = "The Running Foxes' café";
    let tokens = analyzer("english").unwrap().analyze(text);
    assert_eq!(
        tokens,
        vec![
            tok("run", 1, 4, 11),
            tok("fox", 2, 12, 17),
            tok("cafe", 3, 19, 24),
        ]
    );
    let words: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
    assert_eq!(words, ["Running", "Foxes", "café"]);
}

#[test]
fn english_is_the_default_and_en_is_an_alias() {
    use lakeseek_segment::text::analyzer::DEFAULT_ANALYZER;
    assert_eq!(analyzer(DEFAULT_ANALYZER).unwrap().name(), "english");
    assert_eq!(analyzer("en").unwrap().name(), "english");
    assert_eq!(analyzer("English").unwrap().name(), "english");
    let text = "Studies of the effects of vitamin D supplementation";
    assert_eq!(terms("en", text), terms("english", text));
}

#[test]
fn english_stems_scientific_vocabulary() {
    assert_eq!(
        terms(
            "english",
            "Mutations in BRCA1 increased the patients' risks of developing cancers"
        ),
        ["mutat", "brca1", "increas", "patient", "risk", "develop", "cancer"]
    );
    // Possessives go, with typographic apostrophes too.
    assert_eq!(terms("english", "the fox’s den"), ["fox", "den"]);
    assert_eq!(terms("english", "the fox's den"), ["fox", "den"]);
}

#[test]
fn stop_word_positions_keep_phrase_distances() {
    let tokens = analyzer("english")
        .unwrap()
        .analyze("cells of the immune system");
    let positioned: Vec<(&str, u32)> = tokens
        .iter()
        .map(|t| (t.term.as_str(), t.position))
        .collect();
    assert_eq!(positioned, [("cell", 0), ("immun", 3), ("system", 4)]);
}

#[test]
fn standard_keeps_stop_words_and_does_not_stem() {
    assert_eq!(
        terms("standard", "The Running Foxes' café"),
        ["the", "running", "foxes", "cafe"]
    );
}

#[test]
fn standard_follows_uax29_words() {
    assert_eq!(
        terms(
            "standard",
            "IL-6 levels rose 3.5-fold (p<0.05), e.g. in U.S.A. mice_2 can't"
        ),
        [
            "il", "6", "levels", "rose", "3.5", "fold", "p", "0.05", "e.g", "in", "u.s.a",
            "mice_2", "can't"
        ]
    );
    // Ideographs are one word each; Thai or Khmer words depend on dictionaries
    // UAX #29 does not have, and are out of scope.
    assert_eq!(terms("standard", "東京大学"), ["東", "京", "大", "学"]);
}

#[test]
fn standard_folds_latin_letters_to_ascii() {
    assert_eq!(
        terms("standard", "Ærøskøbing Straße Łódź Þórr œuvre naïve ÉCOLE"),
        [
            "aeroskobing",
            "strasse",
            "lodz",
            "thorr",
            "oeuvre",
            "naive",
            "ecole"
        ]
    );
    // Decomposed input folds the same as precomposed input.
    assert_eq!(
        terms("standard", "cafe\u{301} ﬁnal ＡＢＣ"),
        ["cafe", "final", "abc"]
    );
    // Soft hyphens and zero-width spaces inside a word are ignored.
    assert_eq!(terms("standard", "co\u{AD}operation"), ["cooperation"]);
}

#[test]
fn non_latin_scripts_keep_their_letters() {
    // `й` is a letter of its own, not `и` with an accent.
    assert_eq!(terms("standard", "Йогурт и ЧАЙ"), ["йогурт", "и", "чай"]);
    assert_eq!(
        terms("standard", "и\u{306}огурт"),
        terms("standard", "йогурт")
    );
    // Greek keeps its tonos; final sigma matches medial sigma.
    assert_eq!(terms("standard", "ΟΔΟΣ Άλφα"), ["οδοσ", "άλφα"]);
    assert_eq!(terms("standard", "οδος"), ["οδοσ"]);
}

#[test]
fn language_stemmers() {
    assert_eq!(
        terms("german", "Die Häuser der Bäckereien"),
        terms("german", "die Hauser der Backereien")
    );
    assert_eq!(terms("german", "Häuser"), ["haus"]);
    assert_eq!(terms("french", "continuellement"), ["continuel"]);
    assert_eq!(terms("spanish", "corriendo"), ["corr"]);
    assert_eq!(terms("russian", "книгами"), ["книг"]);
    assert_eq!(terms("swedish", "flickornas"), ["flick"]);
    // No stop words outside English.
    assert_eq!(terms("german", "und"), ["und"]);
    for name in known_analyzers() {
        let analyzer = analyzer(name).unwrap();
        assert!(!analyzer.analyze("Hello wörld 42").is_empty(), "{name}");
    }
}

#[test]
fn keyword_is_the_exact_value() {
    let keyword = analyzer("keyword").unwrap();
    assert_eq!(
        keyword.analyze("SKU-42 / Blue, Large"),
        vec![tok("SKU-42 / Blue, Large", 0, 0, 20)]
    );
    assert!(keyword.analyze("").is_empty());
    assert!(keyword.analyze(&"x".repeat(MAX_TERM_BYTES + 1)).is_empty());
    assert_eq!(keyword.normalize("Mixed Case"), "Mixed Case");
}

#[test]
fn ngram_cuts_words_into_grams() {
    assert_eq!(terms("ngram", "Foxes run"), ["fox", "oxe", "xes", "run"]);
    let tokens = analyzer("ngram:2:3").unwrap().analyze("Café ox");
    let grams: Vec<(&str, u32, usize, usize)> = tokens
        .iter()
        .map(|t| (t.term.as_str(), t.position, t.start, t.end))
        .collect();
    assert_eq!(
        grams,
        [
            ("ca", 0, 0, 5),
            ("caf", 0, 0, 5),
            ("af", 0, 0, 5),
            ("afe", 0, 0, 5),
            ("fe", 0, 0, 5),
            ("ox", 1, 6, 8),
        ]
    );
    // Words shorter than the minimum are kept whole.
    assert_eq!(terms("ngram:3:4", "an ox"), ["an", "ox"]);
    // Grams are of chars, not bytes.
    assert_eq!(terms("ngram:2:2", "чай"), ["ча", "ай"]);
    assert_eq!(analyzer("ngram").unwrap().name(), "ngram:3:3");
    assert_eq!(analyzer("ngram:2").unwrap().name(), "ngram:2:2");
}

#[test]
fn ngram_names_are_validated() {
    let problem = |name: &str| match analyzer(name).unwrap_err() {
        AnalyzerError::InvalidNgram { problem, .. } => problem,
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(problem("ngram:0:3"), NgramSpecError::Zero);
    assert_eq!(
        problem("ngram:4:2"),
        NgramSpecError::MinAboveMax { min: 4, max: 2 }
    );
    assert_eq!(
        problem("ngram:2:99"),
        NgramSpecError::TooLong { max: 99, limit: 16 }
    );
    assert_eq!(
        problem("ngram:two:3"),
        NgramSpecError::NotANumber {
            value: "two".into()
        }
    );
    assert_eq!(problem("ngram:2:3:4"), NgramSpecError::Syntax);
    assert_eq!(problem("ngram:"), NgramSpecError::Syntax);
    assert_eq!(
        problem("ngram:99999999999999999999999:1"),
        NgramSpecError::MinAboveMax {
            min: usize::MAX,
            max: 1
        }
    );
    let message = analyzer("ngram:4:2").unwrap_err().to_string();
    assert!(message.contains("ngram:4:2"), "{message}");
}

#[test]
fn unknown_names_list_the_known_ones() {
    let err = analyzer("klingon").unwrap_err();
    match &err {
        AnalyzerError::Unknown { name, known } => {
            assert_eq!(name, "klingon");
            assert!(known.iter().any(|k| k == "english"));
            assert_eq!(known.len(), known_analyzers().len());
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    for name in [
        "standard", "english", "keyword", "ngram", "german", "turkish",
    ] {
        assert!(message.contains(name), "{message}");
    }
    assert!(known_analyzers().contains(&"tamil"));
}

#[test]
fn every_known_name_round_trips_through_its_canonical_name() {
    for name in known_analyzers() {
        let first = analyzer(name).unwrap();
        let again = analyzer(first.name()).unwrap();
        assert_eq!(first.name(), again.name());
    }
}

#[test]
fn streaming_matches_analyze() {
    let english = analyzer("english").unwrap();
    let text = "Vitamin D deficiency is associated with increased mortality";
    let mut streamed = Vec::new();
    english.for_each_token(text, &mut |term, position| {
        streamed.push((term.to_owned(), position));
    });
    let collected: Vec<(String, u32)> = english
        .analyze(text)
        .into_iter()
        .map(|t| (t.term, t.position))
        .collect();
    assert_eq!(streamed, collected);
}

#[test]
fn normalize_folds_without_stemming_or_splitting() {
    let english = analyzer("english").unwrap();
    assert_eq!(english.normalize("Runnings"), "runnings");
    assert_eq!(english.normalize("Café-Crème"), "cafe-creme");
    assert_eq!(analyzer("ngram").unwrap().normalize("ÉTÉ"), "ete");
}

#[test]
fn overlong_words_are_dropped_but_counted() {
    let long = "a".repeat(MAX_TERM_BYTES + 1);
    let tokens = analyzer("standard")
        .unwrap()
        .analyze(&format!("before {long} after"));
    let positioned: Vec<(&str, u32)> = tokens
        .iter()
        .map(|t| (t.term.as_str(), t.position))
        .collect();
    assert_eq!(positioned, [("before", 0), ("after", 2)]);
    let longest = "b".repeat(MAX_TERM_BYTES);
    assert_eq!(terms("standard", &longest), [longest]);
}

#[test]
fn mixed_ascii_and_unicode_text_segments_like_unicode_segmentation() {
    use unicode_segmentation::UnicodeSegmentation;
    let text = "Effects of 5 µg/ml IFN-γ on naïve CD4+ T-cells — résumé: 3.5±0.2 mm\r\n\
                at 37 °C (n = 12); 東京 e\u{301}tude  \t final.";
    let ours = word_spans(text);
    let reference: Vec<(usize, usize)> = text
        .unicode_word_indices()
        .map(|(i, w)| (i, i + w.len()))
        .collect();
    assert_eq!(ours, reference);
}

/// The spans of the `standard` analyzer's tokens, which are exactly its words
/// when no word is overlong.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    analyzer("standard")
        .unwrap()
        .analyze(text)
        .into_iter()
        .map(|t| (t.start, t.end))
        .collect()
}

/// Text mixing the characters that matter to segmentation: ASCII letters,
/// digits and word-joining punctuation, whitespace, accented and non-Latin
/// letters, combining marks, format characters.
fn tricky_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zA-Z0-9]{1,6}",
        "[ .,:;'_\t\r\n\"-]",
        Just("é".to_owned()),
        Just("e\u{301}".to_owned()),
        Just("\u{301}".to_owned()),
        Just("\u{200D}".to_owned()),
        Just("\u{AD}".to_owned()),
        Just("ß".to_owned()),
        Just("чай".to_owned()),
        Just("東".to_owned()),
        Just("👍🏽".to_owned()),
        Just("\u{3000}".to_owned()),
        Just("’".to_owned()),
        Just("ﬁ".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..24).prop_map(|pieces| pieces.concat())
}

#[test]
fn stems_match_the_snowball_stemmer_through_the_cache() {
    use rust_stemmers::{Algorithm, Stemmer};
    let snowball = Stemmer::create(Algorithm::English);
    let english = analyzer("english").unwrap();
    // More distinct words than the per-thread cache holds, each seen twice,
    // so both hits and refills are exercised.
    let words: Vec<String> = (0..20_000u32)
        .map(|i| {
            let suffix = ["ing", "ed", "s", "ational", "ness", "ly"][i as usize % 6];
            format!("w{}x{suffix}", i / 6)
        })
        .collect();
    for _ in 0..2 {
        for word in &words {
            let expected = snowball.stem(word).into_owned();
            let mut got = Vec::new();
            english.for_each_token(word, &mut |term, _| got.push(term.to_owned()));
            assert_eq!(got, [expected], "{word}");
        }
    }
    // A fresh thread starts with an empty cache and agrees.
    let text = "Generalized linear models were fitted to the nesting sites";
    let here = english.analyze(text);
    let there = std::thread::spawn(move || analyzer("english").unwrap().analyze(text))
        .join()
        .unwrap();
    assert_eq!(here, there);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn ascii_word_spans_match_unicode_segmentation(text in "[a-zA-Z0-9 .,:;'_\"\t\r\n()-]{0,40}") {
        use unicode_segmentation::UnicodeSegmentation;
        let reference: Vec<(usize, usize)> = text
            .unicode_word_indices()
            .map(|(i, w)| (i, i + w.len()))
            .collect();
        prop_assert_eq!(word_spans(&text), reference);
    }

    #[test]
    fn word_spans_match_unicode_segmentation(text in tricky_text()) {
        use unicode_segmentation::UnicodeSegmentation;
        let reference: Vec<(usize, usize)> = text
            .unicode_word_indices()
            .filter(|(_, w)| w.len() <= MAX_TERM_BYTES)
            .map(|(i, w)| (i, i + w.len()))
            .collect();
        prop_assert_eq!(word_spans(&text), reference);
    }

    #[test]
    fn analyzers_uphold_their_guarantees(
        text in prop_oneof![tricky_text(), any::<String>()],
        which in 0..32usize,
    ) {
        let mut names: Vec<&str> = known_analyzers();
        names.push("ngram:1:5");
        let name = names[which % names.len()];
        let analyzer = analyzer(name).unwrap();
        let tokens = analyzer.analyze(&text);
        let mut last_position = 0;
        for token in &tokens {
            prop_assert!(!token.term.is_empty(), "{name}: empty term");
            prop_assert!(token.term.len() <= MAX_TERM_BYTES);
            prop_assert!(token.start <= token.end && token.end <= text.len());
            prop_assert!(text.is_char_boundary(token.start), "{name}: {token:?}");
            prop_assert!(text.is_char_boundary(token.end), "{name}: {token:?}");
            prop_assert!(token.position >= last_position, "{name}: {tokens:?}");
            last_position = token.position;
        }
        // Analyzing is deterministic, and normalizing never panics either.
        prop_assert_eq!(analyzer.analyze(&text), tokens);
        let _ = analyzer.normalize(&text);
    }

    #[test]
    fn folding_is_idempotent(text in tricky_text()) {
        let standard = analyzer("standard").unwrap();
        for term in terms("standard", &text) {
            prop_assert_eq!(standard.normalize(&term), term);
        }
    }
}

/// BM25 (k1 1.2, b 0.75) over SciFact with each analyzer, scored by brute
/// force: the analyzers' retrieval quality on real scientific text, against
/// the published reference of 0.684–0.687 nDCG@10 (tantivy `en_stem`).
/// SciFact sits beside the repository (`../shared`), in CI too.
#[test]
fn scifact_bm25_ndcg() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/scifact");
    let corpus = scifact::read_columns(&dir.join("corpus.parquet"), &["id", "title", "text"]);
    let queries = scifact::read_columns(&dir.join("queries.parquet"), &["id", "text"]);
    let qrels = scifact::read_qrels(&dir.join("qrels_test.tsv"));
    let english = scifact::bm25_ndcg_at_10("english", &corpus, &queries, &qrels);
    let standard = scifact::bm25_ndcg_at_10("standard", &corpus, &queries, &qrels);
    println!("SciFact test split, BM25 nDCG@10: english {english:.4}, standard {standard:.4}");
    assert!(english >= 0.685, "english nDCG@10 {english:.4}");
    assert!(
        english > standard + 0.01,
        "stemming and stop words should help"
    );
}

mod scifact {
    use std::collections::HashMap;
    use std::path::Path;

    use arrow::array::{Array, StringArray};
    use arrow::datatypes::DataType;
    use lakeseek_segment::text::analyzer::analyzer;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// The named string columns of a Parquet file, row by row.
    pub fn read_columns(path: &Path, names: &[&str]) -> Vec<Vec<String>> {
        let file = std::fs::File::open(path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let mut rows = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let columns: Vec<StringArray> = names
                .iter()
                .map(|name| {
                    let column = batch.column_by_name(name).unwrap();
                    let column = arrow::compute::cast(column, &DataType::Utf8).unwrap();
                    column
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .unwrap()
                        .clone()
                })
                .collect();
            for row in 0..batch.num_rows() {
                rows.push(
                    columns
                        .iter()
                        .map(|c| {
                            if c.is_null(row) {
                                String::new()
                            } else {
                                c.value(row).to_owned()
                            }
                        })
                        .collect(),
                );
            }
        }
        rows
    }

    /// Query id → relevant document id → grade.
    pub fn read_qrels(path: &Path) -> HashMap<String, HashMap<String, u32>> {
        let mut qrels: HashMap<String, HashMap<String, u32>> = HashMap::new();
        for line in std::fs::read_to_string(path).unwrap().lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            if let [query, doc, grade] = fields[..] {
                let grade: u32 = grade.trim().parse().unwrap();
                if grade > 0 {
                    qrels
                        .entry(query.into())
                        .or_default()
                        .insert(doc.into(), grade);
                }
            }
        }
        qrels
    }

    pub fn bm25_ndcg_at_10(
        name: &str,
        corpus: &[Vec<String>],
        queries: &[Vec<String>],
        qrels: &HashMap<String, HashMap<String, u32>>,
    ) -> f64 {
        const K1: f32 = 1.2;
        const B: f32 = 0.75;
        let analyzer = analyzer(name).unwrap();
        let mut postings: HashMap<String, Vec<(usize, f32)>> = HashMap::new();
        let mut lengths = Vec::with_capacity(corpus.len());
        for (doc, row) in corpus.iter().enumerate() {
            let mut tf: HashMap<String, f32> = HashMap::new();
            let mut length = 0.0f32;
            analyzer.for_each_token(&format!("{} {}", row[1], row[2]), &mut |term, _| {
                *tf.entry(term.to_owned()).or_default() += 1.0;
                length += 1.0;
            });
            lengths.push(length);
            for (term, count) in tf {
                postings.entry(term).or_default().push((doc, count));
            }
        }
        let n = corpus.len() as f32;
        let average = lengths.iter().sum::<f32>() / n;
        let mut total = 0.0;
        let mut judged = 0;
        for query in queries {
            let Some(relevant) = qrels.get(&query[0]) else {
                continue;
            };
            let mut scores = vec![0.0f32; corpus.len()];
            for token in analyzer.analyze(&query[1]) {
                let Some(list) = postings.get(&token.term) else {
                    continue;
                };
                let df = list.len() as f32;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                for &(doc, tf) in list {
                    let norm = K1 * (1.0 - B + B * lengths[doc] / average);
                    scores[doc] += idf * tf * (K1 + 1.0) / (tf + norm);
                }
            }
            let mut ranked: Vec<usize> = (0..corpus.len()).filter(|&d| scores[d] > 0.0).collect();
            ranked.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            let dcg: f64 = ranked
                .iter()
                .take(10)
                .enumerate()
                .map(|(rank, &doc)| {
                    let grade = relevant.get(&corpus[doc][0]).copied().unwrap_or(0);
                    f64::from(grade) / (rank as f64 + 2.0).log2()
                })
                .sum();
            let mut grades: Vec<u32> = relevant.values().copied().collect();
            grades.sort_unstable_by(|a, b| b.cmp(a));
            let ideal: f64 = grades
                .iter()
                .take(10)
                .enumerate()
                .map(|(rank, &grade)| f64::from(grade) / (rank as f64 + 2.0).log2())
                .sum();
            total += dcg / ideal;
            judged += 1;
        }
        total / f64::from(judged)
    }
}
