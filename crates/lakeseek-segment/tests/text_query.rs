//! The query language: the tree each construct parses to, precedence, error
//! positions, the canonical form, and properties over arbitrary input.

use lakeseek_segment::text::query::{parse, Query, QueryError, QueryErrorKind, MAX_NESTING};
use proptest::prelude::*;

fn q(input: &str) -> Query {
    parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}\n{}", e.caret(input)))
}

fn err(input: &str) -> QueryError {
    match parse(input) {
        Ok(query) => panic!("{input:?} parsed as {query:?}"),
        Err(e) => e,
    }
}

fn term(text: &str) -> Query {
    Query::Term {
        field: None,
        text: text.into(),
        boost: 1.0,
    }
}

fn field_term(field: &str, text: &str) -> Query {
    Query::Term {
        field: Some(field.into()),
        text: text.into(),
        boost: 1.0,
    }
}

fn phrase(text: &str, slop: u32) -> Query {
    Query::Phrase {
        field: None,
        text: text.into(),
        slop,
        boost: 1.0,
    }
}

fn boosted(mut query: Query, by: f32) -> Query {
    match &mut query {
        Query::Term { boost, .. }
        | Query::Phrase { boost, .. }
        | Query::Prefix { boost, .. }
        | Query::Fuzzy { boost, .. }
        | Query::Bool { boost, .. }
        | Query::MatchAll { boost } => *boost = by,
    }
    query
}

fn and_of(must: Vec<Query>) -> Query {
    bool_query(must, vec![], vec![])
}

fn or_of(should: Vec<Query>) -> Query {
    bool_query(vec![], should, vec![])
}

fn bool_query(must: Vec<Query>, should: Vec<Query>, must_not: Vec<Query>) -> Query {
    Query::Bool {
        must,
        should,
        must_not,
        boost: 1.0,
    }
}

#[test]
fn terms_and_phrases() {
    assert_eq!(q("fox"), term("fox"));
    assert_eq!(q("  fox \n"), term("fox"));
    assert_eq!(
        q("Fox"),
        term("Fox"),
        "text stays raw; analysis comes later"
    );
    assert_eq!(q("covid-19"), term("covid-19"));
    assert_eq!(q("e.g."), term("e.g."));
    assert_eq!(q("naïve"), term("naïve"));
    assert_eq!(q("\"quick brown fox\""), phrase("quick brown fox", 0));
    assert_eq!(q("\"quick fox\"~2"), phrase("quick fox", 2));
    assert_eq!(q("\"quick fox\"~0"), phrase("quick fox", 0));
    assert_eq!(q("\"fox\""), phrase("fox", 0));
    assert_eq!(q(r#""say \"hi\" \\ bye""#), phrase(r#"say "hi" \ bye"#, 0));
    // Special characters lose their meaning inside quotes.
    assert_eq!(q("\"a:b (c) AND d*\""), phrase("a:b (c) AND d*", 0));
}

#[test]
fn prefixes_fuzzy_terms_and_match_all() {
    assert_eq!(
        q("qui*"),
        Query::Prefix {
            field: None,
            prefix: "qui".into(),
            boost: 1.0
        }
    );
    for (input, distance) in [("fox~1", 1), ("fox~2", 2), ("fox~0", 0), ("fox~", 2)] {
        assert_eq!(
            q(input),
            Query::Fuzzy {
                field: None,
                text: "fox".into(),
                distance,
                boost: 1.0
            },
            "{input}"
        );
    }
    assert_eq!(q("*"), Query::MatchAll { boost: 1.0 });
    assert_eq!(
        q("* -spam"),
        bool_query(
            vec![],
            vec![Query::MatchAll { boost: 1.0 }],
            vec![term("spam")]
        )
    );
}

#[test]
fn field_scopes() {
    assert_eq!(q("title:fox"), field_term("title", "fox"));
    assert_eq!(q("title: fox"), field_term("title", "fox"));
    assert_eq!(
        q("title:\"a phrase\"~1"),
        Query::Phrase {
            field: Some("title".into()),
            text: "a phrase".into(),
            slop: 1,
            boost: 1.0
        }
    );
    assert_eq!(
        q("title:(a OR b)"),
        or_of(vec![field_term("title", "a"), field_term("title", "b")])
    );
    // An inner explicit field wins over the enclosing one.
    assert_eq!(
        q("title:(a body:b)"),
        or_of(vec![field_term("title", "a"), field_term("body", "b")])
    );
    assert_eq!(
        q("title:(a (b c))"),
        or_of(vec![
            field_term("title", "a"),
            or_of(vec![field_term("title", "b"), field_term("title", "c")])
        ])
    );
    assert_eq!(
        q("title:qui*^2"),
        Query::Prefix {
            field: Some("title".into()),
            prefix: "qui".into(),
            boost: 2.0
        }
    );
    assert_eq!(
        q("abstract:fox~1"),
        Query::Fuzzy {
            field: Some("abstract".into()),
            text: "fox".into(),
            distance: 1,
            boost: 1.0
        }
    );
    assert_eq!(q("my\\ col:x"), field_term("my col", "x"));
    assert_eq!(q("-title:spam a").to_string(), "a -title:spam");
}

#[test]
fn boosts() {
    assert_eq!(q("fox^2"), boosted(term("fox"), 2.0));
    assert_eq!(q("fox^0.5"), boosted(term("fox"), 0.5));
    assert_eq!(q("fox^0"), boosted(term("fox"), 0.0));
    assert_eq!(q("\"a b\"^1.5"), boosted(phrase("a b", 0), 1.5));
    assert_eq!(q("\"a b\"~3^1.5"), boosted(phrase("a b", 3), 1.5));
    assert_eq!(q("fox~1^3").boost(), 3.0);
    assert_eq!(
        q("(a b)^3"),
        boosted(or_of(vec![term("a"), term("b")]), 3.0)
    );
    // A group of one clause is that clause, its boost multiplied in.
    assert_eq!(q("(a)^3"), boosted(term("a"), 3.0));
    assert_eq!(q("((a^2)^3)"), boosted(term("a"), 6.0));
    assert_eq!(q("*^2"), Query::MatchAll { boost: 2.0 });
}

#[test]
fn boolean_operators() {
    assert_eq!(q("a AND b"), and_of(vec![term("a"), term("b")]));
    assert_eq!(
        q("a AND b AND c"),
        and_of(vec![term("a"), term("b"), term("c")])
    );
    assert_eq!(q("a OR b"), or_of(vec![term("a"), term("b")]));
    assert_eq!(q("a b"), or_of(vec![term("a"), term("b")]), "implicit OR");
    assert_eq!(
        q("+a -b c"),
        bool_query(vec![term("a")], vec![term("c")], vec![term("b")])
    );
    assert_eq!(
        q("a AND NOT b"),
        bool_query(vec![term("a")], vec![], vec![term("b")])
    );
    assert_eq!(
        q("a AND -b"),
        bool_query(vec![term("a")], vec![], vec![term("b")])
    );
    assert_eq!(
        q("NOT b AND a"),
        bool_query(vec![term("a")], vec![], vec![term("b")])
    );
    // NOT excludes within the group, as in Lucene.
    assert_eq!(
        q("a NOT b"),
        bool_query(vec![], vec![term("a")], vec![term("b")])
    );
    assert_eq!(q("a OR NOT b"), q("a -b"));
    assert_eq!(q("+a"), term("a"));
    assert_eq!(
        q("+a OR b"),
        bool_query(vec![term("a")], vec![term("b")], vec![])
    );
    // Lowercase keywords are terms.
    assert_eq!(
        q("cats and dogs"),
        or_of(vec![term("cats"), term("and"), term("dogs")])
    );
    // Keywords stick to parentheses and quotes.
    assert_eq!(
        q("a AND(b OR c)"),
        and_of(vec![term("a"), or_of(vec![term("b"), term("c")])])
    );
    assert_eq!(
        q("NOT(b) a"),
        bool_query(vec![], vec![term("a")], vec![term("b")])
    );
    // Words that merely start like keywords are terms.
    assert_eq!(
        q("ORANGE ANDES NOTE"),
        or_of(vec![term("ORANGE"), term("ANDES"), term("NOTE")])
    );
    assert_eq!(q("OR:x"), field_term("OR", "x"));
    assert_eq!(q("a (b)"), or_of(vec![term("a"), term("b")]));
    assert_eq!(q("(a)b"), or_of(vec![term("a"), term("b")]));
}

#[test]
fn precedence_is_not_then_and_then_or() {
    assert_eq!(
        q("a AND b OR c"),
        or_of(vec![and_of(vec![term("a"), term("b")]), term("c")])
    );
    assert_eq!(
        q("a OR b AND c"),
        or_of(vec![term("a"), and_of(vec![term("b"), term("c")])])
    );
    assert_eq!(
        q("a OR b AND NOT c"),
        or_of(vec![
            term("a"),
            bool_query(vec![term("b")], vec![], vec![term("c")])
        ])
    );
    assert_eq!(
        q("a b AND c d"),
        or_of(vec![
            term("a"),
            and_of(vec![term("b"), term("c")]),
            term("d")
        ])
    );
    assert_eq!(
        q("(a OR b) AND c"),
        and_of(vec![or_of(vec![term("a"), term("b")]), term("c")])
    );
    assert_eq!(
        q("a AND (b OR c) AND NOT (d OR e)"),
        bool_query(
            vec![term("a"), or_of(vec![term("b"), term("c")])],
            vec![],
            vec![or_of(vec![term("d"), term("e")])]
        )
    );
    assert_eq!(
        q("title:x AND \"y z\"~1 OR -w"),
        bool_query(
            vec![],
            vec![and_of(vec![field_term("title", "x"), phrase("y z", 1)])],
            vec![term("w")]
        )
    );
}

#[test]
fn escapes() {
    assert_eq!(q("\\-a"), term("-a"));
    assert_eq!(q("\\+a"), term("+a"));
    assert_eq!(q("title\\:x"), term("title:x"));
    assert_eq!(q("a\\ b"), term("a b"));
    assert_eq!(q("\\AND"), term("AND"));
    assert_eq!(q("a\\*"), term("a*"));
    assert_eq!(q("\\*"), term("*"));
    assert_eq!(q("c\\+\\+"), term("c++"));
    assert_eq!(q("1\\^2"), term("1^2"));
    assert_eq!(q("\\(x\\)"), term("(x)"));
    assert_eq!(q("\\\\"), term("\\"));
    assert_eq!(
        q("\\é\\~"),
        Query::Term {
            field: None,
            text: "é~".into(),
            boost: 1.0
        }
    );
}

fn assert_error(input: &str, position: usize, kind: QueryErrorKind) {
    let e = err(input);
    assert_eq!((e.position, &e.kind), (position, &kind), "{input:?}: {e}");
}

fn dangling(operator: &str) -> QueryErrorKind {
    QueryErrorKind::DanglingOperator {
        operator: operator.into(),
    }
}

#[test]
fn errors_and_their_positions() {
    use QueryErrorKind as K;
    assert_error("", 0, K::EmptyQuery);
    assert_error("  \t ", 0, K::EmptyQuery);
    assert_error("a)", 1, K::UnexpectedChar(')'));
    assert_error(")", 0, K::UnexpectedChar(')'));
    assert_error("  ) a", 2, K::UnexpectedChar(')'));
    assert_error("fox AND (a OR b))", 16, K::UnexpectedChar(')'));
    assert_error("(a", 0, K::UnclosedParen);
    assert_error("a (b (c)", 2, K::UnclosedParen);
    assert_error("\"abc", 0, K::UnclosedQuote);
    assert_error("x \"abc\\\"", 2, K::UnclosedQuote);
    assert_error("a AND", 2, dangling("AND"));
    assert_error("(a AND) b", 3, dangling("AND"));
    assert_error("AND a", 0, dangling("AND"));
    assert_error("OR a", 0, dangling("OR"));
    assert_error("a OR", 2, dangling("OR"));
    assert_error("a OR OR b", 2, dangling("OR"));
    assert_error("a OR AND b", 2, dangling("OR"));
    assert_error("NOT", 0, dangling("NOT"));
    assert_error("a NOT NOT b", 2, dangling("NOT"));
    assert_error("a -", 2, dangling("-"));
    assert_error("a + b", 2, dangling("+"));
    assert_error("+-a", 1, K::UnexpectedChar('-'));
    assert_error("()", 0, K::EmptyGroup);
    assert_error("a ( )", 2, K::EmptyGroup);
    assert_error("\"\"", 0, K::EmptyPhrase);
    assert_error("x \"  \"", 2, K::EmptyPhrase);
    assert_error("fox^", 4, K::BadBoost { text: "".into() });
    assert_error("fox^x", 4, K::BadBoost { text: "x".into() });
    assert_error("fox^-1", 4, K::BadBoost { text: "-1".into() });
    assert_error("fox^inf", 4, K::BadBoost { text: "inf".into() });
    assert_error("fox^1e3", 4, K::BadBoost { text: "1e3".into() });
    assert_error(
        "fox^1.2.3",
        4,
        K::BadBoost {
            text: "1.2.3".into(),
        },
    );
    assert_error("fox^.", 4, K::BadBoost { text: ".".into() });
    assert_error(
        &format!("fox^1{}", "0".repeat(40)),
        4,
        K::BadBoost {
            text: format!("1{}", "0".repeat(40)),
        },
    );
    assert_error("\"a b\"~x", 6, K::BadSlop { text: "x".into() });
    assert_error("\"a b\"~", 6, K::BadSlop { text: "".into() });
    assert_error("\"a b\"~1.5", 6, K::BadSlop { text: "1.5".into() });
    assert_error("fox~3", 4, K::FuzzyDistanceTooLarge { distance: 3 });
    assert_error("fox~0.5", 4, K::BadFuzzyDistance { text: "0.5".into() });
    assert_error(
        "fox~99999999999",
        4,
        K::BadFuzzyDistance {
            text: "99999999999".into(),
        },
    );
    assert_error(":fox", 0, K::EmptyFieldName);
    assert_error("a :fox", 2, K::EmptyFieldName);
    assert_error(
        "title:",
        5,
        K::MissingFieldValue {
            field: "title".into(),
        },
    );
    assert_error(
        "title: AND b",
        5,
        K::MissingFieldValue {
            field: "title".into(),
        },
    );
    assert_error(
        "(title:)",
        6,
        K::MissingFieldValue {
            field: "title".into(),
        },
    );
    assert_error("title:*", 6, K::FieldWildcard);
    assert_error("*fox", 0, K::MisplacedWildcard);
    assert_error("fo*x", 2, K::MisplacedWildcard);
    assert_error("title:*x", 6, K::MisplacedWildcard);
    assert_error("fox*~1", 4, K::UnexpectedChar('~'));
    assert_error("fox**", 4, K::UnexpectedChar('*'));
    assert_error("a:b:c", 3, K::UnexpectedChar(':'));
    assert_error("\"a\":b", 3, K::UnexpectedChar(':'));
    assert_error("(a)~2", 3, K::UnexpectedChar('~'));
    assert_error("fox~1~2", 5, K::UnexpectedChar('~'));
    assert_error("^2", 0, K::UnexpectedChar('^'));
    assert_error("fox\\", 3, K::TrailingEscape);
    assert_error("-a", 0, K::OnlyExclusions);
    assert_error("NOT a", 0, K::OnlyExclusions);
    assert_error("-a -b", 0, K::OnlyExclusions);
    assert_error("NOT a AND NOT b", 0, K::OnlyExclusions);
    assert_error("x OR (-b)", 5, K::OnlyExclusions);
    assert_error("x (NOT a AND -b)", 3, K::OnlyExclusions);
}

#[test]
fn nesting_is_bounded() {
    let nested = |depth: usize| format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(q(&nested(MAX_NESTING)), term("a"));
    assert_error(
        &nested(MAX_NESTING + 1),
        MAX_NESTING,
        QueryErrorKind::TooDeep { limit: MAX_NESTING },
    );
    // Far deeper input is an error too, not a stack overflow.
    assert!(parse(&"(".repeat(1_000_000)).is_err());
    assert!(parse(&"NOT ".repeat(100_000)).is_err());
    let overflowing = format!("((a^1{zeros})^1{zeros})", zeros = "0".repeat(30));
    assert_error(
        &overflowing,
        37,
        QueryErrorKind::BadBoost {
            text: format!("1{}", "0".repeat(30)),
        },
    );
}

#[test]
fn error_messages_and_carets() {
    let input = "fox AND (a OR b))";
    let e = err(input);
    assert_eq!(e.to_string(), "unexpected ')' at position 16");
    assert_eq!(e.caret(input), format!("{input}\n{}^", " ".repeat(16)));

    let input = "a AND";
    let e = err(input);
    assert_eq!(
        e.to_string(),
        "operator AND is missing an operand at position 2"
    );
    assert_eq!(e.caret(input), "a AND\n  ^");

    // Columns count chars, not bytes; line breaks render as spaces.
    let input = "café\n)";
    let e = err(input);
    assert_eq!(e.position, 6);
    assert_eq!(e.caret(input), "café )\n     ^");

    assert_eq!(err("\"abc").to_string(), "unclosed quote at position 0");
    assert_eq!(
        err("fox~3").to_string(),
        "fuzzy distance 3 exceeds the maximum of 2 at position 4"
    );
    assert!(err("-a").to_string().contains("* -term"));
}

#[test]
fn canonical_form() {
    let cases = [
        ("fox", "fox"),
        ("  a   OR b ", "a b"),
        ("a AND b OR c", "(+a +b) c"),
        ("+a -b c", "+a c -b"),
        ("a AND NOT b", "+a -b"),
        ("title:(a OR b)^2", "(title:a title:b)^2"),
        ("\"a \\\"b\\\"\"~2^1.5", "\"a \\\"b\\\"\"~2^1.5"),
        ("\"a b\"~0", "\"a b\""),
        ("fox~", "fox~2"),
        ("qui*^1", "qui*"),
        ("\\AND", "\\AND"),
        ("\\-a", "\\-a"),
        ("a\\ b\\:c", "a\\ b\\:c"),
        ("covid-19", "covid-19"),
        ("* -spam", "* -spam"),
        ("(a b) (c d)", "(a b) (c d)"),
    ];
    for (input, canonical) in cases {
        let query = q(input);
        assert_eq!(query.to_string(), canonical, "{input:?}");
        assert_eq!(q(canonical), query, "{canonical:?}");
    }
}

/// Non-empty text over an alphabet heavy in syntax characters.
fn raw_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9_ .:()\"^~*\\\\+-]{1,8}",
        1 => Just("AND".to_owned()),
        1 => Just("OR".to_owned()),
        1 => Just("NOT".to_owned()),
        1 => "\\PC{1,6}",
        1 => any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

fn boost() -> impl Strategy<Value = f32> {
    prop_oneof![
        4 => Just(1.0f32),
        1 => Just(0.0f32),
        1 => Just(2.0f32),
        1 => Just(0.1f32),
        2 => 0.0f32..10_000.0,
        1 => any::<f32>().prop_filter("finite, non-negative", |b| b.is_finite() && *b >= 0.0),
    ]
}

fn field() -> impl Strategy<Value = Option<String>> {
    prop::option::of(raw_text())
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        (field(), raw_text(), boost()).prop_map(|(field, text, boost)| Query::Term {
            field,
            text,
            boost
        }),
        (
            field(),
            any::<String>().prop_filter("not blank", |s| !s.trim().is_empty()),
            prop_oneof![Just(0u32), 1u32..5, any::<u32>()],
            boost()
        )
            .prop_map(|(field, text, slop, boost)| Query::Phrase {
                field,
                text,
                slop,
                boost
            }),
        (field(), raw_text(), boost()).prop_map(|(field, prefix, boost)| Query::Prefix {
            field,
            prefix,
            boost
        }),
        (field(), raw_text(), 0u8..=2, boost()).prop_map(|(field, text, distance, boost)| {
            Query::Fuzzy {
                field,
                text,
                distance,
                boost,
            }
        }),
        boost().prop_map(|boost| Query::MatchAll { boost }),
    ]
}

/// Queries as `parse` builds them: every `Bool` has two clauses or more, at
/// least one of them not excluded.
fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(4, 48, 5, |inner| {
        (
            prop::collection::vec(inner.clone(), 0..3),
            prop::collection::vec(inner.clone(), 0..3),
            prop::collection::vec(inner, 0..3),
            boost(),
        )
            .prop_filter("a Bool parse can build", |(must, should, must_not, _)| {
                must.len() + should.len() + must_not.len() >= 2 && must.len() + should.len() >= 1
            })
            .prop_map(|(must, should, must_not, boost)| Query::Bool {
                must,
                should,
                must_not,
                boost,
            })
    })
}

/// Strings likely to reach every corner of the parser.
fn query_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("AND"),
        Just("OR"),
        Just("NOT"),
        Just(" "),
        Just("("),
        Just(")"),
        Just("\""),
        Just(":"),
        Just("^"),
        Just("~"),
        Just("*"),
        Just("\\"),
        Just("+"),
        Just("-"),
        Just("2"),
        Just("1.5"),
        Just("fox"),
        Just("é"),
        Just("title"),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn parse_never_panics(input in prop_oneof![query_like(), any::<String>()]) {
        match parse(&input) {
            Ok(query) => {
                // Whatever parses has a canonical form that parses back.
                let canonical = query.to_string();
                prop_assert_eq!(parse(&canonical), Ok(query), "{}", canonical);
            }
            Err(e) => {
                prop_assert!(e.position <= input.len());
                prop_assert!(input.is_char_boundary(e.position));
                let _ = e.caret(&input);
                let _ = e.to_string();
            }
        }
    }

    #[test]
    fn canonical_form_round_trips(query in query()) {
        let text = query.to_string();
        prop_assert_eq!(parse(&text), Ok(query), "{}", text);
    }
}
